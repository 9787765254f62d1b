//! End to end over real protocols on loopback: moto S3 holds the sample
//! granules and both output stores; the same shards run once with the
//! local executor and once through the Invoke API of the loopback Lambda,
//! whose sandboxes run the real `bootstrap` binary. The two stores must be
//! identical chunk for chunk, also for a boundary shard whose task carries
//! its region cells (the Lambda event carries them to the worker).

mod support;

use std::sync::Arc;

use magg_lambda::{Arch, US_EAST_1};
use magg_run::LocalWorker;
use support::{
    emulator, lambda_worker, new_store_for, objects, run, s3_with_granules, sample_tasks,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_store_equals_local_store_chunk_for_chunk() {
    let (s3, granules) = s3_with_granules();
    let mut tasks = sample_tasks(&granules);
    let boundary = boundary_task(&granules);
    let boundary_shard = boundary.shard;
    let whole = read_whole_shard(boundary_shard).await;
    tasks.push(boundary);
    let shards: Vec<u64> = tasks.iter().map(|t| t.shard).collect();

    let local_store = new_store_for(&s3, "local.zarr", &shards).await;
    let mut local = LocalWorker::new(magg_agg::AggConfig::atl06_default(), local_store).unwrap();
    local.read.open.store_options = s3.store_options();
    let local_report = run(tasks.clone(), Arc::new(local), 2).await;
    assert_eq!(local_report.totals.errors, 0, "{}", local_report.summary());

    new_store_for(&s3, "lambda.zarr", &shards).await;
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
        4,
        "one invocation per shard; retries: {retries:?}"
    );
    assert_eq!(report.totals.observations, local_report.totals.observations);
    assert!(report.totals.observations > 0);
    // The boundary shard kept only its observations in the region.
    let kept = |r: &magg_run::RunReport| {
        r.shards
            .iter()
            .find(|s| s.shard == boundary_shard)
            .unwrap()
            .observations
    };
    assert_eq!(kept(&report), kept(&local_report));
    assert!(
        0 < kept(&report) && kept(&report) < whole,
        "{} of {whole}",
        kept(&report)
    );

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
    assert_eq!((status(&a), status(&b)), (4, 4));

    let cost = report.cost.as_ref().unwrap();
    assert_eq!(cost.invocations, 4);
    assert!(cost.billed_seconds > 0.0);
    assert!((cost.gb_seconds - cost.billed_seconds * 2.0).abs() < 1e-9);
    assert!(report.summary().contains("GB-s"));
}

/// Order-6 shard 33084 (Amery coast) with the sample granules, under the
/// child-cell rule of the Antarctic outline: about 1,700 of its sample
/// observations lie in child cells outside the region.
fn boundary_task(granules: &[magg_run::GranuleSource]) -> magg_run::Task {
    let spec = magg_catalog::BuildSpec::default();
    let region = magg_catalog::regions::region("antarctica").unwrap();
    let moc = spec.region_moc(&region).unwrap().to_words().unwrap();
    let cells = magg_catalog::ShardCells::new(&moc, spec.rule, 6, 12).unwrap();
    let shard = magg_morton::encode(6, 33084).unwrap();
    let region = magg_agg::ShardRegion::from(cells.of(shard).unwrap());
    assert!(!region.is_whole());
    magg_run::Task {
        shard,
        granules: granules.to_vec(),
        region,
    }
}

/// Every valid observation of `shard` in the sample granules (local files).
async fn read_whole_shard(shard: u64) -> u64 {
    let files: Vec<String> = magg_testkit::sample_granule_paths();
    let config = magg_agg::AggConfig::atl06_default();
    let out = magg_agg::read_shard(shard, &files, &config, &magg_agg::ReadOptions::default())
        .await
        .unwrap();
    out.grouped.observations()
}
