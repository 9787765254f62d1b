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
    let snippet = common::printed_snippet(&out);
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

    // A store written by a magg of layout 1 (dense global arrays; its root
    // `zarr.json` as that magg wrote it): resume, verify and plot refuse it
    // naming the layout version and --overwrite; --overwrite replaces it.
    let old = d.join("old.zarr");
    std::fs::create_dir_all(old.join("12/count/c")).unwrap();
    std::fs::write(old.join("12/count/c/32776"), b"layout-1 chunk").unwrap();
    let root = serde_json::json!({
        "zarr_format": 3, "node_type": "group",
        "attributes": {"magg": {"format_version": 1, "spec": {
            "parent_order": 6, "orders": [12], "fingerprint": "x",
            "variables": [{"name": "count", "dtype": "int32", "fill_value": 0}]}}}
    });
    std::fs::write(old.join("zarr.json"), root.to_string()).unwrap();
    let old_run = [
        "run",
        "--catalog",
        "magg-demo/shardmap.json",
        "--store",
        "old.zarr",
        "--quiet",
    ];
    for args in [
        [&old_run[..], &["--resume"]].concat(),
        old_run.to_vec(),
        vec!["verify", "old.zarr", "--catalog", "magg-demo/shardmap.json"],
        vec!["plot", "old.zarr", "-o", "old.png"],
    ] {
        let (ok, out, err) = magg(d, &args);
        assert!(!ok, "{args:?}: {out}");
        assert!(
            err.contains("layout version 1") && err.contains("--overwrite"),
            "{args:?}: {err}"
        );
    }
    assert!(
        old.join("12/count/c/32776").is_file(),
        "a refused store is left alone"
    );
    let (ok, _, err) = magg(d, &[&old_run[..], &["--overwrite"]].concat());
    assert!(ok, "{err}");
    assert!(!old.join("12/count/c/32776").exists());
}

