//! The bad-input matrix (issue 10), run through the real `magg` binary:
//! each bad input gives one clear error naming the file/shard/key, a
//! non-zero exit where the run cannot proceed, and every shard it does not
//! touch finishes exactly as in a clean run.
//!
//! Granule variants are written with h5py (libhdf5) from the bundled demo
//! granules; "equal to a clean run" compares status records and chunk files
//! byte for byte with the clean demo store.

mod common;

use std::path::Path;

use common::{DEMO_GRANULE, Variant, clean, magg, magg_env, results};

/// Granule `x` is damaged: the shards reading it fail (naming it, and
/// saying each of `needles`), the others equal the clean run, and the exit
/// code is non-zero.
fn assert_only_shards_of_failed(v: &Variant, needles: &[&str]) {
    let (ok, _, err) = v.run(&[]);
    assert!(!ok, "a damaged granule must fail the run: {err}");
    assert!(err.contains("failed"), "{err}");
    let r = results(&v.dir.join("results.json"));
    let shards = r["shards"].as_array().unwrap();
    let failed: Vec<&serde_json::Value> = shards.iter().filter(|s| !s["error"].is_null()).collect();
    assert!(!failed.is_empty(), "no shard failed: {r}");
    for s in &failed {
        let e = s["error"].as_str().unwrap();
        assert!(
            e.contains(DEMO_GRANULE) && needles.iter().all(|n| e.contains(n)),
            "shard {}: {e}\nexpected: {needles:?}",
            s["shard"]
        );
    }
    let expected_failed = v.shards_reading(DEMO_GRANULE);
    assert_eq!(
        failed.len(),
        expected_failed,
        "exactly the shards reading the granule fail"
    );
    assert!(shards.len() > failed.len(), "other shards ran");
    v.assert_done_shards_equal_clean();
}

#[test]
fn truncated_granule_fails_only_its_shards() {
    let v = Variant::new("truncated");
    let f = v.granule(DEMO_GRANULE);
    let len = std::fs::metadata(&f).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    // `<file>: <HDF5 object path>: <what>`: here the root group's symbol
    // table node, which lies in the cut half.
    let object = format!("{DEMO_GRANULE}: /");
    assert_only_shards_of_failed(&v, &[&object, "past the end of the file"]);
}

#[test]
fn corrupt_granule_fails_only_its_shards() {
    let v = Variant::new("corrupt");
    let f = v.granule(DEMO_GRANULE);
    let mut bytes = std::fs::read(&f).unwrap();
    bytes[..64].fill(0xAB); // the superblock
    std::fs::write(&f, bytes).unwrap();
    // No object can be found without a superblock: the error names the
    // file and says what is at its start.
    assert_only_shards_of_failed(&v, &["not an HDF5 file", "address 0x0"]);
}

#[test]
fn missing_beam_is_normal() {
    let v = Variant::new("nobeam");
    v.h5py(DEMO_GRANULE, "del f['gt2l']");
    let (ok, _, err) = v.run(&[]);
    assert!(ok, "a granule without a beam is normal: {err}");
    // Equal to the same granule with the beam's rows all failing the
    // quality filter (an independent way to leave them out).
    let w = Variant::new("nobeam_ref");
    w.h5py(
        DEMO_GRANULE,
        "q = f['gt2l/land_ice_segments/atl06_quality_summary']; q[...] = 1",
    );
    let (ok, _, err) = w.run(&[]);
    assert!(ok, "{err}");
    for k in ["observations", "cells", "errors"] {
        assert_eq!(v.totals()[k], w.totals()[k], "{k}");
    }
    assert_same_chunks(&v.dir.join("out.zarr"), &w.dir.join("out.zarr"));
}

#[test]
fn missing_dataset_names_file_and_dataset() {
    let v = Variant::new("nodataset");
    v.h5py(DEMO_GRANULE, "del f['gt1r/land_ice_segments/h_li_sigma']");
    assert_only_shards_of_failed(&v, &["gt1r/land_ice_segments/h_li_sigma"]);
}

