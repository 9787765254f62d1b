//! The upstream polar config (`output.grid`: rectilinear, EPSG:3031,
//! 5 km, ±3,200 km, 256 × 256 tiles) end to end on the local pool:
//! `magg catalog --config` makes a map of tiles from the sample granules,
//! `magg run` writes a `(y, x)` store, `magg verify` finds it consistent,
//! and in Python the store opens in xarray + rioxarray with EPSG:3031 and
//! the grid's transform, and every cell equals an h5py + pyproj + numpy
//! reference (zagg's cell rule) over all the granules' observations.

mod common;

use common::magg;

/// The checks of the store against the reference (`py/polar_cells.py`).
const REFERENCE_PY: &str = r#"
import os, sys, glob
import numpy as np, xarray as xr, rioxarray
store, granules = sys.argv[1], sys.argv[2]
ds = xr.open_zarr(store, group="0")
assert ds.rio.crs.to_epsg() == 3031, ds.rio.crs
t = ds.rio.transform()
assert tuple(t)[:6] == (5000.0, 0.0, -3200000.0, 0.0, -5000.0, 3200000.0), t
assert ds["h_mean"].dims == ("y", "x") and ds.sizes == {"y": 1280, "x": 1280}, ds.sizes
assert float(ds.x[0]) == -3197500.0 and float(ds.y[0]) == 3197500.0
want, cells = polar_cells(sorted(glob.glob(os.path.join(granules, "*.h5"))))
for k in POLAR_VARS:
    assert_same(ds[k].values, want[k], k)
print(f"REFERENCE OK {len(cells)} cells {int(want['count'].sum())} observations")
"#;

/// h5py + pyproj + numpy statistics of the polar grid's cells.
const POLAR_CELLS_PY: &str = include_str!("py/polar_cells.py");

/// `magg export` of the polar store against the store itself: rasterio's
/// CRS, transform, size and nodata, and every pixel equal to its cell.
const EXPORT_PY: &str = r#"
import os, sys
import numpy as np, rasterio, xarray as xr, rioxarray
os.chdir(sys.argv[1])
ds = xr.open_zarr("polar.zarr", group="0")
for var in ("h_mean", "count"):
    with rasterio.open(f"{var}.tif") as src:
        band = src.read(1)
        assert src.crs.to_epsg() == 3031, src.crs
        assert tuple(src.transform)[:6] == tuple(ds.rio.transform())[:6], (src.transform, ds.rio.transform())
        assert (src.width, src.height) == (1280, 1280)
        want = ds[var].values
        assert band.dtype == want.dtype, (band.dtype, want.dtype)
        if want.dtype.kind == "f":
            assert np.isnan(src.nodata)
            same = (band == want) | (np.isnan(band) & np.isnan(want))
        else:
            assert src.nodata == ds[var].attrs.get("_FillValue", ds[var].encoding.get("_FillValue", 0))
            same = band == want
        assert same.all(), (var, int((~same).sum()))
        assert (~np.isnan(band.astype("f8")) & (band != src.nodata)).sum() > 1000
print("EXPORT OK")
"#;

#[test]
fn the_upstream_polar_config_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let upstream = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../agg/configs/upstream/atl06_polar.yaml");
    let config = upstream.to_str().unwrap();
    let granules = magg_testkit::sample_dir();
    let (ok, out, err) = magg(
        d,
        &[
            "catalog",
            "--granules",
            granules.to_str().unwrap(),
            "--config",
            config,
            "--no-chunk-index",
            "--out",
            "tiles.json",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("(all_observations rule)"), "{out}");
    let map = magg_catalog::ShardMap::read(&d.join("tiles.json")).unwrap();
    assert!(map.rectilinear.is_some() && map.shards.len() >= 2, "{out}");

    let run = [
        "run",
        "--catalog",
        "tiles.json",
        "--config",
        config,
        "--store",
        "polar.zarr",
        "--quiet",
    ];
    let (ok, _, err) = magg(d, &run);
    assert!(ok, "{err}");
    let (ok, out, err) = magg(d, &["verify", "polar.zarr", "--catalog", "tiles.json"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("0 problem(s)"), "{out}");
    // Exported as it is: the GeoTIFF is the store's grid, pixel for cell
    // (rasterio against xarray + rioxarray); the grid fixes the raster.
    for var in ["h_mean", "count"] {
        let (ok, _, err) = magg(
            d,
            &[
                "export",
                "polar.zarr",
                "--var",
                var,
                "--out",
                &format!("{var}.tif"),
            ],
        );
        assert!(ok && err.contains("1280 × 1280 pixels"), "{err}");
    }
    let said = magg_testkit::run_python(EXPORT_PY, &[d.to_str().unwrap()]);
    assert!(said.contains("EXPORT OK"), "{said}");
    let (ok, _, err) = magg(
        d,
        &[
            "export",
            "polar.zarr",
            "--resolution",
            "1000",
            "--out",
            "x.tif",
        ],
    );
    assert!(!ok && err.contains("--resolution does not apply"), "{err}");
    // The store is drawn in its own projection; a map of tiles is not
    // drawn yet: said plainly.
    let (ok, _, err) = magg(d, &["plot", "polar.zarr", "-o", "p.png"]);
    assert!(ok && err.contains("h_mean, 5 km EPSG:3031 cells"), "{err}");
    let (ok, _, err) = magg(d, &["plot", "tiles.json", "-o", "t.png"]);
    assert!(!ok && err.contains("rectilinear EPSG:3031 grid"), "{err}");
    // Resuming finds every tile done.
    let mut resume = run.to_vec();
    resume.push("--resume");
    let (ok, _, err) = magg(d, &resume);
    assert!(ok, "{err}");

    let said = magg_testkit::run_python(
        &format!(
            "{}{POLAR_CELLS_PY}{REFERENCE_PY}",
            magg_testkit::LOAD_ATL06_PY
        ),
        &[
            d.join("polar.zarr").to_str().unwrap(),
            granules.to_str().unwrap(),
        ],
    );
    assert!(said.contains("REFERENCE OK"), "{said}");
    println!("{said}");

    // A HEALPix map with the polar config is refused naming both grids.
    let (ok, _, err) = magg(
        d,
        &[
            "catalog",
            "--granules",
            granules.to_str().unwrap(),
            "--no-chunk-index",
            "--out",
            "healpix.json",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = magg(
        d,
        &[
            "run",
            "--catalog",
            "healpix.json",
            "--config",
            config,
            "--store",
            "x.zarr",
        ],
    );
    assert!(
        !ok && err.contains("\"type\":\"healpix\"") && err.contains("EPSG:3031"),
        "{err}"
    );
}
