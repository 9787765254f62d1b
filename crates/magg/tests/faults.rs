//! The fault-injected run of issue 10, through the `magg` binary: the demo
//! granules served by a real S3 server (moto) behind a fault-injecting
//! proxy, with one corrupt granule, a 503 storm on a second granule's key
//! and a stall on a third (each of its reads cut by `--io-timeout`). The
//! run fails exactly the shards reading those granules, listing them in the
//! results JSON, and every other shard equals a clean run. A `--resume`
//! worker process is then SIGKILLed while stuck on the stall; once the
//! faults are gone, `--resume` completes the store and it equals the clean
//! run chunk for chunk (and `magg verify` passes).

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Variant, results};
use magg_testkit::faults::{Fault, FaultProxy, Rule};
use magg_testkit::s3::S3Server;
use serde_json::{Value, json};

/// Shards of the map listing granule `id`.
fn shards_reading(map: &Value, id: &str) -> BTreeSet<u64> {
    map["shards"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, l)| l.as_array().unwrap().iter().any(|g| g["id"] == id))
        .map(|(s, _)| s.parse().unwrap())
        .collect()
}

/// Shards recorded with an error in a results JSON, with the error.
fn failed(r: &Value) -> Vec<(u64, String)> {
    r["shards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["error"].is_null())
        .map(|s| {
            (
                s["shard"].as_u64().unwrap(),
                s["error"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Short I/O bounds so the faulted shards fail quickly (a stalled read is
/// cut after 2 s, two attempts at most).
const FAST_IO: [&str; 6] = [
    "--io-timeout",
    "2",
    "--io-retries",
    "1",
    "--io-retry-timeout",
    "3",
];

#[test]
fn fault_injected_run_fails_only_faulted_shards_then_resume_equals_clean() {
    let v = Variant::new("faults");
    let s3 = S3Server::start();
    s3.create_bucket("granules");
    let map_path = v.dir.join("shardmap.json");
    let mut map = results(&map_path);

    // The three granules read by the fewest shards get the faults (the
    // stall, the slowest to fail, the fewest).
    let mut ids: Vec<String> = std::fs::read_dir(v.dir.join("g"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort_by_key(|id| (shards_reading(&map, id).len(), id.clone()));
    let (stall, corrupt, storm) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let faulted: BTreeSet<u64> = [&corrupt, &storm, &stall]
        .iter()
        .flat_map(|id| shards_reading(&map, id))
        .collect();
    let all = map["shards"].as_object().unwrap().len();
    assert!(faulted.len() < all, "no shard left unfaulted");

    let good_corrupt = std::fs::read(v.granule(&corrupt)).unwrap();
    for id in &ids {
        let mut bytes = std::fs::read(v.granule(id)).unwrap();
        if *id == corrupt {
            bytes[..64].fill(0xAB); // the superblock
        }
        s3.put_bytes("granules", &format!("g/{id}"), &bytes);
    }
    // The map now reads every granule from S3.
    for list in map["shards"].as_object_mut().unwrap().values_mut() {
        for g in list.as_array_mut().unwrap() {
            let id = g["id"].as_str().unwrap().to_string();
            g["urls"] = json!({ "s3": s3.url("granules", &format!("g/{id}")) });
        }
    }
    std::fs::write(&map_path, map.to_string()).unwrap();

    let proxy = FaultProxy::in_front_of(&s3);
    let mut env = proxy.env_vars();
    env.push(("AWS_EC2_METADATA_DISABLED".into(), "true".into()));
    let storm_rule = proxy.add(Rule::new(Fault::Status(503), &format!("/g/{storm}")));
    let stall_rule = proxy.add(Rule::new(Fault::Stall, &format!("/g/{stall}")));

    // 1. The faulted run: fails, lists exactly the faulted shards.
    let (ok, _, err) = v.run_env(&FAST_IO, &env);
    assert!(!ok, "a run with failed shards exits non-zero: {err}");
    assert!(v.dir.join("results.json").exists(), "{err}");
    let r = results(&v.dir.join("results.json"));
    let fails = failed(&r);
    let got: BTreeSet<u64> = fails.iter().map(|f| f.0).collect();
    assert_eq!(
        got, faulted,
        "failed shards = shards reading a faulted granule"
    );
    for (shard, e) in &fails {
        let named = [&corrupt, &storm, &stall]
            .iter()
            .any(|id| e.contains(&format!("s3://granules/g/{id}")));
        assert!(named, "shard {shard}: error names no faulted granule: {e}");
    }
    assert!(proxy.hits(storm_rule) > 0 && proxy.hits(stall_rule) > 0);
    // Every other shard equals the clean run; failed ones wrote no chunk.
    v.assert_done_shards_equal_clean();

    // 2. A killed worker: the storm is over and the granule repaired, but a
    // `--resume` process hangs on the stall (default 30 s timeout) and is
    // SIGKILLed there. It leaves no record that --resume would trust.
    proxy.clear();
    s3.put_bytes("granules", &format!("g/{corrupt}"), &good_corrupt);
    let stuck = proxy.add(Rule::new(Fault::Stall, &format!("/g/{stall}")));
    let mut child = Command::new(env!("CARGO_BIN_EXE_magg"))
        .args(["run", "--catalog", "shardmap.json", "--store", "out.zarr"])
        .args([
            "--resume",
            "--quiet",
            "--workers",
            "2",
            "--results",
            "r2.json",
        ])
        .current_dir(&v.dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while proxy.hits(stuck) == 0 {
        assert!(
            t.elapsed() < Duration::from_mins(2),
            "never reached the stall"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the stall"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(
        !v.dir.join("r2.json").exists(),
        "a killed run writes no results"
    );
    for shard in shards_reading(&map, &stall) {
        let rec = results(&v.dir.join(format!("out.zarr/_magg/status/{shard}.json")));
        assert!(
            !rec["error"].is_null(),
            "shard {shard} reads the stalled granule: {rec}"
        );
    }

    // 3. Faults gone: --resume completes; the store equals the clean run.
    proxy.clear();
    let mut args = FAST_IO.to_vec();
    args.extend(["--resume", "--results", "r3.json"]);
    let (ok, _, err) = v.run_env(&args, &env);
    assert!(ok, "{err}");
    let r3 = results(&v.dir.join("r3.json"));
    assert!(failed(&r3).is_empty());
    let rerun: BTreeSet<u64> = r3["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["shard"].as_u64().unwrap())
        .collect();
    assert!(rerun.is_subset(&faulted), "resume reran a complete shard");
    v.assert_store_equals_clean_and_verifies();
}

#[test]
fn retry_window_shorter_than_a_request_is_refused() {
    let v = Variant::new("iopolicy");
    let (ok, _, err) = v.run(&["--io-timeout", "10", "--io-retry-timeout", "5"]);
    assert!(!ok);
    assert!(err.contains("--io-retry-timeout"), "{err}");
    assert!(!v.dir.join("out.zarr").exists(), "nothing written");
}
