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
import glob, json, os, sys
import numpy as np, xarray as xr, rioxarray
from pyproj import Transformer

sys.path.insert(0, sys.argv[1])
import make_atl06  # noqa: E402  (the generator: dhdt_rate)

YEAR = 365.25 * 86400.0
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
assert np.issubdtype(ds["time"].dtype, np.datetime64), ds["time"].dtype
starts = np.array([np.datetime64(w["start"].rstrip("Z")) for w in windows], "datetime64[ns]")
ends = np.array([np.datetime64(w["end"].rstrip("Z")) for w in windows], "datetime64[ns]")
mids = starts + (ends - starts) / 2
err = np.abs((ds["time"].values - mids).astype("timedelta64[ns]").astype(np.int64))
assert (err < 1_000_000).all(), err  # < 1 ms
bnds = ds["time_bnds"]
assert bnds.dims == ("time", "nv") and np.issubdtype(bnds.dtype, np.datetime64), (bnds.dims, bnds.dtype)
berr = np.abs((bnds.values - np.stack([starts, ends], 1)).astype(np.int64))
assert (berr < 1_000_000).all(), berr
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
t = (ds["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9) / YEAR
h = ds["h_mean"].values.astype(np.float64).reshape(3, -1)
s = ds["h_sigma"].values.astype(np.float64).reshape(3, -1)
used = np.isfinite(h) & np.isfinite(s) & (s > 0)
n = used.sum(0)
assert (n == (ds["count"].values.reshape(3, -1) > 0).sum(0)).all()
N = h.shape[1]
rate, sig, chi = (np.full(N, np.nan) for _ in range(3))
span = np.where(n >= 1, 0.0, np.nan)
for i in np.flatnonzero(n >= 2):
    m = used[:, i]
    tt, hh, ss = t[m], h[m, i], s[m, i]
    span[i] = tt.max() - tt.min()
    p, cov = np.polyfit(tt, hh, 1, w=1 / ss, cov="unscaled")
    rate[i], sig[i] = p[0], np.sqrt(cov[0, 0])
    if m.sum() > 2:
        chi[i] = np.sum(((hh - np.polyval(p, tt)) / ss) ** 2) / (m.sum() - 2)


def close(name, ref, rtol, atol):
    got = ds[name].values.astype(np.float64).reshape(-1)
    both_nan = np.isnan(got) & np.isnan(ref)
    ok = both_nan | (np.abs(got - ref) <= atol + rtol * np.abs(ref))
    assert ok.all(), f"{name}: {(~ok).sum()} cells differ, e.g. {got[~ok][:5]} vs {ref[~ok][:5]}"
    return int((~np.isnan(ref)).sum())


report["cells_with_rate"] = close("dhdt", rate, 2e-6, 1e-6)
close("dhdt_sigma", sig, 2e-6, 1e-9)
close("dhdt_chi2", chi, 1e-4, 1e-6)
close("dhdt_span", span, 1e-6, 1e-9)
assert (ds["dhdt_windows"].values.reshape(-1) == n).all()
report["cells_by_windows"] = {str(k): int((n == k).sum()) for k in range(4)}

# --- recovery of the known field at the cell centres -------------------------
X, Y = np.meshgrid(ds.x.values, ds.y.values)
lon, lat = Transformer.from_crs("EPSG:3031", "EPSG:4326", always_xy=True).transform(X.reshape(-1), Y.reshape(-1))
truth = make_atl06.dhdt_rate(np.asarray(lat, float), np.asarray(lon, float))
have = np.isfinite(rate)
three = have & (n == 3)
report["formal_within_1"] = float(np.mean(np.abs(rate - truth)[have] < sig[have]))
report["formal_within_2"] = float(np.mean(np.abs(rate - truth)[have] < 2 * sig[have]))
scaled = sig * np.sqrt(chi)
report["scaled_within_1"] = float(np.mean(np.abs(rate - truth)[three] < scaled[three]))
report["scaled_within_2"] = float(np.mean(np.abs(rate - truth)[three] < 2 * scaled[three]))
groups = {}
for name, m in (("thinning", have & (truth < -1.0)), ("background", have & (truth > 0.0))):
    e = rate[m] - truth[m]
    groups[name] = {
        "cells": int(m.sum()),
        "truth_mean": float(truth[m].mean()) if m.any() else None,
        "dhdt_mean": float(rate[m].mean()) if m.any() else None,
        "standard_error": float(e.std(ddof=1) / np.sqrt(m.sum())) if m.sum() > 1 else None,
    }
report["groups"] = groups
json.dump(report, open(out_path, "w"), indent=1)
print(json.dumps(report))
