//! `magg run --executor lambda --concurrency 1700` as a user on a default
//! account and a small open-file limit runs it: from `sh -c 'ulimit -n
//! 256; exec magg ...'`, 1,427 shards (a synthetic map: fake granule URLs
//! the stand-in never reads) through the loopback Invoke API in synthetic
//! mode (answers after 22–102 ms, the 2–6 s of real shards scaled down),
//! whose quota (100 running) is below what magg can keep in flight, with a
//! function that always crashes on one shard, into an `s3://` store on
//! moto. Every shard ends done or failed for its real cause (the crash);
//! none fails on throttles or for want of file descriptors; the limit is
//! said once; the connections stay within the requests in flight; the
//! results JSON is found beside the store and in a local file named after
//! it.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{outcome, results, s3_env_as};
use magg_lambda::emulator::{Emulator, EmulatorOptions, Fault, Synthetic, synthetic};
use magg_testkit::s3::S3Server;
use serde_json::Value;

const FUNCTION: &str = "magg-worker";
const SHARDS: usize = 1427;
const QUOTA: usize = 100;

/// Runs `magg args` in `dir` under `sh -c 'ulimit -n N; exec magg ...'`.
fn magg_ulimit(
    dir: &Path,
    nofile: u32,
    args: &[&str],
    env: &[(String, String)],
) -> (bool, String, String) {
    outcome(
        Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {nofile} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_magg"))
            .args(args)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v))),
    )
}

/// The object `key` of bucket `out`, read with boto3 (None when absent).
fn s3_object(s3: &S3Server, key: &str) -> Option<String> {
    let script = r"
import sys, boto3, botocore
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='test',
                  aws_secret_access_key='test', region_name='us-east-1')
try:
    print(s3.get_object(Bucket='out', Key=sys.argv[2])['Body'].read().decode(), end='')
except botocore.exceptions.ClientError:
    print('<absent>', end='')
";
    let out = magg_testkit::run_python(script, &[&s3.endpoint, key]);
    (out != "<absent>").then_some(out)
}

#[test]
fn fanout_past_the_quota_from_ulimit_256_fails_only_the_crashing_shard() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let map = synthetic::shard_map(SHARDS, 1..=41);
    map.write(&d.join("map.json")).unwrap();
    let crashing = *map.shards.keys().nth(100).unwrap();

    let mut f = Synthetic::new(Duration::from_millis(20), Duration::from_millis(2));
    f.quota = Some(QUOTA);
    let mut opts = EmulatorOptions::synthetic(FUNCTION, f);
    opts.faults = vec![(crashing, Fault::Crash, u32::MAX)];
    let emu = rt.block_on(Emulator::start(opts)).unwrap();

    let s3 = S3Server::start();
    s3.create_bucket("out");
    let env = s3_env_as("AWS_ENDPOINT_URL_S3", &s3.endpoint);
    let (ok, _, err) = magg_ulimit(
        d,
        256,
        &[
            "run",
            "--catalog",
            "map.json",
            "--store",
            "s3://out/runs/fanout.zarr",
            "--quiet",
            "--executor",
            "lambda",
            "--function",
            FUNCTION,
            "--endpoint-url",
            &emu.endpoint,
            "--concurrency",
            "1700",
            // The scaled-down shards end faster than a paced first wave
            // reaches the quota.
            "--invoke-rate",
            "1000000",
            "--max-attempts",
            "2",
        ],
        &env,
    );
    assert!(!ok, "the crashing shard fails the run: {err}");

    // The open-file limit is said once, with what it allows.
    assert_eq!(err.matches("leaves room for").count(), 1, "{err}");
    assert!(err.contains("not the 1700 asked"), "{err}");
    assert!(
        !err.contains("Too many open files") && !err.contains("os error 24"),
        "{err}"
    );

    // The results JSON: beside the store in its bucket, and a local copy
    // named after the store; both the same.
    let local = d.join("out_runs_fanout.zarr.results.json");
    assert!(
        err.contains("results: s3://out/runs/fanout.zarr.results.json"),
        "{err}"
    );
    let report = results(&local);
    let beside =
        s3_object(&s3, "runs/fanout.zarr.results.json").expect("the object beside the store");
    assert_eq!(serde_json::from_str::<Value>(&beside).unwrap(), report);
    assert!(!d.join("magg-results.json").exists());

    // Every shard ran; only the crash failed, for its cause.
    assert_eq!(report["totals"]["shards"], SHARDS, "{err}");
    assert_eq!(report["totals"]["errors"], 1, "{err}");
    let failed: Vec<&Value> = report["shards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["error"].is_null())
        .collect();
    assert_eq!(failed[0]["shard"], crashing);
    let why = failed[0]["error"].as_str().unwrap();
    assert!(
        why.contains("failed after 2 attempts") && why.contains("Runtime.ExitError"),
        "{why}"
    );
    assert!(err.contains("1 shard(s) failed and 0 not started"), "{err}");
    // Its record is in the store for --retry-failed.
    let record = s3_object(
        &s3,
        &format!("runs/fanout.zarr/_magg/status/{crashing}.json"),
    )
    .expect("the failed shard's record");
    assert!(record.contains("Runtime.ExitError"), "{record}");

    // The concurrency: capped by the open files, throttled by the quota,
    // and the connections within the requests in flight.
    let c = &report["concurrency"];
    let max = c["max_in_flight"].as_u64().unwrap();
    assert!(max > QUOTA as u64 && max < 256, "{c}");
    assert_eq!(c["requested"], 1700);
    assert_eq!(c["open_files"], 256);
    assert!(
        c["throttles"].as_u64().unwrap() > 0,
        "the quota was reached: {c}"
    );
    assert_eq!(c["throttles"].as_u64().unwrap(), emu.throttled());
    let peak = c["peak_in_flight"].as_u64().unwrap();
    assert!(peak <= max, "{c}");
    assert_eq!(c["connections"].as_u64(), Some(emu.connections()), "{c}");
    assert!(
        emu.connections() <= peak,
        "{} connections: {c}",
        emu.connections()
    );
    assert!(emu.peak_running() <= QUOTA);
    assert!(err.contains("concurrency: 1700 asked"), "{err}");
}
