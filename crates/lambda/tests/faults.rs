//! Fault injection through the loopback Lambda: throttles, 5xx, function
//! timeouts, hangs and crashing worker processes. Every shard must end
//! done or listed as failed with its reason; none may be lost. Secrets
//! handed to the workers must not appear in any output.

mod support;

use std::sync::Arc;
use std::time::Duration;

use magg_lambda::credentials::S3Credentials;
use magg_lambda::emulator::Fault;
use magg_lambda::{Arch, RetryPolicy, US_EAST_1};
use magg_run::{StoreMode, Task};
use support::{emulator, lambda_worker, new_store, objects, run, s3_with_granules, sample_tasks};

const SECRET: &str = support::TEMP_SECRET;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_recover_and_the_rest_are_listed_failed() {
    let (s3, granules) = s3_with_granules();
    let mut tasks = sample_tasks(&granules);
    // Shards without granules: quick, empty, and good carriers of faults.
    let empty: Vec<u64> = (100..105)
        .map(|n| magg_morton::encode(6, n).unwrap())
        .collect();
    tasks.extend(empty.iter().map(|&shard| Task {
        shard,
        granules: vec![],
        region: magg_agg::ShardRegion::Whole,
    }));
    let data = tasks[0].shard;
    let faults = vec![
        (data, Fault::Crash, 1),
        (empty[0], Fault::Throttle, 2),
        (empty[1], Fault::ServerError, 1),
        (empty[2], Fault::Hang, 1),
        (empty[3], Fault::Timeout, u32::MAX),
        (empty[4], Fault::Throttle, u32::MAX),
    ];
    new_store(&s3, "faults.zarr").await;
    let emu = emulator(&s3, 2, faults).await;
    let creds = S3Credentials {
        access_key_id: support::TEMP_KEY.into(),
        secret_access_key: SECRET.into(),
        session_token: SECRET.into(),
        expiration: "2999-01-01 00:00:00+00:00".into(),
    };
    let mut worker = lambda_worker(&emu, &s3.url("out", "faults.zarr"), Some(creds)).await;
    worker.retry = RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(20),
        cap: Duration::from_millis(100),
        timeout: Duration::from_secs(20),
        throttle_budget: Duration::from_millis(500),
        ..RetryPolicy::default()
    };
    let mut report = run(tasks.clone(), Arc::new(worker), 4).await;
    report.cost = Some(US_EAST_1.bill_shards(&report.shards, 2048, Arch::X86_64));

    // None lost: one record per task.
    let mut got: Vec<u64> = report.shards.iter().map(|s| s.shard).collect();
    let mut want: Vec<u64> = tasks.iter().map(|t| t.shard).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{}", report.summary());

    // Exactly the two hopeless shards failed, with their reasons.
    let failures = report.failures();
    assert_eq!(failures.len(), 2, "{}", report.summary());
    let reason = |shard| failures.iter().find(|f| f.0 == shard).map_or("", |f| f.1);
    assert!(
        reason(empty[3]).contains("after 3 attempts"),
        "{failures:?}"
    );
    assert!(
        reason(empty[3]).contains("Sandbox.Timedout"),
        "{failures:?}"
    );
    assert!(
        reason(empty[4]).contains("TooManyRequestsException")
            && reason(empty[4]).contains("(the throttle budget)"),
        "{failures:?}"
    );

    // The others recovered by retrying.
    assert_eq!(emu.invocations(data), 2, "crash, then success");
    assert_eq!(emu.crashes(), 1);
    assert_eq!(emu.invocations(empty[0]), 3, "two throttles, then success");
    assert_eq!(emu.invocations(empty[1]), 2, "one 500, then success");
    assert_eq!(
        emu.invocations(empty[2]),
        2,
        "one hang (caller timeout), then success"
    );
    assert!(
        emu.invocations(empty[4]) >= 3,
        "throttles do not count as attempts"
    );
    let record = |shard| report.shards.iter().find(|s| s.shard == shard).unwrap();
    assert!(record(data).observations > 0);
    assert!(record(empty[4]).extra["throttles"].as_u64() >= Some(3));
    assert!(
        record(data).extra["retries"][0]
            .as_str()
            .unwrap()
            .contains("Runtime.ExitError")
    );

    // Throttled calls are not billed; crashed, timed-out and hung ones are.
    let cost = report.cost.as_ref().unwrap();
    let billed: u64 = report
        .shards
        .iter()
        .map(|s| s.extra["invocations"].as_u64().unwrap())
        .sum();
    assert_eq!(cost.invocations, billed);
    assert_eq!(record(empty[0]).extra["invocations"], 1);
    assert_eq!(record(empty[3]).extra["invocations"], 3);

    // The secret travelled in the events but shows nowhere.
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(SECRET) && !report.summary().contains(SECRET));
    for (key, bytes) in objects(&s3, "faults.zarr").await {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "secret in {key}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_function_fails_fast_without_retries() {
    let (s3, _) = s3_with_granules();
    new_store(&s3, "nofn.zarr").await;
    let emu = emulator(&s3, 1, vec![]).await;
    let client = magg_lambda::connect(&support::client_options(&emu)).await;
    let template = magg_lambda::EventTemplate {
        granule_concurrency: 1,
        ..support::event_template(&s3.url("out", "nofn.zarr"))
    };
    let worker = magg_lambda::LambdaWorker::new(client, "no-such-function", template);
    let shard = magg_morton::encode(6, 100).unwrap();
    let report = run(
        vec![Task {
            shard,
            granules: vec![],
            region: magg_agg::ShardRegion::Whole,
        }],
        Arc::new(worker),
        1,
    )
    .await;
    let failures = report.failures();
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].1.contains("attempt 1") && failures[0].1.contains("ResourceNotFoundException"),
        "{failures:?}"
    );
    assert!(
        report.shards[0].extra.get("retries").is_none(),
        "not retried"
    );
}

