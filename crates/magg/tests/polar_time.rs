//! Time windows and elevation change on the upstream polar grid
//! (rectilinear EPSG:3031, 5 km, 256 × 256 tiles), through the CLI: three
//! cycles of generated granules with a known elevation change
//! (`make_atl06.py --dhdt`, the thinning basin's tracks) →
//! `magg catalog --cycles 21..23 --config atl06_polar.yaml` (a map of
//! tiles with three windows) → `magg run` → a store whose per-window
//! variables are `(time, y, x)`, chunk (window, tile), with dh/dt over the
//! windows as `(y, x)` variables. Checked against independent references
//! (`py/polar_time_reference.py`): every slice equals a single-cycle run
//! and an h5py + pyproj + numpy reference per cell; xarray + rioxarray
//! open it with EPSG:3031, the grid's transform and a decoded CF `time`;
//! dh/dt, its error, χ², windows used and span equal numpy's weighted
//! least squares per cell; the recovery of `dhdt_rate` is reported. Also
//! `magg verify` window by window, `magg export --time` (rasterio against
//! the store's slice) and `magg plot --time`.
//!
//! Measured (2026-12-03, printed by the test): 807 cells with a rate; the
//! formal error (from the windows' sigmas alone) covers the truth in 1.9 %
//! (1σ) / 4.0 % (2σ) of cells — the field varies inside a 5 km cell and
//! between tracks more than the sigma of the mean says — while the
//! χ²-scaled error (three windows) covers it in 50.4 % / 70.3 %,
//! Student-t(1)'s 50 % / 70.5 %; basin mean −3.18 vs truth −2.85 m/yr
//! (s.e. 0.56). The plot: 182,844 pixels in cells with data, all drawn;
//! 96 % of the pixels in cells without data clear (the rest: graticule,
//! labels); rank correlation of luminance and value 0.9999.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{Cycles, magg, magg_ok_in, results};

/// Granules crossing the synthetic thinning basin (the generator's
/// order-6 cell 41226), every cycle the same tracks.
const BASIN_RGTS: &str = "5,66,127,188,256,386,454,576,698,828,957,1079,1201,1331";

/// h5py + pyproj + numpy statistics of the polar grid's cells.
const POLAR_CELLS_PY: &str = include_str!("py/polar_cells.py");
/// The three-window reference.
const REFERENCE_PY: &str = include_str!("py/polar_time_reference.py");

/// rasterio's GeoTIFF of a slice against the store's slice.
const EXPORT_PY: &str = r#"
import os, sys
import numpy as np, rasterio, xarray as xr, rioxarray
os.chdir(sys.argv[1])
ds = xr.open_zarr("all.zarr", group="0")
for tif, want in (("h22.tif", ds["h_mean"].isel(time=1)), ("c23.tif", ds["count"].isel(time=2)),
                  ("dhdt.tif", ds["dhdt"])):
    with rasterio.open(tif) as src:
        band = src.read(1)
        assert src.crs.to_epsg() == 3031, src.crs
        assert tuple(src.transform)[:6] == tuple(want.rio.transform())[:6], (src.transform, want.rio.transform())
        w = want.values
        assert band.dtype == w.dtype, (tif, band.dtype, w.dtype)
        if w.dtype.kind == "f":
            assert np.isnan(src.nodata)
            same = (band == w) | (np.isnan(band) & np.isnan(w))
        else:
            assert src.nodata == 0
            same = band == w
        assert same.all(), (tif, int((~same).sum()))
        assert (~np.isnan(band.astype("f8")) & (band != src.nodata)).sum() > 100, tif
print("EXPORT OK")
"#;

/// `magg plot --time` of a slice against the store: the PNG, placed by
/// its world file (rasterio), shows data exactly in the cells with data
/// and its colours follow the values (viridis' lightness rises with the
/// value: rank correlation of pixel luminance and cell value).
const PLOT_PY: &str = r#"
import os, subprocess, sys
import numpy as np, rasterio, xarray as xr, rioxarray
magg, d = sys.argv[1], sys.argv[2]
os.chdir(d)
ds = xr.open_zarr("all.zarr", group="0")
v = ds["h_mean"].isel(time=1).values.astype("f8")
lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
subprocess.run([magg, "plot", "all.zarr", "--var", "h_mean", "--time", "cycle 22", "--vmin", repr(lo),
                "--vmax", repr(hi), "--world-file", "-o", "h22.png"], check=True)
