//! `magg run --executor lambda` as a user runs it, against servers that
//! speak the real protocols on loopback: moto for S3 (granules and stores,
//! via `AWS_ENDPOINT_URL_S3`), the project's Lambda emulator (Invoke API
//! via `AWS_ENDPOINT_URL_LAMBDA` or `--endpoint-url`, sandboxes running
//! the real `magg lambda-worker`), and a loopback Earthdata login (the
//! `s3credentials` redirect flow, login from `~/.netrc` in a temp HOME).
//! The Lambda store must equal the local executor's chunk for chunk; a
//! run with injected faults lists its failed shard and exits non-zero, as
//! the local executor does; `--dry-run` invokes nothing and projects the
//! cost from a local run's results JSON.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{magg_env, results};
use magg_lambda::credentials::S3Credentials;
use magg_lambda::emulator::earthdata::{EarthdataOptions, EarthdataServer};
use magg_lambda::emulator::{Emulator, EmulatorOptions, Fault};
use magg_testkit::s3::S3Server;
use serde_json::Value;

const FUNCTION: &str = "magg-worker";
/// The temporary access key the Earthdata stand-in hands out (the S3
/// server accepts it with `SECRET`).
const EARTHDATA_KEY: &str = "ASIAEARTHDATATEST";
const SECRET: &str = "SeCrEt-7c1e-do-not-print";
const PASSWORD: &str = "netrc-pw-93ab";
/// Shards run per executor.
const RUN: usize = 6;

/// The S3 settings of a user pointing AWS tools (S3 only) at moto.
fn s3_env(s3: &S3Server) -> Vec<(String, String)> {
    common::s3_env_as("AWS_ENDPOINT_URL_S3", &s3.endpoint)
}

fn with(env: &[(String, String)], more: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut e = env.to_vec();
    e.extend(
        more.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
    );
    e
}

/// The loopback Lambda whose sandboxes run `magg lambda-worker` with the
/// S3 settings in their environment (as the function's configuration).
fn emulator(
    rt: &tokio::runtime::Runtime,
    s3: &S3Server,
    faults: Vec<(u64, Fault, u32)>,
) -> Emulator {
    rt.block_on(Emulator::start(EmulatorOptions {
        function: FUNCTION.into(),
        command: vec![env!("CARGO_BIN_EXE_magg").into(), "lambda-worker".into()],
        env: s3_env(s3),
        sandboxes: 2,
        memory_mb: 2048,
        timeout: Duration::from_mins(2),
        worker_logs: std::env::var_os("MAGG_WORKER_LOGS").is_some(),
        faults,
        synthetic: None,
    }))
    .unwrap()
}

/// sha256 of every object under `s3://out/{prefix}/` (relative key →
/// digest), read with boto3, and the keys of those containing `needle`.
fn objects(s3: &S3Server, prefix: &str, needle: &str) -> (Value, Vec<String>) {
    let script = r"
import sys, json, hashlib, boto3
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='test',
                  aws_secret_access_key='test', region_name='us-east-1')
prefix, needle = sys.argv[2] + '/', sys.argv[3].encode()
digests, found = {}, []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='out', Prefix=prefix):
    for o in page.get('Contents', []):
        body = s3.get_object(Bucket='out', Key=o['Key'])['Body'].read()
        digests[o['Key'][len(prefix):]] = hashlib.sha256(body).hexdigest()
        if needle in body:
            found.append(o['Key'])
print(json.dumps([digests, found]))
";
    let out = magg_testkit::run_python(script, &[&s3.endpoint, prefix, needle]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let found = v[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    (v[0].clone(), found)
}

/// The store's objects without the status records (they hold timings).
fn data_objects(all: &Value) -> Vec<(String, String)> {
    all.as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.starts_with("_magg/"))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn shard_record(report: &Value, shard: u64) -> &Value {
    report["shards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["shard"] == shard)
        .unwrap_or_else(|| panic!("no record of shard {shard}"))
}

fn assert_no_secret(what: &str, text: &str) {
    for s in [SECRET, PASSWORD] {
        assert!(!text.contains(s), "secret in {what}: {text}");
    }
}

/// A temp HOME whose `.netrc` holds the loopback login.
fn home_with_netrc(dir: &Path, host: &str) -> String {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".netrc"),
        format!("machine {host}\n  login magguser\n  password {PASSWORD}\n"),
    )
    .unwrap();
    home.to_string_lossy().into_owned()
}