/// A shard throttled on every attempt leaves a status record with its
/// error in the store (as a failed local shard does), so a
/// `--retry-failed` run selects it, and only it, and completes it once the
/// throttling is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_throttled_to_the_end_is_rerun_by_retry_failed() {
    let (s3, granules) = s3_with_granules();
    let tasks = sample_tasks(&granules);
    let throttled = tasks[0].shard;
    let store = new_store(&s3, "retry.zarr").await;
    // Throttled on every invocation of the first run: it fails once the
    // rest of the run is over and nothing has run for the budget.
    let emu = emulator(&s3, 2, vec![(throttled, Fault::Throttle, u32::MAX)]).await;
    let url = s3.url("out", "retry.zarr");
    let policy = RetryPolicy {
        max_attempts: 2,
        base: Duration::from_millis(20),
        cap: Duration::from_millis(100),
        timeout: Duration::from_mins(1),
        throttle_budget: Duration::from_millis(300),
        ..RetryPolicy::default()
    };
    let mut worker = lambda_worker(&emu, &url, None)
        .await
        .record_failures_in(Arc::clone(&store));
    worker.retry = policy.clone();
    let first = run(tasks.clone(), Arc::new(worker), 3).await;
    let failures = first.failures();
    assert_eq!(failures.len(), 1, "{}", first.summary());
    assert_eq!(failures[0].0, throttled);
    assert!(
        failures[0].1.contains("TooManyRequestsException"),
        "{failures:?}"
    );

    let records = store.list_status().await.unwrap();
    assert_eq!(
        records.len(),
        3,
        "a record for every shard, failed included"
    );
    let record = records.iter().find(|r| r.shard == throttled).unwrap();
    assert!(!record.is_done(), "an error record is never complete");
    assert!(
        record
            .error
            .as_deref()
            .unwrap()
            .contains("TooManyRequestsException")
    );
    let (resumed, _) = StoreMode::Resume.select(tasks.clone(), &records);
    assert_eq!(
        resumed.iter().map(|t| t.shard).collect::<Vec<_>>(),
        [throttled]
    );

    let (retry, skipped) = StoreMode::RetryFailed.select(tasks.clone(), &records);
    assert_eq!(
        retry.iter().map(|t| t.shard).collect::<Vec<_>>(),
        [throttled]
    );
    assert_eq!(skipped.len(), 2);
    // The throttling is over.
    let emu = emulator(&s3, 2, vec![]).await;
    let mut worker = lambda_worker(&emu, &url, None)
        .await
        .record_failures_in(Arc::clone(&store));
    worker.retry = policy;
    let second = run(retry, Arc::new(worker), 3).await;
    assert_eq!(second.totals.errors, 0, "{}", second.summary());
    assert!(second.totals.observations > 0);
    assert_eq!(emu.invocations(throttled), 1);

    let records = store.list_status().await.unwrap();
    assert!(
        records.iter().all(magg_run::ShardStatus::is_done),
        "{records:?}"
    );
    let (again, _) = StoreMode::RetryFailed.select(tasks, &records);
    assert!(again.is_empty(), "nothing left to retry");
}