with rasterio.open("h22.png") as src:
    rgb = src.read()[:3].transpose(1, 2, 0).astype(np.int64)
    t = src.transform
rows, cols = np.indices(rgb.shape[:2])
# The map panel (magg-viz's layout at the default 1100 x 950).
panel = (cols >= 57) & (cols < 939) & (rows >= 81) & (rows < 893)
x = t.c + (cols + 0.5) * t.a
y = t.f + (rows + 0.5) * t.e
fx, fy = (x + 3200000.0) / 5000.0, (3200000.0 - y) / 5000.0
col, row = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
margin = np.minimum.reduce([fx - col, col + 1 - fx, fy - row, row + 1 - fy]) * 5000.0 / abs(t.a)
inside = panel & (margin > 1.5) & (col >= 0) & (col < 1280) & (row >= 0) & (row < 1280)
value = np.full(rgb.shape[:2], np.nan)
value[inside] = v[row[inside], col[inside]]
data = inside & np.isfinite(value)
empty = inside & ~np.isfinite(value)
background = np.zeros(rgb.shape[:2], bool)
for c in ((226, 236, 244), (200, 200, 200)):  # ocean, region without data
    background |= (rgb == c).all(-1)
n_data, n_empty = int(data.sum()), int(empty.sum())
assert n_data > 1000 and n_empty > 1000, (n_data, n_empty)
drawn = float((data & ~background).sum()) / n_data
clear = float((empty & background).sum()) / n_empty
assert drawn > 0.97, drawn   # (labels and the scale bar may cover a few)
assert clear > 0.90, clear   # (graticule lines, labels)
m = data & ~background
lum = (rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722)[m]
rank = lambda a: np.argsort(np.argsort(a, kind="stable"), kind="stable").astype("f8")
rho = float(np.corrcoef(rank(lum), rank(value[m]))[0, 1])
assert rho > 0.98, rho
print(f"PLOT OK data pixels {n_data} drawn {drawn:.4f} empty pixels {n_empty} clear {clear:.4f} rank correlation {rho:.4f}")
"#;

/// Generates cycles 21, 22 and 23 into `dir/g` (once per test process).
fn data() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = common::process_dir("polar-time-");
        let generator = magg_testkit::shared_dir().join("data/make_atl06.py");
        let script = r#"
import sys, runpy
gen, out, basin = sys.argv[1:4]
mod = runpy.run_path(gen)
for cycle in (21, 22, 23):
    mod["main"](["--out", out, "--cycle", str(cycle), "--density", "0.05", "--dhdt", "--lean",
                 "-j", "1", "--rgts", basin, "--regions", "10,12", "--select-healpix", "6:41226",
                 "--region-filter", "-76.5", "-74.5", "--index", f"basin{cycle}.jsonl"])
"#;
        let g = dir.join("g");
        magg_testkit::run_python(
            script,
            &[generator.to_str().unwrap(), g.to_str().unwrap(), BASIN_RGTS],
        );
        dir
    })
}