fn earthdata(rt: &tokio::runtime::Runtime, expiration: &str) -> EarthdataServer {
    rt.block_on(EarthdataServer::start(EarthdataOptions {
        user: "magguser".into(),
        password: PASSWORD.into(),
        credentials: S3Credentials {
            access_key_id: EARTHDATA_KEY.into(),
            secret_access_key: SECRET.into(),
            session_token: format!("{SECRET}-token"),
            expiration: expiration.into(),
        },
    }))
    .unwrap()
}

#[test]
fn lambda_run_equals_local_run_and_failures_are_listed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let s3 = S3Server::start_accepting(&[(EARTHDATA_KEY, SECRET)]);
    s3.create_bucket("granules");
    s3.create_bucket("out");
    let mut list = String::new();
    for p in magg_testkit::sample_granules() {
        let key = format!("atl06/{}", p.file_name().unwrap().to_string_lossy());
        s3.put_file("granules", &key, &p);
        list.push_str(&s3.url("granules", &key));
        list.push('\n');
    }
    std::fs::write(d.join("granules.txt"), list).unwrap();
    let env = s3_env(&s3);
    let run = |args: &[&str], env: &[(String, String)]| magg_env(d, args, env);

    // The shard map, from the granules on S3.
    let (ok, _, err) = run(
        &[
            "catalog",
            "--granules",
            "granules.txt",
            "--region",
            "antarctica",
            "--out",
            "map.json",
        ],
        &env,
    );
    assert!(ok, "catalog: {err}");
    let map = results(&d.join("map.json"));
    let shards: Vec<u64> = map["shards"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.parse().unwrap())
        .collect();
    assert!(shards.len() > RUN, "{map}");

    // The local executor.
    // The costliest shards of the map (the same selection for every
    // executor; the whole map takes minutes through moto in debug builds).
    let run_shards = RUN.to_string();
    let base = [
        "run",
        "--catalog",
        "map.json",
        "--quiet",
        "--workers",
        "2",
        "--max-shards",
        &run_shards,
    ];
    let (ok, _, err) = run(
        &[
            &base[..],
            &["--store", "s3://out/local.zarr", "--results", "local.json"],
        ]
        .concat(),
        &env,
    );
    assert!(ok, "local run: {err}");
    assert!(
        err.contains(" s CPU, ") && err.contains("µs CPU per observation"),
        "{err}"
    );
    let local = results(&d.join("local.json"));
    assert_eq!(local["totals"]["errors"], 0);

    // The Lambda executor: endpoint from AWS_ENDPOINT_URL_LAMBDA, Earthdata
    // credentials fetched once through the login flow and handed to the
    // workers (moto accepts them for the granule reads).
    let emu = emulator(&rt, &s3, vec![]);
    let login = earthdata(&rt, "2999-01-01 00:00:00+00:00");
    let home = home_with_netrc(d, &login.login_host);
    let lambda_env = with(
        &env,
        &[
            ("AWS_ENDPOINT_URL_LAMBDA", emu.endpoint.as_str()),
            ("HOME", home.as_str()),
        ],
    );
    let lambda_args = [
        "--executor",
        "lambda",
        "--function",
        FUNCTION,
        "--concurrency",
        "3",
        "--earthdata-credentials",
        &login.endpoint,
        "--earthdata-login-host",
        &login.login_host,
    ];
    let (ok, out, err) = run(
        &[
            &base[..],
            &lambda_args[..],
            &[
                "--store",
                "s3://out/lambda.zarr",
                "--results",
                "lambda.json",
            ],
        ]
        .concat(),
        &lambda_env,
    );
    assert!(ok, "lambda run: {err}");
    assert_eq!(login.served(), 1, "credentials fetched once");
    assert_eq!(login.leaks(), 0);
    assert_eq!(emu.dispatched(), RUN as u64, "one invocation per shard");
    let lambda = results(&d.join("lambda.json"));
    assert_eq!(lambda["executor"], "lambda");
    assert_eq!(lambda["totals"]["errors"], 0);
    for k in ["shards", "with_data", "observations", "cells"] {
        assert_eq!(lambda["totals"][k], local["totals"][k], "totals.{k}");
    }
    assert!(local["totals"]["observations"].as_u64().unwrap() > 0);
    let cost = &lambda["cost"];
    assert_eq!(cost["invocations"], RUN);
    assert_eq!(
        (cost["memory_mb"].as_u64(), cost["architecture"].as_str()),
        (Some(2048), Some("arm64"))
    );
    let (billed, gbs) = (
        cost["billed_seconds"].as_f64().unwrap(),
        cost["gb_seconds"].as_f64().unwrap(),
    );
    assert!(billed > 0.0 && (gbs - 2.0 * billed).abs() < 1e-9, "{cost}");
    let usd = gbs * 0.000_013_333_4 + RUN as f64 * 0.2e-6;
    assert!(
        (cost["total_usd"].as_f64().unwrap() - usd).abs() < 1e-12,
        "{cost}"
    );
    assert!(err.contains("GB-s"), "the summary shows the cost: {err}");
    // Per observation: the workers' billed time, not this process's CPU.
    assert!(
        err.contains("orchestrator CPU") && err.contains("µs billed worker time per observation"),
        "{err}"
    );
    assert!(!err.contains("µs CPU per observation"), "{err}");
    let text = std::fs::read_to_string(d.join("lambda.json")).unwrap();
    assert_no_secret("stdout", &out);
    assert_no_secret("stderr", &err);
    assert_no_secret("results JSON", &text);

    // Chunk for chunk equal (boto3 reads both stores).
    let (a, _) = objects(&s3, "local.zarr", SECRET);
    let (b, leaked) = objects(&s3, "lambda.zarr", SECRET);
    assert!(leaked.is_empty(), "secret written to {leaked:?}");
    let (da, db) = (data_objects(&a), data_objects(&b));
    let chunks = da
        .iter()
        .filter(|(k, _)| k.starts_with("12/count/c/"))
        .count();
    assert_eq!(
        chunks as u64,
        local["totals"]["with_data"].as_u64().unwrap(),
        "{da:?}"
    );
    assert_eq!(da, db, "the Lambda store differs from the local one");
    let status = |m: &Value| {
        m.as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("_magg/status/"))
            .count()
    };
    assert_eq!((status(&a), status(&b)), (RUN, RUN));

    // From the chunk index the catalog wrote beside the map: each event
    // carries its granules' entries; the same store, no fallback, fewer
    // requests than the workers made without it.
    let (ok, _, err) = run(
        &[
            &base[..],
            &lambda_args[..],
            &[
                "--store",
                "s3://out/indexed.zarr",
                "--results",
                "indexed.json",
                "--chunk-index",
                "map.chunks.json.gz",
            ],
        ]
        .concat(),
        &lambda_env,
    );
    assert!(ok, "lambda run from the chunk index: {err}");
    assert_eq!(emu.dispatched(), 2 * RUN as u64);
    let indexed = results(&d.join("indexed.json"));
    assert_eq!(indexed["totals"]["errors"], 0);
    for s in indexed["shards"].as_array().unwrap() {
        assert_eq!(s["index_fallbacks"].as_u64().unwrap_or(0), 0, "{s}");
    }
    let requests = |r: &Value| r["totals"]["requests"].as_u64().unwrap();
    assert!(
        requests(&indexed) < requests(&lambda),
        "{} requests from the index, {} without",
        requests(&indexed),
        requests(&lambda)
    );
    let (from_index, _) = objects(&s3, "indexed.zarr", SECRET);
    assert_eq!(
        data_objects(&from_index),
        da,
        "the store from the index differs from the local one"
    );

    // Faults, through --endpoint-url this time: one shard with data
    // throttled on every attempt, another whose worker crashes once.
    let with_data: Vec<u64> = local["shards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["observations"].as_u64() > Some(0))
        .map(|s| s["shard"].as_u64().unwrap())
        .collect();
    let (hopeless, crashing) = (with_data[0], with_data[1]);
    let emu2 = emulator(
        &rt,
        &s3,
        vec![
            (hopeless, Fault::Throttle, u32::MAX),
            (crashing, Fault::Crash, 1),
        ],
    );
    let (ok, _, err) = run(
        &[
            &base[..],
            &[
                "--executor",
                "lambda",
                "--function",
                FUNCTION,
                "--endpoint-url",
                &emu2.endpoint,
                "--max-attempts",
                "2",
                "--throttle-budget",
                "1",
                "--store",
                "s3://out/faults.zarr",
                "--results",
                "faults.json",
            ],
        ]
        .concat(),
        &env,
    );
    assert!(!ok, "a failed shard fails the run: {err}");
    assert!(
        err.contains(&format!("FAILED shard {hopeless}: throttled ")),
        "{err}"
    );
    assert!(err.contains("(the throttle budget)"), "{err}");
    assert!(err.contains("TooManyRequestsException"), "{err}");
    assert!(err.contains("1 shard(s) failed and 0 not started"), "{err}");
    let faults = results(&d.join("faults.json"));
    assert_eq!(faults["totals"]["errors"], 1);
    assert_eq!(
        faults["shards"].as_array().unwrap().len(),
        RUN,
        "no shard lost"
    );
    assert!(
        shard_record(&faults, hopeless)["error"]
            .as_str()
            .unwrap()
            .contains("TooManyRequestsException")
    );
    let recovered = shard_record(&faults, crashing);
    assert!(recovered["error"].is_null(), "{recovered}");
    assert!(
        recovered["retries"][0]
            .as_str()
            .unwrap()
            .contains("Runtime.ExitError"),
        "{recovered}"
    );
    assert!(
        emu2.invocations(hopeless) >= 2,
        "throttles are retried, not counted as attempts"
    );
    assert_eq!(emu2.invocations(crashing), 2);
    // The throttled shard wrote no chunk (a shard's chunk index is its
    // place in the store's sorted shard list, the whole map); every chunk
    // written equals the local one.
    let (f, _) = objects(&s3, "faults.zarr", SECRET);
    let df = data_objects(&f);
    let mut in_chunk_order = shards.clone();
    in_chunk_order.sort_unstable();
    let failed_chunk = format!("/c/{}", in_chunk_order.binary_search(&hopeless).unwrap());
    assert!(
        da.iter().any(|(k, _)| k.ends_with(&failed_chunk)),
        "the local store has the shard's chunk {failed_chunk}"
    );
    for (k, v) in &df {
        // (Its coordinate chunks are the template's.)
        let coordinate = k.contains("/cell_ids/") || k.contains("/morton/");
        assert!(
            coordinate || !k.ends_with(&failed_chunk),
            "chunk of the failed shard: {k}"
        );
        assert_eq!(
            da.iter().find(|(ka, _)| ka == k).map(|x| &x.1),
            Some(v),
            "{k}"
        );
    }
    let count_chunks = |m: &[(String, String)]| {
        m.iter()
            .filter(|(k, _)| k.starts_with("12/count/c/"))
            .count()
    };
    assert_eq!(count_chunks(&df) + 1, count_chunks(&da));

    // The throttled shard's record says failed, so --retry-failed reruns
    // it (and only it) once the throttling is over; then the store equals
    // the local one.
    let emu3 = emulator(&rt, &s3, vec![]);
    let (ok, _, err) = run(
        &[
            &base[..],
            &[
                "--executor",
                "lambda",
                "--function",
                FUNCTION,
                "--endpoint-url",
                &emu3.endpoint,
                "--store",
                "s3://out/faults.zarr",
                "--retry-failed",
            ],
        ]
        .concat(),
        &env,
    );
    assert!(ok, "retry-failed run: {err}");
    // Without --results: beside the store, and a local file named after
    // it (not a fixed name the next run would overwrite).
    let retried = results(&d.join("out_faults.zarr.results.json"));
    assert!(
        err.contains("results: s3://out/faults.zarr.results.json"),
        "{err}"
    );
    assert!(!d.join("magg-results.json").exists());
    assert_eq!(retried["shards"].as_array().unwrap().len(), 1, "{retried}");
    assert!(
        shard_record(&retried, hopeless)["error"].is_null(),
        "{retried}"
    );
    assert_eq!(retried["skipped"].as_array().unwrap().len(), RUN - 1);
    assert_eq!((emu3.dispatched(), emu3.invocations(hopeless)), (1, 1));
    let (f, _) = objects(&s3, "faults.zarr", SECRET);
    assert_eq!(
        data_objects(&f),
        da,
        "after the retry, the store equals the local one"
    );

    // Dry run: prints the invocations and the projection, invokes nothing,
    // writes nothing.
    let (ok, out, err) = run(
        &[
            &base[..6],
            &lambda_args[..4],
            &[
                "--store",
                "s3://out/dry.zarr",
                "--dry-run",
                "--measured",
                "local.json",
            ],
        ]
        .concat(),
        &lambda_env,
    );
    assert!(ok, "dry run: {err}");
    assert!(
        out.contains(&format!("would invoke {FUNCTION} {} time(s)", shards.len())),
        "{out}"
    );
    for want in [
        "measured (local.json)",
        "assumed: S3",
        "projection: 2400 shards",
        "GB-s",
        "prices:",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    assert_eq!(
        emu.dispatched(),
        2 * RUN as u64,
        "the dry run invoked nothing"
    );
    let (dry, _) = objects(&s3, "dry.zarr", SECRET);
    assert!(dry.as_object().unwrap().is_empty(), "{dry}");
    // A Lambda run's results JSON measures the orchestrator, not the
    // workers: refused as a calibration.
    let (ok, _, err) = run(
        &[
            &base[..6],
            &lambda_args[..4],
            &[
                "--store",
                "s3://out/dry.zarr",
                "--dry-run",
                "--measured",
                "lambda.json",
            ],
        ]
        .concat(),
        &lambda_env,
    );
    assert!(!ok && err.contains("lambda.json: not a local run"), "{err}");
}

#[test]
fn expired_earthdata_credentials_stop_the_run_before_it_starts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let login = earthdata(&rt, "2020-01-01 00:00:00+00:00");
    let home = home_with_netrc(d, &login.login_host);
    // Nothing listens on the Lambda endpoint: the run must stop before.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let lambda = format!("http://127.0.0.1:{port}");
    // A real shard map (one local granule).
    let granule = magg_testkit::sample_granules()[0]
        .to_string_lossy()
        .into_owned();
    let (ok, _, err) = magg_env(
        d,
        &[
            "catalog",
            "--granules",
            &granule,
            "--region",
            "antarctica",
            "--out",
            "map.json",
        ],
        &[],
    );
    assert!(ok, "catalog: {err}");
    let args = [
        "run",
        "--catalog",
        "map.json",
        "--store",
        "out.zarr",
        "--quiet",
        "--executor",
        "lambda",
        "--function",
        FUNCTION,
        "--endpoint-url",
        &lambda,
        "--earthdata-credentials",
        &login.endpoint,
        "--earthdata-login-host",
        &login.login_host,
    ];
    let env = vec![("HOME".to_string(), home.clone())];
    let (ok, out, err) = magg_env(d, &args, &env);
    assert!(!ok);
    assert!(err.contains("expire at 2020-01-01 00:00:00+00:00"), "{err}");
    assert_no_secret("stdout", &out);
    assert_no_secret("stderr", &err);
    assert!(
        !d.join("out.zarr").exists(),
        "nothing written before the check"
    );
    assert_eq!(login.served(), 1);

    // A wrong password in ~/.netrc: one clear error naming the user, no secret.
    std::fs::write(
        Path::new(&home).join(".netrc"),
        format!(
            "machine {} login magguser password wrong-pw-x1\n",
            login.login_host
        ),
    )
    .unwrap();
    let (ok, _, err) = magg_env(d, &args, &env);
    assert!(!ok);
    assert!(err.contains("refused user magguser"), "{err}");
    assert!(!err.contains("wrong-pw-x1"), "{err}");
    assert!(!d.join("out.zarr").exists());
}

