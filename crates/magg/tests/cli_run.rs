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
    let cells = results["totals"]["cells"].as_u64().unwrap();

    // The Python lines the demo prints run as printed, without a warning,
    // and hold every cell with data and every observation.
    let snippet: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("open it in Python:"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(str::trim)
        .collect();
    assert_eq!(snippet.len(), 4, "{out}");
    assert!(!out.contains("consolidated"), "{out}");
    let script = format!(
        "import os, sys, warnings\nos.chdir(sys.argv[1])\nwarnings.simplefilter('error')\n{}\n\
         assert cells.sizes['cells'] == {cells}, cells.sizes\n\
         assert int(cells['count'].values.sum()) == {observations}\n\
         assert int(ds['count'].values.sum()) == {observations}\n\
         print('SNIPPET OK')\n",
        snippet.join("\n")
    );
    let said = magg_testkit::run_python(&script, &[d.to_str().unwrap()]);
    assert!(said.contains("SNIPPET OK"), "{said}");

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
