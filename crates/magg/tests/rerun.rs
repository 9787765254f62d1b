//! Re-runs (issue 10): `--retry-failed` reruns only failed shards, SIGINT
//! stops cleanly and `--resume` completes, and `magg verify` catches a
//! store whose chunks disagree with its status records.

mod common;

use common::{DEMO_GRANULE, Variant, assert_store_matches_clean, clean, magg, results};

fn failed_shards(r: &serde_json::Value) -> Vec<u64> {
    r["shards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["error"].is_null())
        .map(|s| s["shard"].as_u64().unwrap())
        .collect()
}

#[test]
fn retry_failed_reruns_only_failed_shards_then_verify_passes() {
    let v = Variant::new("retry");
    let good = std::fs::read(v.granule(DEMO_GRANULE)).unwrap();
    std::fs::write(v.granule(DEMO_GRANULE), &good[..good.len() / 3]).unwrap();
    let (ok, _, err) = v.run(&[]);
    assert!(!ok, "{err}");
    let failed = failed_shards(&results(&v.dir.join("results.json")));
    assert!(!failed.is_empty());
    // verify lists the failed shards and exits non-zero.
    let (ok, out, _) = magg(
        &v.dir,
        &["verify", "out.zarr", "--catalog", "shardmap.json"],
    );
    assert!(!ok, "{out}");
    assert_eq!(out.matches("): failed:").count(), failed.len(), "{out}");

    // The fault is gone: --retry-failed runs exactly the failed shards.
    std::fs::write(v.granule(DEMO_GRANULE), &good).unwrap();
    let (ok, _, err) = v.run(&["--retry-failed", "--results", "r2.json"]);
    assert!(ok, "{err}");
    let r2 = results(&v.dir.join("r2.json"));
    let mut rerun: Vec<u64> = r2["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["shard"].as_u64().unwrap())
        .collect();
    rerun.sort_unstable();
    let mut failed = failed;
    failed.sort_unstable();
    assert_eq!(rerun, failed, "only the failed shards rerun");
    v.assert_store_equals_clean_and_verifies();
}

#[test]
fn verify_catches_tampered_counts_and_records() {
    let v = Variant::new("tamper");
    let (ok, _, err) = v.run(&[]);
    assert!(ok, "{err}");
    let (ok, out, err) = magg(
        &v.dir,
        &["verify", "out.zarr", "--catalog", "shardmap.json"],
    );
    assert!(ok, "clean store: {out}{err}");
    let clean_obs = v.totals()["observations"].as_u64().unwrap();
    assert!(
        out.contains(&format!("({clean_obs} observations)")),
        "{out}"
    );

    // Status record: one shard claims one more observation.
    let status_dir = v.dir.join("out.zarr/_magg/status");
    let mut records: Vec<_> = std::fs::read_dir(&status_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    records.sort();
    let mut rec = results(&records[0]);
    let shard = rec["shard"].as_u64().unwrap();
    rec["observations"] = (rec["observations"].as_u64().unwrap() + 1).into();
    std::fs::write(&records[0], rec.to_string()).unwrap();
    // A record removed: the shard is listed as missing.
    let missing = results(&records[1])["shard"].as_u64().unwrap();
    std::fs::remove_file(&records[1]).unwrap();
    // A count chunk rewritten with numpy/zarr-python: one cell doubled (the
    // shard's chunk is its place in the store's shard list).
    let tampered = results(&records[2])["shard"].as_u64().unwrap();
    let script = "import sys, zarr, numpy as np\n\
        shards = zarr.open_group(sys.argv[1], mode='r').attrs['magg']['spec']['shards']\n\
        a = zarr.open_array(sys.argv[1], path='12/count', mode='r+')\n\
        n = a.chunks[0]; i = shards.index(int(sys.argv[2]))\n\
        c = a[i*n:(i+1)*n]; j = int(np.flatnonzero(c)[0]); c[j] *= 2; a[i*n:(i+1)*n] = c\n";
    let nested = magg_morton_nested(tampered);
    magg_testkit::run_python(
        script,
        &[
            v.dir.join("out.zarr").to_str().unwrap(),
            &nested.to_string(),
        ],
    );

    let (ok, out, _) = magg(
        &v.dir,
        &["verify", "out.zarr", "--catalog", "shardmap.json"],
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("shard {shard} ")) && out.contains("status record says"),
        "{out}"
    );
    assert!(
        out.contains(&format!("shard {missing} ")) && out.contains("no status record"),
        "{out}"
    );
    assert!(out.contains(&format!("shard {tampered} ")), "{out}");
    assert!(out.contains("3 problem(s)"), "{out}");
}

/// The shard's chunk index in the order-12 arrays: its nested index.
fn magg_morton_nested(shard: u64) -> u64 {
    magg_morton::decode(shard).unwrap().nested
}

#[test]
fn sigint_stops_cleanly_and_resume_completes() {
    let v = Variant::new("sigint");
    // One worker and a slow start: the signal arrives with shards pending.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_magg"))
        .args([
            "run",
            "--catalog",
            "shardmap.json",
            "--store",
            "out.zarr",
            "--quiet",
        ])
        .args([
            "--workers",
            "1",
            "--granule-concurrency",
            "1",
            "--results",
            "results.json",
        ])
        .current_dir(&v.dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first status record, then interrupt.
    let status_dir = v.dir.join("out.zarr/_magg/status");
    let t = std::time::Instant::now();
    while std::fs::read_dir(&status_dir).map_or(0, Iterator::count) < 2 {
        assert!(t.elapsed().as_secs() < 120, "no shard finished");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "an interrupted run is not a success: {err}"
    );
    assert!(err.contains("stopping"), "{err}");
    let r = results(&v.dir.join("results.json"));
    let not_started = r["not_started"].as_array().unwrap().len();
    assert!(
        not_started > 0,
        "the signal came too late to test anything: {r}"
    );
    // Every status record has its chunks (compared with the clean run).
    assert_store_matches_clean(&v.dir.join("out.zarr"), &r);
    let (ok, _, err) = v.run(&["--resume", "--results", "r2.json"]);
    assert!(ok, "{err}");
    let r2 = results(&v.dir.join("r2.json"));
    assert_eq!(
        r2["shards"].as_array().unwrap().len(),
        not_started,
        "resume runs the rest"
    );
    let (ok, out, err) = magg(
        &v.dir,
        &["verify", "out.zarr", "--catalog", "shardmap.json"],
    );
    assert!(ok, "{out}{err}");
    let clean_obs =
        results(&clean().join("magg-demo/results.json"))["totals"]["observations"].clone();
    assert!(
        out.contains(&format!("({clean_obs} observations)")),
        "{out}"
    );
}