#[test]
fn unequal_lengths_name_the_dataset() {
    let v = Variant::new("unequal");
    v.h5py(
        DEMO_GRANULE,
        "p = 'gt1l/land_ice_segments/h_li'; d = f[p][:]; a = dict(f[p].attrs)\n\
         del f[p]; n = f.create_dataset(p, data=d[:-7], chunks=True, compression='gzip')\n\
         for k, x in a.items(): n.attrs[k] = x",
    );
    assert_only_shards_of_failed(&v, &["gt1l/land_ice_segments/h_li"]);
}

#[test]
fn all_fill_granule_equals_an_absent_granule() {
    let v = Variant::new("allfill");
    v.h5py(
        DEMO_GRANULE,
        "for b in ['gt1l','gt1r','gt2l','gt2r','gt3l','gt3r']:\n\
         \x20   d = f[b + '/land_ice_segments/h_li']; d[...] = d.attrs['_FillValue']",
    );
    let (ok, _, err) = v.run(&[]);
    assert!(ok, "all-fill data is valid input: {err}");
    let w = Variant::new("allfill_ref");
    w.drop_granule(DEMO_GRANULE);
    let (ok, _, err) = w.run(&[]);
    assert!(ok, "{err}");
    assert_eq!(v.totals()["observations"], w.totals()["observations"]);
    assert_eq!(v.totals()["cells"], w.totals()["cells"]);
    assert_same_chunks(&v.dir.join("out.zarr"), &w.dir.join("out.zarr"));
}

#[test]
fn nan_and_inf_coordinates_are_left_out_like_absent_rows() {
    let v = Variant::new("nan");
    v.h5py(
        DEMO_GRANULE,
        "import numpy as np\n\
         g = 'gt1l/land_ice_segments/'\n\
         la = f[g + 'latitude']; lo = f[g + 'longitude']\n\
         x = la[:]; x[10:20] = np.nan; x[30] = np.inf; la[...] = x\n\
         y = lo[:]; y[40:45] = -np.inf; y[50] = np.nan; lo[...] = y",
    );
    let (ok, _, err) = v.run(&[]);
    assert!(ok, "non-finite coordinates are dropped, not fatal: {err}");
    // Reference: the same rows removed from every dataset of the beam.
    let w = Variant::new("nan_ref");
    w.h5py(
        DEMO_GRANULE,
        "import numpy as np\n\
         g = f['gt1l/land_ice_segments']\n\
         keep = np.ones(g['latitude'].shape[0], bool); keep[10:20] = False; keep[30] = False\n\
         keep[40:45] = False; keep[50] = False\n\
         for k in list(g.keys()):\n\
         \x20   d = g[k][:]; a = dict(g[k].attrs); del g[k]\n\
         \x20   n = g.create_dataset(k, data=d[keep], chunks=True, compression='gzip')\n\
         \x20   for an, av in a.items(): n.attrs[an] = av",
    );
    let (ok, _, err) = w.run(&[]);
    assert!(ok, "{err}");
    assert_eq!(v.totals()["observations"], w.totals()["observations"]);
    assert_same_chunks(&v.dir.join("out.zarr"), &w.dir.join("out.zarr"));
}

