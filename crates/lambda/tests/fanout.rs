//! Fan-out against an account that throttles: 1,427 shards through the
//! loopback Invoke API in synthetic mode (the emulator answers each
//! invocation after 22–102 ms, growing with the shard's granules: the
//! 2–6 s of real shards scaled down), with a concurrency quota below the
//! concurrency asked, bursts of 429s, and a crashing function. Every shard
//! must end done or listed as failed for a real cause; throttles never
//! fail a shard while the budget lasts; the connections the orchestrator
//! opens stay within the requests it had in flight at once.

mod support;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use magg_lambda::emulator::{Emulator, EmulatorOptions, Fault, Synthetic, synthetic};
use magg_lambda::{Connections, FanOut, LambdaWorker, Limiter, RetryPolicy};
use magg_run::{ExecOptions, RunReport, Task};

const FUNCTION: &str = "magg-synthetic";
const SHARDS: usize = 1427;
/// The account's quota and the concurrency asked, 1,000 : 1,700 scaled by
/// the same tenth as the shards' time is scaled.
const QUOTA: usize = 100;
const CONCURRENCY: usize = 170;

fn tasks() -> Vec<Task> {
    let map = synthetic::shard_map(SHARDS, 1..=41);
    let tasks = magg_run::tasks_from_map(&map, magg_catalog::Access::Direct).unwrap();
    magg_run::plan(tasks, &magg_run::Selection::default())
}

fn function() -> Synthetic {
    let mut s = Synthetic::new(Duration::from_millis(20), Duration::from_millis(2));
    s.quota = Some(QUOTA);
    s
}

async fn worker(emu: &Emulator, retry: RetryPolicy) -> (LambdaWorker, Limiter, Connections) {
    let sdk = magg_lambda::sdk_config(&support::client_options(emu)).await;
    let (client, connections) = magg_lambda::client(&sdk, Some(CONCURRENCY));
    let template = support::event_template("s3://synthetic-out/never-written.zarr");
    // Starts unpaced: the scaled-down shards end faster than a paced
    // first wave would reach the quota.
    let limiter = Limiter::new(FanOut {
        starts_per_second: 1e6,
        ..FanOut::new(CONCURRENCY)
    });
    let mut w = LambdaWorker::new(client, FUNCTION, template).with_limiter(limiter.clone());
    w.retry = retry;
    (w, limiter, connections)
}

async fn run(tasks: Vec<Task>, worker: LambdaWorker, limiter: &Limiter) -> RunReport {
    let opts = ExecOptions {
        workers: CONCURRENCY,
        quiet: true,
        store: "s3://synthetic-out/never-written.zarr".into(),
    };
    let mut report = magg_run::execute(
        tasks,
        Arc::new(worker),
        &opts,
        vec![],
        Arc::new(AtomicBool::new(false)),
    )
    .await;
    report.concurrency = Some(limiter.report());
    report
}

fn retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        timeout: Duration::from_secs(30),
        ..RetryPolicy::default()
    }
}

