//! `FileCache`: a second open of a granule parses nothing and fetches no
//! metadata again, each view counts only its own I/O, reads through a
//! cached file equal reads through a fresh one, and the cache is bounded.

use magg_h5::{File, FileCache, OpenOptions};

fn samples() -> Vec<String> {
    magg_testkit::sample_granule_paths()
}

const H_LI: &str = "/gt1l/land_ice_segments/h_li";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopen_shares_metadata_not_counters() {
    let files = samples();
    let cache = FileCache::new(4);
    // Small blocks so that metadata beyond the first block is fetched.
    let opts = OpenOptions {
        first_block: 4096,
        read_ahead: 4096,
        ..OpenOptions::default()
    };
    let first = cache.open_url(&files[0], &opts).await.unwrap();
    let walk = first.walk("/").await.unwrap();
    let h1: Vec<f32> = first.dataset(H_LI).await.unwrap().read_all().await.unwrap();
    let c1 = first.counters();
    assert!(c1.requests > 2, "{c1:?}");
    assert_eq!((cache.hits(), cache.misses(), cache.len()), (0, 1, 1));

    let second = cache.open_url(&files[0], &opts).await.unwrap();
    assert_eq!(cache.hits(), 1);
    // Nothing counted yet, and the whole walk is served from memory.
    assert_eq!(second.counters().requests, 0);
    assert_eq!(second.walk("/").await.unwrap(), walk);
    assert_eq!(second.counters().requests, 0);
    // Data chunks are not cached: they are fetched again, and counted here only.
    let ds = second.dataset(H_LI).await.unwrap();
    let h2: Vec<f32> = ds.read_all().await.unwrap();
    assert_eq!(h1, h2);
    let c2 = second.counters();
    assert!(c2.requests >= 1 && c2.bytes_fetched > 0, "{c2:?}");
    assert_eq!(first.counters(), c1);
    assert!(cache.cached_bytes() >= 4096);
    // Equal to a fresh, uncached open.
    let fresh = File::open_url(&files[0], &opts).await.unwrap();
    let h3: Vec<f32> = fresh.dataset(H_LI).await.unwrap().read_all().await.unwrap();
    assert_eq!(h1, h3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_by_entry_count_least_recently_used_first() {
    let files = samples();
    let opts = OpenOptions::default();
    let cache = FileCache::new(2);
    for f in &files[..3] {
        cache.open_url(f, &opts).await.unwrap();
    }
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.misses(), 3);
    // files[0] was dropped (least recently used); files[2] is still there.
    cache.open_url(&files[2], &opts).await.unwrap();
    assert_eq!(cache.hits(), 1);
    cache.open_url(&files[0], &opts).await.unwrap();
    assert_eq!(cache.misses(), 4);
    assert_eq!(cache.len(), 2);
    // Capacity 0 keeps nothing; errors are not cached.
    let none = FileCache::new(0);
    none.open_url(&files[0], &opts).await.unwrap();
    assert!(none.is_empty());
    assert!(cache.open_url("/nonexistent/x.h5", &opts).await.is_err());
    assert_eq!(cache.len(), 2);
}
