//! `magg demo` and `magg run` as a user runs them: a fresh directory, the
//! bundled granules, then resume / overwrite / dry-run on the result.

mod common;

use common::magg;

#[test]
fn demo_then_resume_overwrite_and_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, out, err) = magg(d, &["demo", "--quiet"]);
    assert!(ok, "{err}");
    assert!(err.contains("0 errors"), "{err}");
    assert!(out.contains("xdggs.decode"), "{out}");
    for f in [
        "magg-demo/shardmap.json",
        "magg-demo/atl06.zarr/zarr.json",
        "magg-demo/results.json",
    ] {
        assert!(d.join(f).exists(), "{f}");
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("magg-demo/results.json")).unwrap())
            .unwrap();
    let shards = results["totals"]["shards"].as_u64().unwrap();
    assert!(shards > 10, "{results}");
    let observations = results["totals"]["observations"].as_u64().unwrap();

    let run = [
        "run",
        "--catalog",
        "magg-demo/shardmap.json",
        "--store",
        "magg-demo/atl06.zarr",
        "--quiet",
    ];
    // An existing store is not overwritten by accident.
    let (ok, _, err) = magg(d, &run);
    assert!(!ok && err.contains("magg-demo/atl06.zarr"), "{err}");

    // Resume skips every complete shard.
    let (ok, _, err) = magg(d, &[&run[..], &["--resume"]].concat());
    assert!(ok, "{err}");
    assert!(err.contains(&format!("{shards} skipped")), "{err}");

    // A shard whose status record is gone (an interrupted run) is redone.
    let status_dir = d.join("magg-demo/atl06.zarr/_magg/status");
    let first = std::fs::read_dir(&status_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&first).unwrap();
    let (ok, _, err) = magg(
        d,
        &[&run[..], &["--resume", "--results", "r2.json"]].concat(),
    );
    assert!(ok, "{err}");
    assert!(err.contains("shards: 1 run"), "{err}");
    assert!(first.exists(), "the redone shard has its record again");

    // Overwrite starts over and finds the same observations.
    let (ok, _, err) = magg(
        d,
        &[&run[..], &["--overwrite", "--results", "r3.json"]].concat(),
    );
    assert!(ok, "{err}");
    let r3: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("r3.json")).unwrap()).unwrap();
    assert_eq!(r3["totals"]["observations"].as_u64().unwrap(), observations);

    // Dry run prints the plan, costliest first, and writes nothing.
    let (ok, out, err) = magg(
        d,
        &[
            "run",
            "--catalog",
            "magg-demo/shardmap.json",
            "--store",
            "x.zarr",
            "--dry-run",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains(&format!("{shards} shards")), "{out}");
    assert!(!d.join("x.zarr").exists());

    // A bad shard map is one clear error naming the file.
    std::fs::write(d.join("bad.json"), "{\"magg_shardmap\": 99}").unwrap();
    let (ok, _, err) = magg(d, &["run", "--catalog", "bad.json", "--store", "y.zarr"]);
    assert!(!ok && err.contains("bad.json"), "{err}");
}

/// One region rule per map and run: `magg catalog --all-observations`
/// records it in the map, and `magg run` must ask for the same rule (the
/// flag or `output.all_observations`), else it is refused before anything
/// is written.
#[test]
fn the_region_rule_is_chosen_once_for_catalog_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let demo = demo.to_str().unwrap();
    let catalog = |out: &str, extra: &[&str]| {
        let args = [&["catalog", "--granules", demo, "--out", out][..], extra].concat();
        let (ok, stdout, err) = magg(d, &args);
        assert!(ok, "{err}");
        stdout
    };
    let out = catalog("all.json", &["--all-observations"]);
    assert!(out.contains("all_observations rule"), "{out}");
    let map: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("all.json")).unwrap()).unwrap();
    assert_eq!(map["query"]["region_rule"], "all_observations");
    let out = catalog("cells.json", &[]);
    assert!(out.contains("child_cells rule"), "{out}");

    let run = |map: &str, extra: &[&str]| {
        let args = [
            &["run", "--catalog", map, "--store", "s.zarr", "--dry-run"][..],
            extra,
        ]
        .concat();
        magg(d, &args)
    };
    let (ok, out, err) = run("all.json", &["--all-observations"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("region rule all_observations") && out.contains(" 0 boundary shards"),
        "{out}"
    );
    let (ok, out, err) = run("cells.json", &[]);
    assert!(ok, "{err}");
    assert!(out.contains("region rule child_cells"), "{out}");
    for (map, extra) in [
        ("all.json", &[][..]),
        ("cells.json", &["--all-observations"][..]),
    ] {
        let (ok, _, err) = run(map, extra);
        assert!(!ok, "{map} {extra:?} accepted");
        assert!(
            err.contains("region rule") && err.contains("--all-observations"),
            "{err}"
        );
        assert!(!d.join("s.zarr").exists());
    }
}
