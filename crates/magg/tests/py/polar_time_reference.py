# Reference checks of a three-window store on the upstream polar grid
# (prepended: LOAD_ATL06_PY and py/polar_cells.py).
#
# Usage: GENERATOR_DIR SHARDMAP ALL_STORE GRANULES OUT_JSON STORE_OF_WINDOW_0 ...
#
# - xarray + rioxarray open ALL_STORE (group "0"): EPSG:3031, the grid's
#   transform, per-window variables (time, y, x), derived ones (y, x);
#   `time` decodes to the windows' mid-times (datetime64) with `time_bnds`.
# - Slice k of every per-window variable equals the single-window run
#   STORE_OF_WINDOW_k, and the h5py + pyproj + numpy statistics of window
#   k's granules (cycle from the file name), cell by cell.
# - dhdt, dhdt_sigma, dhdt_chi2, dhdt_windows, dhdt_span equal numpy's
#   weighted least squares per cell (np.polyfit, w = 1/sigma,
#   cov="unscaled") on the store's own h_mean / h_sigma and mid-times.
# - Recovery of the generator's dhdt_rate at the cell centres (pyproj
#   inverse), written to OUT_JSON.
# The time, dh/dt and recovery checks are dhdt_reference.py's (the test puts
# this folder on sys.path), shared with ../time_reference.py.
import glob, json, os, sys
import numpy as np, xarray as xr, rioxarray
from pyproj import Transformer

sys.path.insert(0, sys.argv[1])
import make_atl06  # noqa: E402  (the generator: dhdt_rate)
from dhdt_reference import check_cf_time, check_dhdt, recovery  # noqa: E402  (py/, on sys.path)

shardmap, all_store, granules, out_path, singles = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
windows = json.load(open(shardmap))["windows"]
ds = xr.open_zarr(all_store, group="0")
report = {}

# --- grid and CF time ------------------------------------------------------
assert ds.rio.crs.to_epsg() == 3031, ds.rio.crs
assert tuple(ds.rio.transform())[:6] == (5000.0, 0.0, -3200000.0, 0.0, -5000.0, 3200000.0)
assert ds["h_mean"].dims == ("time", "y", "x"), ds["h_mean"].dims
assert ds["dhdt"].dims == ("y", "x"), ds["dhdt"].dims
assert ds.sizes["time"] == len(windows) == len(singles) == 3, ds.sizes
check_cf_time(ds, windows)
# rioxarray sees a slice georeferenced too.
sl = ds["h_mean"].isel(time=1)
assert sl.rio.crs.to_epsg() == 3031 and sl.rio.transform() == ds.rio.transform()
report["labels"] = [w["label"] for w in windows]

# --- each slice: the single-window run and the h5py reference ---------------
files = sorted(glob.glob(os.path.join(granules, "*.h5")))
cycle_of = lambda f: int(os.path.basename(f).split("_")[2][4:6])
per_window = [v for v in ds.data_vars if "time" in ds[v].dims and v != "time_bnds"]
assert sorted(per_window) == sorted(POLAR_VARS), per_window
report["cells_per_window"] = []
for k, (w, path) in enumerate(zip(windows, singles)):
    cycle = int(w["label"].split()[-1])
    want, cells = polar_cells([f for f in files if cycle_of(f) == cycle])
    one = xr.open_zarr(path, group="0")
    assert "time" not in one.dims
    for v in POLAR_VARS:
        a = ds[v].isel(time=k).values
        b = one[v].values
        assert a.dtype == b.dtype, (v, a.dtype, b.dtype)
        assert_same(a, b.reshape(-1), f"{v} window {k} vs single run")
        assert_same(a, want[v], f"{v} window {k} vs h5py + pyproj + numpy")
    report["cells_per_window"].append(int(len(cells)))

# --- dh/dt against numpy ----------------------------------------------------
rate, sig, chi, n = check_dhdt(ds, report)

# --- recovery of the known field at the cell centres -------------------------
X, Y = np.meshgrid(ds.x.values, ds.y.values)
lon, lat = Transformer.from_crs("EPSG:3031", "EPSG:4326", always_xy=True).transform(X.reshape(-1), Y.reshape(-1))
truth = make_atl06.dhdt_rate(np.asarray(lat, float), np.asarray(lon, float))
recovery(report, rate, sig, chi, n, truth)
json.dump(report, open(out_path, "w"), indent=1)
print(json.dumps(report))
