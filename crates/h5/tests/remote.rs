//! Remote reads against real S3-compatible servers on loopback, both of
//! them (s3s-fs, which the other S3 tests and the benchmarks use, and moto,
//! an independent implementation): signed S3 range requests, and plain HTTP
//! GETs with Range through object_store's HTTP store. Values equal the
//! local reads (which the `samples` test compares with h5py).

use std::sync::Arc;

use magg_h5::{File, IoStats, OpenOptions};
use magg_testkit::s3::S3Server;

const COLS: [&str; 5] = [
    "latitude",
    "longitude",
    "h_li",
    "h_li_sigma",
    "atl06_quality_summary",
];

async fn five_columns(file: &File, beam: &str) -> Vec<Vec<f64>> {
    let mut ds = Vec::new();
    for c in COLS {
        ds.push(
            file.dataset(&format!("/{beam}/land_ice_segments/{c}"))
                .await
                .unwrap(),
        );
    }
    let reqs: Vec<_> = ds.iter().map(|d| (d, 0..d.rows())).collect();
    file.read_many(&reqs).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_and_http_reads_match_local_on_s3s_fs() {
    reads_match_local(&S3Server::start()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_and_http_reads_match_local_on_moto() {
    reads_match_local(&S3Server::start_moto()).await;
}

async fn reads_match_local(s3: &S3Server) {
    let server = s3.name();
    s3.create_bucket("granules");
    let granules = magg_testkit::sample_granules();
    let local_path = &granules[0];
    let key = format!(
        "atl06/{}",
        local_path.file_name().unwrap().to_str().unwrap()
    );
    s3.put_file("granules", &key, local_path);

    let local = File::open_url(&local_path.display().to_string(), &OpenOptions::default())
        .await
        .unwrap();
    let beam = local
        .list("/")
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.name.starts_with("gt"))
        .unwrap()
        .name;
    let want = five_columns(&local, &beam).await;

    let shared = IoStats::new();
    let opts = OpenOptions {
        store_options: s3.store_options(),
        stats: Some(shared.clone()),
        ..OpenOptions::default()
    };
    // S3 (signed requests, ranged GETs).
    let remote = File::open_url(&s3.url("granules", &key), &opts)
        .await
        .unwrap();
    assert_eq!(five_columns(&remote, &beam).await, want, "{server}");
    // Open + 5 columns of a beam: a handful of requests, in as many rounds
    // at most (the first read also tells the object's size: no HEAD).
    let c = remote.counters();
    assert!(c.requests >= 2 && c.requests <= 11, "{server}: {c:?}");
    assert!(c.rounds >= 2 && c.rounds <= c.requests, "{server}: {c:?}");
    let before_walk = remote.counters();
    assert_eq!(
        remote.walk("/").await.unwrap(),
        local.walk("/").await.unwrap()
    );
    // Walking the whole tree fetches no metadata byte twice
    // (data chunks are not cached as metadata, so count the walk alone).
    let size = std::fs::metadata(local_path).unwrap().len();
    let c = remote.counters();
    assert!(
        c.bytes_fetched - before_walk.bytes_fetched <= size,
        "{c:?} (before the walk: {before_walk:?}): metadata fetched twice"
    );

    // Plain HTTP with Range (object_store's HTTP store).
    let http = File::open_url(
        &s3.http_url("granules", &key),
        &OpenOptions {
            stats: Some(shared.clone()),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(five_columns(&http, &beam).await, want, "{server}");
    let h = http.counters();
    // The shared counters hold both files.
    let total = shared.snapshot();
    assert_eq!(total.requests, remote.counters().requests + h.requests);
    assert_eq!(
        total.bytes_fetched,
        remote.counters().bytes_fetched + h.bytes_fetched
    );

    // A missing object names the URL.
    let url = s3.url("granules", "atl06/missing.h5");
    let err = File::open_url(&url, &opts).await.unwrap_err();
    assert!(err.to_string().contains("missing.h5"), "{err}");
    // A missing dataset names the file and the path.
    let err = remote
        .dataset("/gt9x/land_ice_segments/h_li")
        .await
        .unwrap_err();
    assert!(
        err.is_not_found() && err.to_string().contains("/gt9x/land_ice_segments/h_li"),
        "{err}"
    );
    let _ = Arc::strong_count(&shared);
}
