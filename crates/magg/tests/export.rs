//! `magg export --format geotiff` on the real demo store, against an
//! independent reference (`py/export_reference.py`: rasterio reads the
//! file; pyproj, mortie and zarr-python recompute every pixel from the
//! store), `rio cogeo validate`, and the refusals, each one clear message.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const REFERENCE: &str = include_str!("py/export_reference.py");

fn store() -> PathBuf {
    common::clean().join("magg-demo/atl06.zarr")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the reference on `tif` and checks what every export shares: the
/// EPSG code, a valid COG, 256-pixel tiles, and every pixel's value.
fn check(tif: &Path, var: &str, epsg: u32, default_res: Option<f64>) -> Value {
    let store = store();
    let mut args = vec![
        s(tif).to_string(),
        s(&store).to_string(),
        var.to_string(),
        "12".to_string(),
        epsg.to_string(),
    ];
    if let Some(r) = default_res {
        args.push(format!("{r:?}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = magg_testkit::run_python(REFERENCE, &args);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["epsg"], epsg, "{v}");
    assert_eq!(v["cog_valid"], true, "{v}");
    assert_eq!(v["cog_errors"], serde_json::json!([]), "{v}");
    assert_eq!(v["cog_warnings"], serde_json::json!([]), "{v}");
    assert_eq!(v["blocks"][0], serde_json::json!([256, 256]), "{v}");
    assert_eq!(v["wrong"], 0, "{v}");
    let pixels = v["pixels"].as_u64().unwrap();
    let edge = v["edge"].as_u64().unwrap();
    assert!(edge * 10_000 <= pixels, "{edge} edge pixels of {pixels}");
    assert!(v["with_data"].as_u64().unwrap() > 1000, "{v}");
    eprintln!(
        "{var}: {pixels} pixels ({} × {}), {} with data, {edge} on a cell edge, {} cells with data",
        v["width"], v["height"], v["with_data"], v["cells_with_data"]
    );
    v
}

#[test]
#[allow(clippy::float_cmp)] // transforms are exact multiples of the resolution
fn exports_equal_the_store_through_rasterio_pyproj_mortie_and_zarr() {
    let dir = tempfile::tempdir().unwrap();
    let store = store();

    // Defaults: EPSG:3031 from the shards, 1100 m at order 12, the data's extent.
    let tif = dir.path().join("h_mean.tif");
    let (_, err) = common::magg_ok(&["export", s(&store), "--var", "h_mean", "--out", s(&tif)]);
    assert!(err.contains("EPSG:3031 (the store's"), "{err}");
    assert!(err.contains("resolution: 1100 m"), "{err}");
    // Every cell with data holds a pixel centre at the default resolution.
    let first = err.lines().next().unwrap();
    let words: Vec<&str> = first.split_whitespace().collect();
    assert_eq!(words[4], words[11], "{first}");
    let v = check(&tif, "h_mean", 3031, Some(1100.0));
    assert_eq!(v["dtype"], "float32");
    assert_eq!(v["store_dtype"], "float32");
    assert_eq!(v["nodata"], "nan", "{v}");
    let grid = &v["default_grid"];
    assert_eq!(v["transform"], grid["transform"], "{v}");
    assert_eq!(v["width"], grid["width"], "{v}");
    assert_eq!(v["height"], grid["height"], "{v}");

    // An integer variable, a chosen CRS, resolution and bounds (a window
    // cutting through the data, off the resolution's multiples).
    let gt = v["transform"].as_array().unwrap();
    let (x0, y1) = (gt[0].as_f64().unwrap(), gt[3].as_f64().unwrap());
    let (across, down) = (v["width"].as_f64().unwrap(), v["height"].as_f64().unwrap());
    let bounds = format!(
        "{},{},{},{}",
        x0 + 0.25 * across * 1100.0 + 123.0,
        y1 - 0.8 * down * 1100.0,
        x0 + 0.75 * across * 1100.0,
        y1 - 0.1 * down * 1100.0
    );
    let tif = dir.path().join("count.tif");
    common::magg_ok(&[
        "export",
        s(&store),
        "--var",
        "count",
        "--crs",
        "EPSG:3031",
        "--resolution",
        "1000",
        "--bounds",
        &bounds,
        "-o",
        s(&tif),
    ]);
    let v = check(&tif, "count", 3031, None);
    assert_eq!(v["dtype"], v["store_dtype"], "{v}");
    assert!(
        ["int32", "uint32"].contains(&v["dtype"].as_str().unwrap()),
        "{v}"
    );
    assert_eq!(v["nodata"], 0.0);
    let b: Vec<f64> = bounds.split(',').map(|x| x.parse().unwrap()).collect();
    assert_eq!(
        v["transform"],
        serde_json::json!([b[0], 1000.0, 0.0, b[3], 0.0, -1000.0]),
        "{v}"
    );
    let width = ((b[2] - b[0]) / 1000.0).ceil() as u64;
    assert_eq!(v["width"].as_u64().unwrap(), width);
}

#[test]
fn refusals_are_one_clear_message_each() {
    let dir = tempfile::tempdir().unwrap();
    let store = store();
    let out = dir.path().join("x.tif");
    let fail = |args: &[&str]| {
        let (ok, _, err) = common::magg(Path::new("."), args);
        assert!(!ok, "magg {args:?} succeeded");
        assert!(!out.exists(), "magg {args:?} wrote {}", out.display());
        if err.starts_with("magg: error:") {
            assert_eq!(err.trim().lines().count(), 1, "{err}");
        }
        err
    };
    let base = |extra: &[&str]| {
        let mut a = vec!["export", s(&store), "-o", s(&out)];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = base(extra);
        fail(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let e = run(&["--var", "h_meen"]);
    assert!(
        e.contains("has no variable \"h_meen\"; its variables: ") && e.contains("h_mean"),
        "{e}"
    );
    let e = run(&["--order", "9"]);
    assert!(e.contains("has no order 9; its orders: 12"), "{e}");
    let e = run(&["--resolution", "1"]);
    assert!(
        e.contains(" pixels at 1 m, more than the limit of 100000000 pixels"),
        "{e}"
    );
    let e = run(&["--bounds", "-3e6,-3e6,3e6,3e6", "--resolution", "100"]);
    assert!(
        e.contains("60000 × 60000 = 3600000000 pixels at 100 m, more than the limit"),
        "{e}"
    );
    let e = run(&["--bounds", "1,2,3"]);
    assert!(e.contains("expected 4 numbers"), "{e}");
    let e = run(&["--crs", "EPSG:4326"]);
    assert!(e.contains("not a supported CRS"), "{e}");
    let e = run(&["--format", "netcdf"]);
    assert!(e.contains("invalid value 'netcdf'"), "{e}");
    let e = run(&["--crs", "EPSG:3413"]);
    assert!(
        e.contains("no cell with data in the hemisphere of EPSG:3413"),
        "{e}"
    );

    // Not a store of this layout: layout 1, and a Zarr group magg did not write.
    let old = dir.path().join("old.zarr");
    std::fs::create_dir_all(&old).unwrap();
    let root = serde_json::json!({"zarr_format": 3, "node_type": "group", "attributes": {
        "magg": {"format_version": 1, "spec": {"parent_order": 2, "orders": [3],
        "variables": [{"name": "count", "dtype": "uint32", "fill_value": 0}],
        "compression": {"name": "gzip", "level": 1}, "fingerprint": "fp"}}}});
    std::fs::write(old.join("zarr.json"), root.to_string()).unwrap();
    let e = fail(&["export", s(&old), "-o", s(&out)]);
    assert!(e.contains("layout version 1"), "{e}");
    let plain = dir.path().join("plain.zarr");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(
        plain.join("zarr.json"),
        r#"{"zarr_format": 3, "node_type": "group", "attributes": {}}"#,
    )
    .unwrap();
    let e = fail(&["export", s(&plain), "-o", s(&out)]);
    assert!(e.contains(s(&plain)), "{e}");
    let e = fail(&["export", s(&dir.path().join("none.zarr")), "-o", s(&out)]);
    assert!(e.contains("no magg store at"), "{e}");
}