/// Every chunk file under `a/12` equals the one under `b/12`, and both have
/// the same set.
fn assert_same_chunks(a: &Path, b: &Path) {
    let (fa, fb) = (common::chunk_files(a), common::chunk_files(b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, bytes) in &fa {
        assert!(fb[k] == *bytes, "chunk {k} differs");
    }
}

#[test]
fn malformed_shard_maps_name_file_and_key() {
    let c = clean();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(c.join("magg-demo/shardmap.json")).unwrap();
    let map: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut wrong_version = map.clone();
    wrong_version["magg_shardmap"] = 4.into();
    let mut missing = map.clone();
    missing.as_object_mut().unwrap().remove("child_order");
    let mut no_rule = map.clone();
    no_rule["query"]
        .as_object_mut()
        .unwrap()
        .remove("region_rule");
    // A repeated key (serde_json::Value would fold it): splice text.
    let (key, list) = map["shards"].as_object().unwrap().iter().next().unwrap();
    let dup = text.replacen(
        "\"shards\": {",
        &format!("\"shards\": {{\"{key}\": {list},"),
        1,
    );
    assert_ne!(dup, text);
    let cases = [
        ("version.json", wrong_version.to_string(), "magg_shardmap"),
        ("missing.json", missing.to_string(), "child_order"),
        ("norule.json", no_rule.to_string(), "region_rule"),
        ("dup.json", dup.clone(), &format!("duplicate shard {key}")),
        (
            "truncated.json",
            text[..text.len() / 2].to_string(),
            "truncated.json",
        ),
    ];
    for (name, body, key) in cases {
        std::fs::write(d.join(name), body).unwrap();
        let (ok, _, err) = magg(
            d,
            &["run", "--catalog", name, "--store", "s.zarr", "--quiet"],
        );
        assert!(!ok, "{name} accepted");
        assert!(err.contains(name) && err.contains(key), "{name}: {err}");
        assert_eq!(err.matches("error").count(), 1, "one error: {err}");
        assert!(!d.join("s.zarr").exists(), "{name}: nothing written");
    }
}

#[test]
fn bad_configs_name_the_key() {
    let c = clean();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../agg/configs/atl06.yaml"),
    )
    .unwrap();
    let cases = [
        (
            "unknown.yaml",
            good.replace("    value: 0", "    value: 0\n    valu: 1"),
            "valu",
        ),
        (
            "type.yaml",
            good.replace("    value: 0", "    value: [zero]"),
            "value",
        ),
        (
            "expr.yaml",
            good.replace(
                "1.0 / np.sqrt(np.sum(1.0 / s_li**2))",
                "__import__('os').system('true')",
            ),
            "h_sigma",
        ),
        (
            "expr2.yaml",
            good.replace("1.0 / np.sqrt(", "1.0 / np.frobnicate("),
            "frobnicate",
        ),
    ];
    let map = c.join("magg-demo/shardmap.json");
    for (name, body, key) in cases {
        assert_ne!(body, good, "{name}: the edit applied");
        std::fs::write(d.join(name), body).unwrap();
        let (ok, _, err) = magg(
            d,
            &[
                "run",
                "--catalog",
                map.to_str().unwrap(),
                "--store",
                "s.zarr",
                "--config",
                name,
                "--quiet",
            ],
        );
        assert!(!ok, "{name} accepted");
        assert!(err.contains(name) && err.contains(key), "{name}: {err}");
        assert!(!d.join("s.zarr").exists(), "{name}: nothing written");
    }
}

