//! Time windows end to end, through the CLI: three cycles of generated
//! granules with a known elevation change (`make_atl06.py --dhdt`) over a
//! few shards (one near the synthetic thinning basin, one on the
//! plateau far from it) →
//! `magg catalog --cycles 21..23` → `magg run` → a store with three time
//! slices. Checked against independent references (`time_reference.py`):
//! every slice equals a single-cycle run of that cycle, cell by cell and
//! variable by variable; xarray decodes a datetime `time` with bounds and
//! xdggs decodes the grid; dh/dt, its error, χ², windows used and span
//! equal numpy's weighted least squares per cell; the recovery of
//! `dhdt_rate` is reported. Also `magg verify`, `magg plot --time` and
//! `magg report` on the store.
//!
//! Measured (2026-12-03, printed by the test): 5,418 cells with a rate;
//! the formal error (from the windows' sigmas alone) covers the truth in
//! only 4.7 % (1σ) / 9.0 % (2σ) of cells — the generator's field varies
//! inside a cell and between tracks more than the sigma of the mean says —
//! while the χ²-scaled error (`dhdt_sigma·√dhdt_chi2`, three windows)
//! covers it in 48.9 % / 69.8 %, Student-t(1)'s 50 % / 70.5 %. Region means:
//! thinning −3.05 vs truth −2.89 (s.e. 0.13), background 0.27 vs 0.05
//! (s.e. 0.10).

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{Cycles, magg, magg_ok_in, results};

/// Granules crossing the synthetic thinning basin (order-6 cell 41226 in
/// the generator's geodetic HEALPix) and the plateau (32865): the same
/// reference ground tracks every cycle (exact repeat).
const BASIN_RGTS: &str = "5,66,127,188,256,386,454,576,698,828,957,1079,1201,1331";
const PLATEAU_RGTS: &str = "20,120,203,303,401,501,584,684,806,904";

/// Two boxes around those cells (geodetic degrees).
const REGION: &str = r#"{"type": "MultiPolygon", "coordinates": [
  [[[-108, -76.2], [-102, -76.2], [-102, -74.8], [-108, -74.8], [-108, -76.2]]],
  [[[55, -80.5], [65, -80.5], [65, -79.5], [55, -79.5], [55, -80.5]]]]}"#;

/// Generates cycles 21, 22 and 23 into `dir/g` (once per test process).
fn data() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = common::process_dir("time-");
        let generator = magg_testkit::shared_dir().join("data/make_atl06.py");
        let script = r#"
import sys, runpy
gen, out, basin, plateau = sys.argv[1:5]
mod = runpy.run_path(gen)
for cycle in (21, 22, 23):
    common = ["--out", out, "--cycle", str(cycle), "--density", "0.05", "--dhdt", "--lean", "-j", "1"]
    mod["main"](common + ["--rgts", basin, "--regions", "10,12", "--select-healpix", "6:41226",
                          "--region-filter", "-76.5", "-74.5", "--index", f"basin{cycle}.jsonl"])
    mod["main"](common + ["--rgts", plateau, "--regions", "11", "--select-healpix", "6:32865",
                          "--region-filter", "-80.6", "-79.4", "--index", f"plateau{cycle}.jsonl"])
"#;
        let g = dir.join("g");
        magg_testkit::run_python(
            script,
            &[
                generator.to_str().unwrap(),
                g.to_str().unwrap(),
                BASIN_RGTS,
                PLATEAU_RGTS,
            ],
        );
        std::fs::write(dir.join("region.geojson"), REGION).unwrap();
        dir
    })
}

/// The export test's independent reference (rasterio, pyproj, mortie, zarr).
const EXPORT_REFERENCE: &str = include_str!("py/export_reference.py");

