//! End to end over real protocols on loopback: moto S3 holds the sample
//! granules and both output stores; the same shards run once with the
//! local executor and once through the Invoke API of the loopback Lambda,
//! whose sandboxes run the real `bootstrap` binary. The two stores must be
//! identical chunk for chunk.

mod support;

use std::sync::Arc;

use magg_lambda::{Arch, US_EAST_1};
use magg_run::LocalWorker;
use support::{emulator, lambda_worker, new_store, objects, run, s3_with_granules, sample_tasks};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_store_equals_local_store_chunk_for_chunk() {
    let (s3, granules) = s3_with_granules();
    let tasks = sample_tasks(&granules);

    let local_store = new_store(&s3, "local.zarr").await;
    let mut local = LocalWorker::new(magg_agg::AggConfig::atl06_default(), local_store).unwrap();
    local.read.open.store_options = s3.store_options();
    let local_report = run(tasks.clone(), Arc::new(local), 2).await;
    assert_eq!(local_report.totals.errors, 0, "{}", local_report.summary());

    new_store(&s3, "lambda.zarr").await;
    let emu = emulator(&s3, 2, vec![]).await;
    let worker = lambda_worker(&emu, &s3.url("out", "lambda.zarr"), None).await;
    let mut report = run(tasks, Arc::new(worker), 3).await;
    report.cost = Some(US_EAST_1.bill_shards(&report.shards, 2048, Arch::Arm64));
    assert_eq!(report.totals.errors, 0, "{}", report.summary());
    assert_eq!(report.executor, "lambda");
    let retries: Vec<_> = report
        .shards
        .iter()
        .filter_map(|s| s.extra.get("retries"))
        .collect();
    assert_eq!(
        emu.dispatched(),
        3,
        "one invocation per shard; retries: {retries:?}"
    );
    assert_eq!(report.totals.observations, local_report.totals.observations);
    assert!(report.totals.observations > 0);

    let a = objects(&s3, "local.zarr").await;
    let b = objects(&s3, "lambda.zarr").await;
    let data = |m: &std::collections::BTreeMap<String, Vec<u8>>| {
        m.iter()
            .filter(|(k, _)| !k.starts_with("_magg/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let (da, db) = (data(&a), data(&b));
    assert!(
        da.iter().filter(|(k, _)| k.contains("/c/")).count() >= 3,
        "chunks were written: {:?}",
        a.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        da.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        db.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        "same objects"
    );
    for ((ka, va), (_, vb)) in da.iter().zip(&db) {
        assert!(
            va == vb,
            "object {ka} differs between the local and Lambda stores"
        );
    }
    // Status records exist for every shard in both stores.
    let status = |m: &std::collections::BTreeMap<String, Vec<u8>>| {
        m.keys().filter(|k| k.starts_with("_magg/status/")).count()
    };
    assert_eq!((status(&a), status(&b)), (3, 3));

    let cost = report.cost.as_ref().unwrap();
    assert_eq!(cost.invocations, 3);
    assert!(cost.billed_seconds > 0.0);
    assert!((cost.gb_seconds - cost.billed_seconds * 2.0).abs() < 1e-9);
    assert!(report.summary().contains("GB-s"));
}