/// Every task has one record.
fn assert_none_lost(report: &RunReport, tasks: &[Task]) {
    let mut got: Vec<u64> = report.shards.iter().map(|s| s.shard).collect();
    let mut want: Vec<u64> = tasks.iter().map(|t| t.shard).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{}", report.summary());
    assert!(report.not_started.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_below_the_concurrency_fails_nothing_and_a_crashing_function_is_listed() {
    let tasks = tasks();
    // Two shards whose function always crashes, one that crashes once.
    let (dead, dead2, flaky) = (tasks[0].shard, tasks[700].shard, tasks[5].shard);
    let mut opts = EmulatorOptions::synthetic(FUNCTION, function());
    opts.faults = vec![
        (dead, Fault::Crash, u32::MAX),
        (dead2, Fault::Crash, u32::MAX),
        (flaky, Fault::Crash, 1),
    ];
    let emu = Emulator::start(opts).await.unwrap();
    let (w, limiter, connections) = worker(&emu, retry()).await;
    let report = run(tasks.clone(), w, &limiter).await;
    assert_none_lost(&report, &tasks);

    // Exactly the crashing function's shards failed, with its reason.
    let failures = report.failures();
    assert_eq!(
        failures.iter().map(|f| f.0).collect::<Vec<_>>(),
        {
            let mut v = vec![dead, dead2];
            v.sort_unstable();
            v
        },
        "{}",
        report.summary()
    );
    for (_, e) in &failures {
        assert!(
            e.contains("failed after 3 attempts") && e.contains("Runtime.ExitError"),
            "{e}"
        );
    }
    let record = |shard| report.shards.iter().find(|s| s.shard == shard).unwrap();
    assert_eq!(
        record(dead).extra["invocations"],
        3,
        "bounded attempts for a crash (throttled calls aside)"
    );
    assert!(record(flaky).error.is_none());
    assert_eq!(emu.crashes(), 3 + 3 + 1);

    // The quota throttled, and throttles failed nothing.
    let c = report.concurrency.as_ref().unwrap();
    assert!(emu.throttled() > 0, "the quota was reached");
    assert_eq!(c.throttles, emu.throttled(), "every 429 was seen");
    assert!(c.decreases > 0, "{c:?}");
    // One answer per shard that did not crash to the end (the flaky one
    // crashed, then answered).
    assert_eq!(emu.completed(), (SHARDS - 2) as u64);
    assert!(emu.peak_running() <= QUOTA);
    // What the summary reports is what the service ran: the mean (busy
    // time from the functions' logged durations over the run's span)
    // stays within the quota. (The peak is read off the answers' arrival
    // times, which a loaded machine jitters by more than these scaled-down
    // shards last: only checked at full scale, BENCHMARKS.md.)
    assert!(c.peak_running >= 1, "{c:?}");
    assert!(
        c.mean_running > 1.0 && c.mean_running <= QUOTA as f64 * 1.05,
        "{c:?}"
    );
    assert!(report.summary().contains("concurrency: 170 asked"));

    // Connections reused: never more opened than requests in flight, and
    // the client's count is the server's.
    assert_eq!(connections.opened(), emu.connections());
    assert!(
        emu.connections() as usize <= c.peak_in_flight,
        "{} connections for at most {} requests in flight",
        emu.connections(),
        c.peak_in_flight
    );
    assert!(c.peak_in_flight <= CONCURRENCY);
    assert!(
        emu.connections() < SHARDS as u64 / 4,
        "{} connections for {} invocations",
        emu.connections(),
        SHARDS as u64 + c.throttles
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_429_slow_the_run_but_fail_nothing() {
    let tasks = tasks();
    let mut f = function();
    f.bursts = vec![
        (Duration::from_millis(50), Duration::from_millis(300)),
        (Duration::from_millis(700), Duration::from_millis(200)),
    ];
    let emu = Emulator::start(EmulatorOptions::synthetic(FUNCTION, f))
        .await
        .unwrap();
    let retry = RetryPolicy {
        // Far longer than a burst: no shard may fail.
        throttle_budget: Duration::from_secs(20),
        ..retry()
    };
    let (w, limiter, connections) = worker(&emu, retry).await;
    let report = run(tasks.clone(), w, &limiter).await;
    assert_none_lost(&report, &tasks);
    assert_eq!(report.totals.errors, 0, "{}", report.summary());
    assert_eq!(emu.completed(), SHARDS as u64);
    let c = report.concurrency.as_ref().unwrap();
    assert!(c.throttles > 0 && c.decreases > 0, "{c:?}");
    let throttled: u64 = report
        .shards
        .iter()
        .filter_map(|s| s.extra.get("throttles").and_then(serde_json::Value::as_u64))
        .sum();
    assert_eq!(
        throttled, c.throttles,
        "each throttle is in its shard's record"
    );
    assert_eq!(connections.opened(), emu.connections());
    assert!(
        emu.connections() as usize <= c.peak_in_flight,
        "{} connections: {c:?}",
        emu.connections()
    );
}