/// `magg chunk-index --executor lambda` on a map of local granules (the
/// emulator's workers run on this machine): one invocation per batch, the
/// same index file as the local pass, byte for byte; `--dry-run` invokes
/// nothing and prints the events' sizes.
#[test]
fn chunk_index_on_lambda_writes_the_local_pass_file() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sample = magg_testkit::sample_granules()[0]
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let (ok, _, err) = magg_env(
        d,
        &[
            "catalog",
            "--granules",
            &sample,
            "--region",
            "antarctica",
            "--out",
            "map.json",
            "--no-chunk-index",
        ],
        &[],
    );
    assert!(ok, "catalog: {err}");
    let local = d.join("local.chunks.json.gz");
    let local_s = local.to_string_lossy().into_owned();
    let (ok, _, err) = magg_env(
        d,
        &["chunk-index", "--catalog", "map.json", "--out", &local_s],
        &[],
    );
    assert!(ok, "local pass: {err}");

    let emu = rt
        .block_on(Emulator::start(EmulatorOptions {
            function: FUNCTION.into(),
            command: vec![env!("CARGO_BIN_EXE_magg").into(), "lambda-worker".into()],
            env: vec![],
            sandboxes: 2,
            memory_mb: 1024,
            timeout: Duration::from_mins(2),
            worker_logs: std::env::var_os("MAGG_WORKER_LOGS").is_some(),
            faults: vec![],
            synthetic: None,
        }))
        .unwrap();
    let env: Vec<(String, String)> = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec();
    let remote = d.join("lambda.chunks.json.gz");
    let remote_s = remote.to_string_lossy().into_owned();
    let args = [
        "chunk-index",
        "--catalog",
        "map.json",
        "--out",
        &remote_s,
        "--executor",
        "lambda",
        "--function",
        FUNCTION,
        "--endpoint-url",
        &emu.endpoint,
        "--memory-mb",
        "1024",
        "--batch",
        "5",
    ];
    let (ok, out, err) = magg_env(d, &[&args[..], &["--dry-run"]].concat(), &env);
    assert!(ok, "dry run: {err}");
    assert!(
        out.contains("would invoke magg-worker 3 time(s)")
            && out.contains("events: 3, bytes")
            && out.contains("projection for full-density granules"),
        "{out}"
    );
    assert_eq!(emu.dispatched(), 0);
    assert!(!remote.exists());

    let (ok, _, err) = magg_env(d, &args, &env);
    assert!(ok, "lambda pass: {err}");
    assert_eq!(emu.dispatched(), 3, "12 granules in batches of 5");
    assert!(
        err.contains("chunk index on Lambda: 12 of 12 granules in 3 batches (3 invocations")
            && err.contains(" at 1024 MB arm64, $"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&remote).unwrap(),
        std::fs::read(&local).unwrap(),
        "the Lambda pass's index differs from the local pass's"
    );
    assert!(
        !d.join("lambda.chunks.json.gz.parts").exists(),
        "parts deleted"
    );
}
