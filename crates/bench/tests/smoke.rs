//! The shard benchmark on the sample granules: the figures it reports are
//! consistent with `read_shard` and with the h5py reference.

use magg_agg::{AggConfig, ReadOptions, read_shard};
use magg_bench::{ShardOptions, render};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shard_bench_on_samples() {
    let granules: Vec<String> = magg_testkit::sample_granule_paths();
    let shard = magg_morton::encode(6, 32776).unwrap();
    let opts = ShardOptions {
        shard,
        granules: granules.clone(),
        local_granules: granules.clone(),
        repeat: 2,
        python: true,
        source: "local disk".into(),
        row_search: magg_agg::RowSearch::AlongTrack,
        read: ReadOptions::default(),
    };
    let report = magg_bench::shard::run(&opts).await.unwrap();
    let direct = read_shard(
        shard,
        &granules,
        &AggConfig::atl06_default(),
        &ReadOptions::default(),
    )
    .await
    .unwrap();
    assert!(direct.failed().next().is_none());
    assert!(direct.grouped.observations() > 1000);
    assert_eq!(report.observations, direct.grouped.observations());
    // Two runs of the same read: a granule's beams are read at once, and
    // whether one beam's coalesced response is still in flight when
    // another wants bytes from it depends on scheduling, so the bytes
    // fetched agree within a few percent, not to the byte.
    let (a, b) = (report.io.bytes_fetched, direct.io().bytes_fetched);
    assert!(
        a.abs_diff(b) * 10 <= a.max(b),
        "bench {a} B, read_shard {b} B"
    );
    assert!(report.io.requests > 0 && report.open_io.requests > 0);
    // Rounds: at least the open's (superblock, groups, headers), at most
    // one per request; a granule's at most the shard's.
    assert!(report.io.rounds >= 3 && report.io.rounds <= report.io.requests);
    assert!(report.granule_rounds >= 1 && report.granule_rounds <= report.io.rounds);
    assert!(report.io.bytes_decompressed > 0 && report.io.chunks_decoded > 0);
    assert!(report.stages.iter().all(|s| s.seconds >= 0.0));
    assert!(report.total_seconds > 0.0);
    assert!(report.peak_rss.is_some_and(|r| r > 1 << 20));
    // The independent reference agrees on what the shard holds.
    let py = report.python.as_ref().unwrap();
    assert_eq!(py.passes, 2);
    assert_eq!(py.observations, report.observations);
    assert_eq!(py.cells, report.cells);
    let needed = py.needed_bytes.unwrap();
    assert!(needed > 0 && needed <= report.io.bytes_fetched);
    let text = render::shard(&report);
    assert!(
        text.contains(&format!("{} observations", report.observations)),
        "{text}"
    );
    assert!(text.contains("fetched/needed"), "{text}");
    assert!(
        text.contains(&format!("in {} rounds/shard", report.io.rounds)),
        "{text}"
    );
}
