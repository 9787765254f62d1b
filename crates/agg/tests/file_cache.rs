//! `ReadOptions::files`: a worker reading several shards of the same
//! granules opens each granule once; results are unchanged.

use magg_agg::{AggConfig, ReadOptions, read_shard};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_shard_reuses_opened_granules() {
    let files: Vec<String> = magg_testkit::sample_granule_paths();
    let config = AggConfig::atl06_default();
    let cached = ReadOptions::default();
    let uncached = ReadOptions {
        files: None,
        ..ReadOptions::default()
    };
    let cache = cached.files.clone().unwrap();
    let (a, b) = (
        magg_morton::encode(6, 32776).unwrap(),
        magg_morton::encode(6, 32771).unwrap(),
    );
    let first = read_shard(a, &files, &config, &cached).await.unwrap();
    assert_eq!(cache.misses(), files.len() as u64);
    let with = read_shard(b, &files, &config, &cached).await.unwrap();
    assert_eq!(cache.hits(), files.len() as u64);
    let without = read_shard(b, &files, &config, &uncached).await.unwrap();
    assert!(first.grouped.observations() > 0 && with.grouped.observations() > 0);
    assert_eq!(with.grouped.observations(), without.grouped.observations());
    assert_eq!(
        format!("{:?}", with.grouped.reduce(12).unwrap()),
        format!("{:?}", without.grouped.reduce(12).unwrap())
    );
    for (w, o) in with.granules.iter().zip(&without.granules) {
        assert_eq!((w.rows_read, w.stats), (o.rows_read, o.stats), "{}", w.url);
        // No open and no metadata requests: only data.
        assert!(
            w.io.requests < o.io.requests,
            "{}: {:?} vs {:?}",
            w.url,
            w.io,
            o.io
        );
    }
}