fn config() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../agg/configs/upstream/atl06_polar.yaml")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn three_cycles_on_the_polar_grid_make_slices_equal_to_single_runs_and_dhdt_equals_numpy() {
    let dir = data();
    let config = config();
    let cycles = Cycles {
        dir,
        catalog_args: &["--config", &config, "--no-chunk-index"],
        run_args: &["--config", &config],
    };
    let said = cycles.catalog("21..23", "all.json");
    assert!(
        said.contains("3 window(s) [cycle 21, cycle 22, cycle 23]"),
        "{said}"
    );
    let map = magg_catalog::ShardMap::read(&dir.join("all.json")).unwrap();
    assert!(map.rectilinear.is_some(), "{said}");
    let tiles = map.shards.len();
    assert!((1..=8).contains(&tiles), "{tiles} tiles");
    // The windowed run, not quiet: the Python lines it prints open the
    // store as printed, without a warning (but the PendingDeprecationWarning
    // rioxarray's transform triggers in affine 2.4, which Python hides by
    // default: not about the store).
    let (_, err) = cycles.run("all.json", "all.zarr", &["--workers", "2", "--overwrite"]);
    common::assert_snippet_runs(
        dir,
        &err,
        4,
        "warnings.simplefilter('ignore', PendingDeprecationWarning)\n",
        "assert ds['h_mean'].dims == ('time', 'y', 'x') and ds.rio.crs.to_epsg() == 3031\n",
    );
    let singles = cycles.single_cycle_stores(&["21", "22", "23"]);
    // Chunk (window, tile): the store's keys say so.
    let (row, col) = {
        let grid = magg_grid::RectilinearGrid::new(map.rectilinear.as_ref().unwrap()).unwrap();
        let tile = *map.shards.keys().next().unwrap();
        grid.tile(tile).unwrap()
    };
    for w in 0..3 {
        let key = dir.join(format!("all.zarr/0/count/c/{w}/{row}/{col}"));
        assert!(key.exists(), "{}", key.display());
    }
    assert!(dir.join(format!("all.zarr/0/dhdt/c/{row}/{col}")).exists());

    let out = dir.join("reference.json");
    let args = [
        magg_testkit::shared_dir()
            .join("data")
            .to_string_lossy()
            .into_owned(),
        dir.join("all.json").to_string_lossy().into_owned(),
        dir.join("all.zarr").to_string_lossy().into_owned(),
        dir.join("g").to_string_lossy().into_owned(),
        out.to_string_lossy().into_owned(),
    ];
    let arg_refs: Vec<&str> = args.iter().chain(&singles).map(String::as_str).collect();
    magg_testkit::run_python(
        &common::with_py_modules(&format!(
            "{}{POLAR_CELLS_PY}{REFERENCE_PY}",
            magg_testkit::LOAD_ATL06_PY
        )),
        &arg_refs,
    );
    let r = results(&out);
    eprintln!("polar three-cycle reference: {r:#}");
    assert!(r["cells_with_rate"].as_u64().unwrap() > 300, "{r}");
    // Recovery: the mean rate over the basin's cells against the truth
    // (the plateau is not in these granules).
    common::assert_recovery(&r, &["thinning"]);

    // verify, window by window.
    let (said, _) = magg_ok_in(dir, &["verify", "all.zarr", "--catalog", "all.json"]);
    assert!(
        said.contains(&format!("{tiles} consistent")) && said.contains(" 0 problem(s)"),
        "{said}"
    );
    // Resuming finds every tile done.
    let (_, err) = cycles.run("all.json", "all.zarr", &["--resume"]);
    assert!(
        err.contains(&format!("{tiles} skipped (already complete)")),
        "{err}"
    );

    // GeoTIFFs of a slice and of the rate equal the store's (rasterio).
    for (args, says) in [
        (
            &["--var", "h_mean", "--time", "cycle 22", "-o", "h22.tif"][..],
            "time window cycle 22",
        ),
        (
            &["--var", "count", "--time", "2", "-o", "c23.tif"],
            "cycle 23",
        ),
        (&["--var", "dhdt", "-o", "dhdt.tif"], "1280 × 1280"),
    ] {
        let mut a = vec!["export", "all.zarr"];
        a.extend_from_slice(args);
        let (_, err) = magg_ok_in(dir, &a);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let said = magg_testkit::run_python(EXPORT_PY, &[dir.to_str().unwrap()]);
    assert!(said.contains("EXPORT OK"), "{said}");
    let (fine, _, err) = magg(
        dir,
        &["export", "all.zarr", "--var", "h_mean", "-o", "x.tif"],
    );
    assert!(
        !fine && err.contains("--time") && err.contains("cycle 21"),
        "{err}"
    );
    let (fine, _, err) = magg(
        dir,
        &[
            "export", "all.zarr", "--var", "dhdt", "--time", "1", "-o", "x.tif",
        ],
    );
    assert!(!fine && err.contains("no time dimension"), "{err}");

    // plot: a slice in the grid's projection, its pixels following the
    // store; the rate (no time); --time needed for a slice.
    let said = magg_testkit::run_python(
        PLOT_PY,
        &[env!("CARGO_BIN_EXE_magg"), dir.to_str().unwrap()],
    );
    assert!(said.contains("PLOT OK"), "{said}");
    println!("{said}");
    let (_, err) = magg_ok_in(
        dir,
        &[
            "plot",
            "all.zarr",
            "--var",
            "dhdt",
            "--cmap",
            "diverging",
            "-o",
            "dhdt.png",
        ],
    );
    assert!(err.contains("5 km EPSG:3031 cells"), "{err}");
    let (fine, _, err) = magg(dir, &["plot", "all.zarr", "--var", "h_mean", "-o", "x.png"]);
    assert!(!fine && err.contains("--time"), "{err}");
}