#[test]
fn invalid_region_geojson() {
    let c = clean();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let granules = c.join("magg-demo/granules");
    let poly = |ring: &str| format!(r#"{{"type":"Polygon","coordinates":[[{ring}]]}}"#);
    // A box around the demo tracks, counter-clockwise and clockwise.
    let ccw = "[-60,-85],[60,-85],[60,-75],[-60,-75],[-60,-85]";
    let cw = "[-60,-85],[-60,-75],[60,-75],[60,-85],[-60,-85]";
    let bad = [
        (
            "bowtie.geojson",
            poly("[-60,-85],[60,-75],[60,-85],[-60,-75],[-60,-85]"),
            "bowtie.geojson",
        ),
        (
            "unclosed.geojson",
            poly("[-60,-85],[60,-85],[60,-75],[-60,-75]"),
            "unclosed.geojson",
        ),
        (
            "notjson.geojson",
            "{\"type\": \"Polygon\"".into(),
            "notjson.geojson",
        ),
    ];
    for (name, body, key) in bad {
        std::fs::write(d.join(name), body).unwrap();
        let (ok, _, err) = magg(
            d,
            &[
                "catalog",
                "--granules",
                granules.to_str().unwrap(),
                "--region",
                name,
                "--out",
                "m.json",
            ],
        );
        assert!(!ok, "{name} accepted");
        assert!(err.contains(key), "{name}: {err}");
        assert!(!d.join("m.json").exists());
    }
    // Winding does not matter: the interior is the smaller side.
    for (name, ring) in [("ccw.geojson", ccw), ("cw.geojson", cw)] {
        std::fs::write(d.join(name), poly(ring)).unwrap();
        let out = format!("{name}.json");
        let (ok, _, err) = magg(
            d,
            &[
                "catalog",
                "--granules",
                granules.to_str().unwrap(),
                "--region",
                name,
                "--out",
                &out,
            ],
        );
        assert!(ok, "{name}: {err}");
    }
    let shards = |f: &str| results(&d.join(f))["shards"].clone();
    assert_eq!(shards("ccw.geojson.json"), shards("cw.geojson.json"));
    assert!(!shards("cw.geojson.json").as_object().unwrap().is_empty());
}

#[test]
fn unreachable_store_fails_fast_naming_it() {
    let c = clean();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let map = c.join("magg-demo/shardmap.json");
    let t = std::time::Instant::now();
    let (ok, _, err) = magg_env(
        dir.path(),
        &[
            "run",
            "--catalog",
            map.to_str().unwrap(),
            "--store",
            "s3://bucket/out.zarr",
            "--quiet",
        ],
        &common::s3_env(&format!("http://127.0.0.1:{port}")),
    );
    assert!(!ok);
    assert!(err.contains("s3://bucket/out.zarr"), "{err}");
    assert!(
        t.elapsed().as_secs() < 60,
        "bounded time: {:?}",
        t.elapsed()
    );
}

#[test]
fn secrets_are_never_printed_and_writes_stay_under_the_prefix() {
    let c = clean();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = "s3cr3t-DO-NOT-PRINT-7f3a9";
    let mut env = common::s3_env(&format!("http://127.0.0.1:{port}"));
    env.retain(|(k, _)| k != "AWS_SECRET_ACCESS_KEY");
    env.push(("AWS_SECRET_ACCESS_KEY".into(), secret.into()));
    env.push(("AWS_SESSION_TOKEN".into(), format!("{secret}-token")));
    let map = c.join("magg-demo/shardmap.json");
    for store in ["s3://bucket/out.zarr", "s3://bucket/a/../../escape.zarr"] {
        let (ok, out, err) = magg_env(
            dir.path(),
            &[
                "run",
                "--catalog",
                map.to_str().unwrap(),
                "--store",
                store,
                "--quiet",
                "--results",
                "r.json",
            ],
            &env,
        );
        assert!(!ok);
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "secret printed: {err}"
        );
        if store.contains("..") {
            assert!(
                err.contains("bad key prefix"),
                "a prefix escaping the store is refused: {err}"
            );
        }
        if let Ok(r) = std::fs::read_to_string(dir.path().join("r.json")) {
            assert!(!r.contains(secret));
        }
    }
}

#[test]
fn unwritable_output_fails_naming_it() {
    let c = clean();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("file"), "not a directory").unwrap();
    let map = c.join("magg-demo/shardmap.json");
    let (ok, _, err) = magg(
        d,
        &[
            "run",
            "--catalog",
            map.to_str().unwrap(),
            "--store",
            "file/sub.zarr",
            "--quiet",
        ],
    );
    assert!(!ok);
    assert!(err.contains("file/sub.zarr"), "{err}");
}

#[test]
fn existing_store_with_another_config_is_refused_unless_overwrite() {
    let v = Variant::new("reconfig");
    let (ok, _, err) = v.run(&[]);
    assert!(ok, "{err}");
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../agg/configs/atl06.yaml"),
    )
    .unwrap();
    std::fs::write(v.dir.join("other.yaml"), good.replace("q: 0.25", "q: 0.2")).unwrap();
    for extra in [&["--resume"][..], &[][..]] {
        let args = [
            &["--config", "other.yaml", "--results", "r2.json"][..],
            extra,
        ]
        .concat();
        let (ok, _, err) = v.run(&args);
        assert!(
            !ok,
            "{extra:?}: a store made with another config was reused"
        );
        assert!(err.contains("out.zarr"), "{err}");
    }
    v.assert_done_shards_equal_clean();
    let (ok, _, err) = v.run(&[
        "--config",
        "other.yaml",
        "--overwrite",
        "--results",
        "r3.json",
    ]);
    assert!(ok, "{err}");
}