/// `--pyramid` in the compact layout: every order group spans the map's
/// shards with 4^(k−6) cells per shard, `magg verify` passes at every
/// order, and xarray + xdggs open each group as the demo prints it; the
/// coarser orders hold the same observations, cell by cell the sums of
/// their children at the child order.
#[test]
fn pyramid_orders_follow_the_compact_layout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, _, err) = magg(d, &["demo", "--quiet"]);
    assert!(ok, "{err}");
    let run = [
        "run",
        "--catalog",
        "magg-demo/shardmap.json",
        "--store",
        "p.zarr",
        "--pyramid",
        "6,9..10",
        "--quiet",
    ];
    let (ok, _, err) = magg(d, &run);
    assert!(ok, "{err}");
    let (ok, out, err) = magg(
        d,
        &["verify", "p.zarr", "--catalog", "magg-demo/shardmap.json"],
    );
    assert!(ok, "verify: {out}{err}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("p.zarr.results.json")).unwrap())
            .unwrap();
    let observations = results["totals"]["observations"].as_u64().unwrap();
    let script = format!(
        "import sys, warnings, numpy as np, xarray as xr, xdggs, zarr\n\
         store = sys.argv[1]\n\
         shards = zarr.open_group(store, mode='r').attrs['magg']['spec']['shards']\n\
         warnings.simplefilter('error')\n\
         fine = xr.open_zarr(store, group='12').pipe(xdggs.decode)\n\
         for k in (6, 9, 10, 12):\n\
         \x20   ds = xr.open_zarr(store, group=str(k)).pipe(xdggs.decode)\n\
         \x20   span = 4 ** (k - 6)\n\
         \x20   assert ds.sizes['cells'] == len(shards) * span, (k, ds.sizes)\n\
         \x20   assert ds.dggs.grid_info.level == k\n\
         \x20   want = np.concatenate([np.arange(n * span, (n + 1) * span) for n in shards]).astype('u8')\n\
         \x20   assert np.array_equal(ds.cell_ids.values, want), k\n\
         \x20   count = ds['count'].values.astype('u8')\n\
         \x20   assert int(count.sum()) == {observations}, (k, int(count.sum()))\n\
         \x20   kids = fine['count'].values.astype('u8').reshape(-1, 4 ** (12 - k)).sum(axis=1)\n\
         \x20   assert np.array_equal(count, kids), k\n\
         print('PYRAMID OK')\n"
    );
    let said = magg_testkit::run_python(&script, &[d.join("p.zarr").to_str().unwrap()]);
    assert!(said.contains("PYRAMID OK"), "{said}");
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

/// `--shard` follows the map's grid: `ORDER:NESTED`, a mortie label or a
/// word on HEALPix, a tile `R,C` or its number on a rectilinear grid; a
/// shard the map does not list is an error naming it, not an empty run.
#[test]
fn shard_selection_follows_the_maps_grid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let granules = magg_testkit::sample_dir();
    let polar = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../agg/configs/upstream/atl06_polar.yaml");
    let polar = polar.to_str().unwrap();
    for (out, config) in [("hp.json", None), ("tiles.json", Some(polar))] {
        let mut args = vec!["catalog", "--granules", granules.to_str().unwrap()];
        args.extend(["--no-chunk-index", "--out", out]);
        if let Some(c) = config {
            args.extend(["--config", c]);
        }
        let (ok, _, err) = magg(d, &args);
        assert!(ok, "{err}");
    }
    let dry = |map: &str, shard: &str, config: Option<&str>| {
        let mut args = vec!["run", "--catalog", map, "--store", "x.zarr", "--dry-run"];
        args.extend(["--shard", shard]);
        if let Some(c) = config {
            args.extend(["--config", c]);
        }
        magg(d, &args)
    };
    // HEALPix: the busiest sample shard three ways, each one shard.
    let hp = magg_catalog::ShardMap::read(&d.join("hp.json")).unwrap();
    let (&word, _) = hp.shards.iter().max_by_key(|(_, g)| g.len()).unwrap();
    let cell = magg_morton::decode(word).unwrap();
    let label = magg_morton::to_label(word).unwrap();
    for s in [
        format!("{}:{}", cell.order, cell.nested),
        label.clone(),
        word.to_string(),
    ] {
        let (ok, out, err) = dry("hp.json", &s, None);
        assert!(ok, "--shard {s}: {err}");
        assert!(out.starts_with("1 shards,"), "--shard {s}: {out}");
        assert!(out.contains(&format!("{word} ({label})")), "{out}");
    }
    // A HEALPix shard the map lacks.
    let absent = (0..49_152)
        .map(|k| magg_morton::encode(6, k).unwrap())
        .find(|w| !hp.shards.contains_key(w))
        .unwrap();
    let (ok, _, err) = dry("hp.json", &absent.to_string(), None);
    assert!(!ok && err.contains("is not in the shard map"), "{err}");

    // Rectilinear: a tile by `R,C`, `tile R,C` and number.
    let tiles = magg_catalog::ShardMap::read(&d.join("tiles.json")).unwrap();
    let grid = tiles.grid_spec().build().unwrap();
    let (&tile, _) = tiles.shards.iter().next().unwrap();
    let name = grid.shard_label(tile); // "tile R,C"
    for s in [name[5..].to_string(), name.clone(), tile.to_string()] {
        let (ok, out, err) = dry("tiles.json", &s, Some(polar));
        assert!(ok, "--shard {s}: {err}");
        assert!(out.starts_with("1 shards,"), "--shard {s}: {out}");
        assert!(out.contains(&format!("{tile} ({name})")), "{out}");
    }
    // A tile of the grid that the map lacks, and a HEALPix label on tiles.
    let absent = (0..10_000).find(|t| !tiles.shards.contains_key(t)).unwrap();
    let (ok, _, err) = dry("tiles.json", &absent.to_string(), Some(polar));
    assert!(!ok && err.contains("is not in the shard map"), "{err}");
    let (ok, _, err) = dry("tiles.json", &label, Some(polar));
    assert!(!ok && err.contains("--shard"), "{err}");
}

/// `magg ... | head`: a reader that has gone away ends magg as SIGPIPE ends
/// a C tool (status 141, or 0 when everything fitted the pipe before the
/// reader left), never with a panic message.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let granules = magg_testkit::sample_dir();
    let (ok, _, err) = magg(
        dir.path(),
        &[
            "catalog",
            "--granules",
            granules.to_str().unwrap(),
            "--no-chunk-index",
            "--out",
            "map.json",
        ],
    );
    assert!(ok, "{err}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_magg"))
        .current_dir(dir.path())
        .args([
            "run",
            "--catalog",
            "map.json",
            "--store",
            "x.zarr",
            "--dry-run",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader leaves before magg prints
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        out.status.success() || out.status.code() == Some(141),
        "{:?}: {err}",
        out.status
    );
}
