//! `read_shard` from an S3 server on loopback whose every GET answers no
//! sooner than a fixed first-byte delay (s3s-fs behind the fault proxy's
//! delay): the values equal a local read, each granule's and the shard's
//! rounds (dependency depth) are reported, the shard waits at least
//! rounds × delay, and reading one granule after another takes as long as
//! their rounds added up but is no deeper: rounds do not depend on timing.

use std::time::{Duration, Instant};

use magg_agg::{AggConfig, ReadOptions, read_shard};
use magg_testkit::faults::{Fault, FaultProxy, Rule};
use magg_testkit::s3::S3Server;

const DELAY: Duration = Duration::from_millis(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn granules_at_once_take_few_rounds_and_read_the_same_values() {
    let s3 = S3Server::start();
    s3.create_bucket("granules");
    let local: Vec<String> = magg_testkit::sample_granule_paths();
    let mut urls = Vec::new();
    for p in magg_testkit::sample_granules() {
        let key = p.file_name().unwrap().to_string_lossy().into_owned();
        s3.put_file("granules", &key, &p);
        urls.push(s3.url("granules", &key));
    }
    let proxy = FaultProxy::in_front_of(&s3);
    proxy.add(Rule::new(Fault::Delay(DELAY), "/granules/").method("GET"));
    let config = AggConfig::atl06_default();
    let shard = magg_morton::encode(6, 32776).unwrap();
    let remote = |granule_concurrency: usize| {
        let mut opts = ReadOptions {
            granule_concurrency,
            files: None,
            ..ReadOptions::default()
        };
        opts.open.store_options = proxy.store_options();
        opts
    };

    let want = read_shard(shard, &local, &config, &ReadOptions::default())
        .await
        .unwrap()
        .grouped
        .reduce(12)
        .unwrap();
    let t = Instant::now();
    let fast = read_shard(shard, &urls, &config, &remote(usize::MAX))
        .await
        .unwrap();
    let took = t.elapsed();
    assert!(fast.failed().next().is_none());
    assert_eq!(
        format!("{:?}", fast.grouped.reduce(12).unwrap()),
        format!("{want:?}")
    );
    let io = fast.io();
    let most = fast.granules.iter().map(|g| g.io.rounds).max().unwrap();
    // Open (one read), the groups and headers, the data: a few rounds per
    // granule, fewer than its requests; the shard's at least any granule's.
    for g in &fast.granules {
        assert!(
            g.io.rounds >= 4 && g.io.rounds < g.io.requests,
            "{}: {:?}",
            g.url,
            g.io
        );
    }
    // No granule needs another's answers: the shard is as deep as its
    // deepest granule.
    assert_eq!(io.rounds, most, "{io:?}, most of a granule {most}");
    assert_eq!(
        io.requests,
        fast.granules.iter().map(|g| g.io.requests).sum::<u64>()
    );
    // Each round waited for at least one delayed answer.
    assert!(took >= DELAY * io.rounds as u32, "{io:?} in {took:?}");

    // From a chunk index built over the same server: no open and no
    // metadata, every dataset of the summary's blocks at once: one round
    // for the whole shard.
    let spec = config.index_spec(magg_index::DEFAULT_SUMMARY_ORDER);
    let open = magg_h5::OpenOptions {
        store_options: proxy.store_options(),
        ..magg_h5::OpenOptions::default()
    };
    let mut entries = Vec::new();
    for u in &urls {
        let g = magg_index::index_granule(u, &spec, &open).await.unwrap();
        assert!(g.entry.granule.file.identity.etag.is_some());
        entries.push(g.entry);
    }
    let mut indexed = remote(usize::MAX);
    indexed.index = Some(std::sync::Arc::new(magg_index::ChunkIndex::new(
        magg_index::DEFAULT_SUMMARY_ORDER,
        entries,
    )));
    let t = Instant::now();
    let ix = read_shard(shard, &urls, &config, &indexed).await.unwrap();
    let took_ix = t.elapsed();
    assert_eq!(
        format!("{:?}", ix.grouped.reduce(12).unwrap()),
        format!("{want:?}")
    );
    assert_eq!(ix.index_fallbacks(), 0);
    assert!(ix.granules.iter().all(|g| g.indexed));
    // One step, whatever the load: rounds are dependency depth.
    assert_eq!(ix.io().rounds, 1, "{:?}", ix.io());
    // A granule whose summary names no block of the shard makes no request.
    for g in &ix.granules {
        assert_eq!(
            g.io.rounds,
            u64::from(g.io.requests > 0),
            "{}: {:?}",
            g.url,
            g.io
        );
    }
    assert!(ix.io().requests < io.requests, "{:?} vs {io:?}", ix.io());
    assert!(took_ix >= DELAY * ix.io().rounds as u32);

    // One granule after another: the waits add up, the depth does not (by
    // arrival order this counted the sum of the granules' rounds).
    let t = Instant::now();
    let slow = read_shard(shard, &urls, &config, &remote(1)).await.unwrap();
    let took_slow = t.elapsed();
    let sum: u64 = slow.granules.iter().map(|g| g.io.rounds).sum();
    let most_slow = slow.granules.iter().map(|g| g.io.rounds).max().unwrap();
    assert_eq!(slow.io().rounds, most_slow, "{:?}", slow.io());
    assert!(sum > 3 * most_slow, "{sum} vs {most_slow}");
    assert!(
        took_slow >= DELAY * sum as u32,
        "{took_slow:?}, {sum} rounds"
    );
    // The same files, the same depth (± what the metadata cache shares
    // between a granule's beams, which depends on which answered first).
    assert!(
        slow.io().rounds.abs_diff(io.rounds) <= 1,
        "at once {io:?}, one by one {:?}",
        slow.io()
    );
}
