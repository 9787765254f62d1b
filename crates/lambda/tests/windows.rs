//! Time windows through the Lambda executor: the sample granules split by
//! date into two windows, their shards run by the loopback Lambda (real
//! bootstrap processes reading from the S3 server) and by the local
//! worker, into two stores of two time slices with dh/dt. The stores are
//! identical object for object (status records aside), both slices hold
//! data, and each shard's status record keeps its per-window counts.

mod support;

use std::sync::Arc;

use magg_agg::AggConfig;
use magg_agg::dhdt::TrendSpec;
use magg_run::{GranuleSource, LocalWorker, store_spec, with_windows};
use magg_store::{CreateMode, Location, OutputStore, TimeWindow};
use support::{SHARDS, data_objects, emulator, lambda_worker, run, s3_with_granules, sample_tasks};

const DAY: f64 = 86_400.0;

/// Unix days of 2023-12-01, 2024-01-20 and 2024-04-01.
const EDGES: [f64; 3] = [19_692.0, 19_742.0, 19_814.0];

fn windows() -> Vec<TimeWindow> {
    ["until 2024-01-20", "from 2024-01-20"]
        .iter()
        .enumerate()
        .map(|(i, l)| TimeWindow {
            label: (*l).to_string(),
            start: EDGES[i] * DAY,
            end: EDGES[i + 1] * DAY,
        })
        .collect()
}

/// The window of a sample granule, from the date in its name
/// (`ATL06_YYYYMMDD…`).
fn window_of(g: &GranuleSource) -> u32 {
    let date = &g.id[6..14];
    u32::from(date >= "20240120")
}

async fn new_windowed_store(s3: &magg_testkit::s3::S3Server, name: &str) -> Arc<OutputStore> {
    let config = AggConfig::atl06_default();
    let shards = SHARDS.map(|n| magg_morton::encode(6, n).unwrap());
    let spec = store_spec(&config, &[], &shards, serde_json::Map::new()).unwrap();
    let spec = with_windows(spec, windows(), Some(&TrendSpec::default()), &config).unwrap();
    let location = Location::parse_with(&s3.url("out", name), s3.store_options()).unwrap();
    Arc::new(
        OutputStore::create_at(&location, &spec, CreateMode::New)
            .await
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_runs_time_windows_as_the_local_worker_does() {
    let (s3, mut granules) = s3_with_granules();
    for g in &mut granules {
        g.window = window_of(g);
    }
    assert!(granules.iter().any(|g| g.window == 0) && granules.iter().any(|g| g.window == 1));
    let tasks = sample_tasks(&granules);

    let local_store = new_windowed_store(&s3, "local.zarr").await;
    let mut local = LocalWorker::new(AggConfig::atl06_default(), local_store).unwrap();
    local.read.open.store_options = s3.store_options();
    let local_report = run(tasks.clone(), Arc::new(local), 2).await;
    assert_eq!(local_report.totals.errors, 0, "{}", local_report.summary());

    new_windowed_store(&s3, "lambda.zarr").await;
    let emu = emulator(&s3, 2, vec![]).await;
    let worker = lambda_worker(&emu, &s3.url("out", "lambda.zarr"), None).await;
    let lambda_report = run(tasks, Arc::new(worker), 2).await;
    assert_eq!(
        lambda_report.totals.errors,
        0,
        "{}",
        lambda_report.summary()
    );
    assert_eq!(
        lambda_report.totals.observations,
        local_report.totals.observations
    );
    assert!(local_report.totals.observations > 0);

    // Each shard's record keeps its windows' counts, adding up to its totals.
    let lambda_store = OutputStore::open_at(
        &Location::parse_with(&s3.url("out", "lambda.zarr"), s3.store_options()).unwrap(),
    )
    .await
    .unwrap();
    let mut with_data = [0u64; 2];
    for rec in lambda_store.list_status().await.unwrap() {
        assert!(rec.is_done(), "{rec:?}");
        assert_eq!(rec.windows.len(), 2, "{rec:?}");
        let obs: u64 = rec.windows.iter().map(|w| w.observations).sum();
        assert_eq!(obs, rec.observations, "{rec:?}");
        for (w, t) in rec.windows.iter().enumerate() {
            with_data[w] += t.observations;
        }
    }
    assert!(with_data.iter().all(|&n| n > 0), "{with_data:?}");

    let (a, b) = (
        data_objects(&s3, "local.zarr").await,
        data_objects(&s3, "lambda.zarr").await,
    );
    assert_eq!(
        a.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        b.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        "same objects"
    );
    // Chunks of both windows (per-window chunk keys `c/<window>/<shard>`)
    // and of the derived dh/dt.
    for key in ["h_mean/c/0/", "h_mean/c/1/", "dhdt/c/"] {
        assert!(a.iter().any(|(k, _)| k.contains(key)), "no {key} chunk");
    }
    for ((k, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "object {k} differs between the local and the Lambda run"
        );
    }
}
