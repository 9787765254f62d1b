//! The chunk index pass on the loopback Lambda (real bootstrap processes,
//! granules on an S3 server): the sample granules, a corrupt granule and a
//! missing one, in batches of 3, with a crash and a 5xx injected and a
//! stale part left where a retried batch writes. The merged index equals
//! the local pass's byte for byte; the corrupt and missing granules are
//! named and the rest of their batches land; retries add no entry twice;
//! the sample shards run from the Lambda-built index give the store of the
//! run without an index. A batch whose invocations all fail leaves its
//! granules named in the errors and out of the index, the rest in it; runs
//! from that index read those granules through their own metadata and give
//! the store of the run without an index.

mod support;

use std::sync::Arc;
use std::time::Duration;

use magg_index::{ChunkIndex, DEFAULT_SUMMARY_ORDER, index_granules};
use magg_lambda::emulator::{Emulator, Fault};
use magg_lambda::{
    Arch, IndexJob, IndexSource, LambdaOptions, RetryPolicy, index_lambda, part_location,
};
use magg_run::GranuleSource;
use magg_testkit::s3::S3Server;
use support::{
    FUNCTION, client_options, data_objects, emulator, lambda_worker_with, new_store_for, objects,
    run, s3_with_granules, sample_tasks,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_index_pass_equals_the_local_one_and_names_bad_granules() {
    let (s3, granules) = s3_with_granules();
    let good: Vec<String> = granules.iter().map(|g| g.url.clone()).collect();
    // Batch 1 (granules 3..6) holds the corrupt one; the missing one is last.
    let corrupt = s3.url("granules", "atl06/ATL06_20240101000000_00000000_006_01.h5");
    s3.put_bytes(
        "granules",
        "atl06/ATL06_20240101000000_00000000_006_01.h5",
        b"not an HDF5 file at all",
    );
    let missing = s3.url("granules", "atl06/ATL06_20240102000000_00000000_006_01.h5");
    let mut urls = good.clone();
    urls.insert(4, corrupt.clone());
    urls.push(missing.clone());
    // A granule listed twice (as by many shards) is indexed once.
    urls.push(good[0].clone());

    let local = local_index(&s3, &good).await;

    let at = s3.url("out", "index/sample.chunks.json.gz");
    let job = job(&s3, &at);
    // An earlier attempt's part, holding every entry, where batch 1 writes:
    // its retry must replace it, not add to it.
    let stale = part_location(&at, 1);
    local
        .index
        .write_with(&stale, &s3.store_options(), &job.io)
        .await
        .unwrap();
    // Batch 1's first invocation crashes its worker, batch 0's gets a 500.
    let faults = vec![(1, Fault::Crash, 1), (0, Fault::ServerError, 1)];
    let emu = emulator(&s3, 2, faults).await;
    let lambda = lambda_options(&emu);
    let (index, report) = index_lambda(&urls, &job, &lambda).await.unwrap();
    let summary = report.summary();
    eprintln!("{summary}");

    // 14 distinct granules in 5 batches; each batch ran once, batches 0
    // and 1 twice (the 500 is not billed: no worker ran).
    assert_eq!((report.granules, report.batches), (14, 5), "{summary}");
    assert_eq!(emu.invocations(0), 2, "{summary}");
    assert_eq!(emu.invocations(1), 2, "{summary}");
    assert_eq!(emu.crashes(), 1);
    assert_eq!(report.retries.len(), 2, "{:?}", report.retries);
    assert!(report.failed_batches.is_empty(), "{summary}");
    assert_eq!(report.cost.invocations, 6, "{summary}");
    assert!(report.cost.total_usd > 0.0 && report.cost.memory_mb == 1024);
    assert!(report.requests > 0 && report.rounds > 0 && report.bytes_fetched > 0);

    // The corrupt and the missing granule are named, nothing else; the
    // rest of the corrupt one's batch is in the index.
    let named: Vec<&str> = report.errors.iter().map(|e| e.granule.as_str()).collect();
    assert_eq!(named, [corrupt.as_str(), missing.as_str()], "{summary}");
    for e in &report.errors {
        assert!(e.error.contains(&e.granule), "{e:?}");
    }
    assert_eq!(report.entries, 12);

    // Entry for entry, and byte for byte as stored, the local pass's.
    let stored = stored_as_local(&s3, &job, &index, &local).await;
    let out = objects(&s3, "index").await;
    assert_eq!(
        out.keys().collect::<Vec<_>>(),
        ["sample.chunks.json.gz"],
        "the parts are deleted after the merge"
    );
    assert_eq!(out["sample.chunks.json.gz"], local.index.to_bytes(&at));

    // The sample shards from the Lambda-built index (events pointing at
    // it) and without an index: the same store.
    assert_index_run_equals_plain(&s3, &emu, &granules, stored, &at).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_failing_every_attempt_is_named_and_runs_read_its_granules_through_metadata() {
    let (s3, granules) = s3_with_granules();
    let urls: Vec<String> = granules.iter().map(|g| g.url.clone()).collect();
    assert!(
        urls.len() > 6,
        "batch 1 and others: {} granules",
        urls.len()
    );
    let at = s3.url("out", "index/failing.chunks.json.gz");
    let job = job(&s3, &at);
    // Batch 1 (granules 3..6) fails every attempt: the function errors
    // (times out) each time it is invoked for it.
    let emu = emulator(&s3, 2, vec![(1, Fault::Timeout, u32::MAX)]).await;
    let lambda = lambda_options(&emu);
    let (index, report) = index_lambda(&urls, &job, &lambda).await.unwrap();
    let summary = report.summary();
    eprintln!("{summary}");

    assert_eq!(emu.invocations(1), lambda.retry.max_attempts, "{summary}");
    assert_eq!(report.failed_batches.len(), 1, "{summary}");
    let (batch, why) = &report.failed_batches[0];
    assert_eq!(*batch, 1, "{why}");
    assert!(why.contains("failed after 3 attempts"), "{why}");
    // The failed batch's granules are named, each saying why; nothing else.
    let lost = &urls[3..6];
    let named: Vec<&str> = report.errors.iter().map(|e| e.granule.as_str()).collect();
    assert_eq!(named, lost, "{summary}");
    for e in &report.errors {
        assert!(e.error.contains("batch 1 failed"), "{e:?}");
    }

    // Every other granule is in the index, as the local pass indexes them;
    // none of the failed batch's.
    let others: Vec<String> = urls.iter().filter(|u| !lost.contains(u)).cloned().collect();
    let local = local_index(&s3, &others).await;
    assert_eq!(report.entries, others.len() as u64, "{summary}");
    let stored = stored_as_local(&s3, &job, &index, &local).await;
    for u in lost {
        assert!(stored.granule(u).is_none(), "{u} is in the index");
    }
    assert_eq!(
        objects(&s3, "index").await.keys().collect::<Vec<_>>(),
        ["failing.chunks.json.gz"],
        "the parts are deleted after the merge"
    );

    // Shards run from this index read the failed batch's granules through
    // their own metadata: the store of the run without an index.
    assert_index_run_equals_plain(&s3, &emu, &granules, stored, &at).await;
}

/// The index pass writing at `at`: the default config, batches of 3,
/// three granules at once in a worker, three invocations at once.
fn job(s3: &S3Server, at: &str) -> IndexJob {
    IndexJob {
        config: magg_agg::AggConfig::atl06_default(),
        summary_order: DEFAULT_SUMMARY_ORDER,
        at: at.to_string(),
        batch: 3,
        granule_concurrency: 3,
        concurrency: 3,
        store_options: s3.store_options(),
        io: magg_objects::IoPolicy::default(),
    }
}

/// The loopback Lambda `emu` as the pass's function: three attempts with
/// short backoffs.
fn lambda_options(emu: &Emulator) -> LambdaOptions {
    LambdaOptions {
        function: FUNCTION.into(),
        client: client_options(emu),
        memory_mb: 1024,
        arch: Arch::Arm64,
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(20),
            cap: Duration::from_millis(100),
            timeout: Duration::from_mins(1),
            ..RetryPolicy::default()
        },
        starts_per_second: 100.0,
        earthdata_credentials: None,
        earthdata_login_host: magg_lambda::EARTHDATA_LOGIN_HOST.into(),
        chunk_index_at: None,
    }
}

/// The local pass over `urls` (the reference), which must index them all.
async fn local_index(s3: &S3Server, urls: &[String]) -> magg_index::IndexPass {
    let config = magg_agg::AggConfig::atl06_default();
    let open = magg_h5::OpenOptions {
        store_options: s3.store_options(),
        ..magg_h5::OpenOptions::default()
    };
    let local = index_granules(urls, &config.index_spec(DEFAULT_SUMMARY_ORDER), &open, 4).await;
    assert!(local.skipped.is_empty(), "{:?}", local.skipped);
    local
}

/// The index stored at `job.at`, which must equal, entry for entry and
/// byte for byte, the local pass's, as must `index` (the pass's answer).
async fn stored_as_local(
    s3: &S3Server,
    job: &IndexJob,
    index: &ChunkIndex,
    local: &magg_index::IndexPass,
) -> ChunkIndex {
    let stored = ChunkIndex::load_with(&job.at, &s3.store_options(), &job.io)
        .await
        .unwrap();
    for ix in [index, &stored] {
        assert_eq!(
            ix.to_bytes("x.json"),
            local.index.to_bytes("x.json"),
            "the Lambda-built index differs from the local pass's"
        );
    }
    stored
}

/// Runs the sample shards on `emu` into `plain.zarr` without an index and
/// into `indexed.zarr` with events pointing at `index` (stored at `at`):
/// no error, no index entry falling back, every shard's numbers and the
/// stores' data the same.
async fn assert_index_run_equals_plain(
    s3: &S3Server,
    emu: &Emulator,
    granules: &[GranuleSource],
    index: ChunkIndex,
    at: &str,
) {
    let tasks = sample_tasks(granules);
    let shards: Vec<u64> = tasks.iter().map(|t| t.shard).collect();
    let index = Arc::new(index);
    let mut numbers = Vec::new();
    for (name, source) in [
        ("plain.zarr", None),
        (
            "indexed.zarr",
            Some(IndexSource {
                inline_bytes: 0,
                ..IndexSource::new(Arc::clone(&index), at.to_string())
            }),
        ),
    ] {
        new_store_for(s3, name, &shards).await;
        let worker = lambda_worker_with(emu, &s3.url("out", name), None, source).await;
        let r = run(tasks.clone(), Arc::new(worker), 3).await;
        assert_eq!(r.totals.errors, 0, "{name}: {}", r.summary());
        if name == "indexed.zarr" {
            assert!(r.shards.iter().all(|s| s.index_fallbacks == 0));
        }
        let mut n: Vec<_> = r
            .shards
            .iter()
            .map(|s| (s.shard, s.observations, s.cells, s.granules_read))
            .collect();
        n.sort_unstable();
        numbers.push(n);
    }
    assert_eq!(numbers[0], numbers[1], "shards' numbers: plain, indexed");
    let plain = data_objects(s3, "plain.zarr").await;
    let indexed = data_objects(s3, "indexed.zarr").await;
    assert!(plain.iter().filter(|(k, _)| k.contains("/c/")).count() >= 3);
    assert!(
        plain == indexed,
        "the store from the Lambda-built index differs"
    );
}