#[test]
fn three_cycles_make_three_slices_equal_to_single_runs_and_dhdt_equals_numpy() {
    let dir = data();
    let cycles = Cycles {
        dir,
        catalog_args: &["--region", "region.geojson"],
        run_args: &[],
    };
    let said = cycles.catalog("21..23", "all.json");
    assert!(
        said.contains("3 window(s) [cycle 21, cycle 22, cycle 23]"),
        "{said}"
    );
    let map = results(&dir.join("all.json"));
    let shards = map["shards"].as_object().unwrap().len();
    assert!((2..=12).contains(&shards), "{shards} shards");
    // The windowed run, not quiet: the Python lines it prints open the
    // store as printed (the cells with data in any window), without a
    // warning, and hold every observation of every window.
    let (_, err) = cycles.run("all.json", "all.zarr", &["--workers", "2", "--overwrite"]);
    let observations = results(&dir.join("all.zarr.results.json"))["totals"]["observations"]
        .as_u64()
        .unwrap();
    assert!(observations > 0);
    common::assert_snippet_runs(
        dir,
        &err,
        4,
        "",
        &format!(
            "assert cells['h_mean'].dims == ('time', 'cells'), cells['h_mean'].dims\n\
             assert int(cells['count'].values.sum()) == {observations}\n\
             assert int(ds['count'].values.sum()) == {observations}\n"
        ),
    );
    let singles = cycles.single_cycle_stores(&["21", "22", "23"]);
    let out = dir.join("reference.json");
    let mut args = vec![
        magg_testkit::shared_dir()
            .join("data")
            .to_string_lossy()
            .into_owned(),
        dir.join("all.json").to_string_lossy().into_owned(),
        dir.join("all.zarr").to_string_lossy().into_owned(),
        out.to_string_lossy().into_owned(),
    ];
    args.extend(singles);
    let script = common::with_py_modules(include_str!("time_reference.py"));
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    magg_testkit::run_python(&script, &arg_refs);
    let r = results(&out);
    eprintln!("three-cycle reference: {r:#}");
    assert_eq!(
        r["labels"],
        serde_json::json!(["cycle 21", "cycle 22", "cycle 23"])
    );
    assert!(r["cells_with_rate"].as_u64().unwrap() > 500, "{r}");
    // Recovery: dh/dt per region of the field against the truth.
    common::assert_recovery(&r, &["thinning", "background"]);

    // verify, plot a slice and the rate, report.
    let (said, _) = magg_ok_in(dir, &["verify", "all.zarr", "--catalog", "all.json"]);
    assert!(
        said.contains(&format!("{shards} consistent")) && said.contains(" 0 problem(s)"),
        "{said}"
    );
    // Verify checks window by window: a record whose windows' counts are
    // swapped (same totals) is caught, naming the window.
    let status_dir = dir.join("all.zarr/_magg/status");
    let mut records: Vec<PathBuf> = std::fs::read_dir(&status_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    records.sort();
    let (first, original, mut rec) = records
        .into_iter()
        .find_map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let rec: serde_json::Value = serde_json::from_str(&text).unwrap();
            let w = rec["windows"].as_array().unwrap();
            assert_eq!(w.len(), 3, "{text}");
            (w[0]["observations"] != w[1]["observations"]).then_some((p, text, rec))
        })
        .expect("a shard whose first two windows differ");
    let windows = rec["windows"].as_array_mut().unwrap();
    let (a, b) = (windows[0].clone(), windows[1].clone());
    windows[0] = b;
    windows[1] = a;
    std::fs::write(&first, rec.to_string()).unwrap();
    let (fine, said, err) = magg(dir, &["verify", "all.zarr", "--catalog", "all.json"]);
    assert!(
        !fine && format!("{said}{err}").contains("window cycle 21: count adds up to"),
        "{said}{err}"
    );
    std::fs::write(&first, original).unwrap();
    magg_ok_in(
        dir,
        &[
            "plot", "all.zarr", "--var", "h_mean", "--time", "cycle 22", "-o", "h22.png",
        ],
    );
    magg_ok_in(
        dir,
        &[
            "plot", "all.zarr", "--var", "h_mean", "--time", "2", "-o", "h23.png",
        ],
    );
    magg_ok_in(
        dir,
        &["plot", "all.zarr", "--var", "dhdt", "-o", "dhdt.png"],
    );
    for png in ["h22.png", "h23.png", "dhdt.png"] {
        assert!(
            std::fs::metadata(dir.join(png)).unwrap().len() > 1000,
            "{png}"
        );
    }
    // A GeoTIFF of one slice equals that slice of the store (rasterio,
    // pyproj, mortie and zarr-python: the export test's reference).
    let (_, said) = magg_ok_in(
        dir,
        &[
            "export", "all.zarr", "--var", "h_mean", "--time", "cycle 22", "-o", "h22.tif",
        ],
    );
    assert!(said.contains("time window cycle 22"), "{said}");
    let tif = dir.join("h22.tif");
    let store = dir.join("all.zarr");
    let v: serde_json::Value = serde_json::from_str(
        magg_testkit::run_python(
            EXPORT_REFERENCE,
            &[
                tif.to_str().unwrap(),
                store.to_str().unwrap(),
                "h_mean",
                "12",
                "3031",
                "time=1",
            ],
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(v["wrong"], 0, "{v}");
    assert!(v["with_data"].as_u64().unwrap() > 1000, "{v}");
    let (fine, _, err) = magg(dir, &["export", "all.zarr", "-o", "x.tif"]);
    assert!(
        !fine && err.contains("--time") && err.contains("cycle 21"),
        "{err}"
    );
    let (fine, _, err) = magg(dir, &["plot", "all.zarr", "--var", "h_mean", "-o", "x.png"]);
    assert!(!fine && err.contains("--time"), "{err}");
    let (fine, _, err) = magg(
        dir,
        &[
            "plot", "all.zarr", "--var", "h_mean", "--time", "cycle 9", "-o", "x.png",
        ],
    );
    assert!(
        !fine && err.contains("cycle 9") && err.contains("cycle 21"),
        "{err}"
    );
    magg_ok_in(
        dir,
        &["report", "all.zarr.results.json", "-o", "report.html"],
    );
}
