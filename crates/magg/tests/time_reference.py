"""Reference checks of a multi-window store (the three-cycle test).

Usage: time_reference.py GENERATOR_DIR SHARDMAP ALL_STORE OUT_JSON STORE_OF_WINDOW_0 ...

- xarray opens ALL_STORE (group "12") with CF decoding: `time` is a
  datetime64 coordinate at the windows' mid-times, `time_bnds` their
  bounds; xdggs still decodes it.
- Slice k of every per-window variable equals, cell by cell, the same
  variable of the single-window run STORE_OF_WINDOW_k (cells absent there
  hold the fill value), NaN where NaN.
- dhdt, dhdt_sigma, dhdt_chi2, dhdt_windows, dhdt_span equal a numpy
  weighted least-squares reference per cell (np.polyfit with w = 1/sigma,
  cov='unscaled'), from the store's own h_mean/h_sigma and mid-times.
- Recovery of the generator's dhdt_rate (cell centres via mortie): the
  fraction of cells within 1 and 2 formal sigmas, and within 1 and 2
  chi-square-scaled sigmas (cells with three windows), and per-region
  means of dhdt against the truth, written to OUT_JSON.

The time, dh/dt and recovery checks are py/dhdt_reference.py's (the test
puts py/ on sys.path), shared with py/polar_time_reference.py.
"""

import json
import sys

import numpy as np
import xarray as xr
import xdggs
import mortie

sys.path.insert(0, sys.argv[1])
import make_atl06  # noqa: E402  (the generator: dhdt_rate)
from dhdt_reference import check_cf_time, check_dhdt, recovery  # noqa: E402  (py/, on sys.path)

FILL = {"count": 0, "dhdt_windows": 0}

shardmap, all_store, out_path, singles = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
windows = json.load(open(shardmap))["windows"]
ds = xr.open_zarr(all_store, group="12")
report = {}

# --- CF time --------------------------------------------------------------
assert ds.sizes["time"] == len(windows) == len(singles), (ds.sizes, len(windows))
check_cf_time(ds, windows)
assert ds["time"].attrs.get("bounds") == "time_bnds" or ds["time"].encoding.get("bounds") == "time_bnds", ds["time"].attrs
labels = [w["label"] for w in windows]
report["labels"] = labels
decoded = ds.pipe(xdggs.decode)
assert decoded.dggs.grid_info.level == 12
report["xdggs"] = type(decoded.dggs.grid_info).__name__

# --- each slice equals the single-window run ------------------------------
cells = ds["cell_ids"].values
per_window = [v for v in ds.data_vars if "time" in ds[v].dims and v != "time_bnds"]
report["per_window_variables"] = per_window
compared = 0
for k, path in enumerate(singles):
    one = xr.open_zarr(path, group="12")
    assert "time" not in one.dims, f"{path}: a one-window store has no time dimension"
    pos = np.searchsorted(cells, one["cell_ids"].values)
    assert (cells[pos] == one["cell_ids"].values).all(), f"{path}: cells not in the windowed store"
    others = np.ones(cells.size, bool)
    others[pos] = False
    assert sorted(one.data_vars) == sorted(per_window), (path, sorted(one.data_vars), per_window)
    for v in per_window:
        a = ds[v].isel(time=k).values
        b = one[v].values
        assert a.dtype == b.dtype, (v, a.dtype, b.dtype)
        same = (a[pos] == b) | (np.isnan(a[pos]) & np.isnan(b) if a.dtype.kind == "f" else False)
        assert same.all(), f"{v} window {k}: {(~same).sum()} cells differ"
        rest = a[others]
        if a.dtype.kind == "f":
            assert np.isnan(rest).all(), f"{v} window {k}: data outside the single run's shards"
        else:
            assert (rest == FILL.get(v, 0)).all(), f"{v} window {k}: data outside"
        compared += b.size
report["values_compared"] = compared

# --- dh/dt against numpy ---------------------------------------------------
rate, sig, chi, n = check_dhdt(ds, report)

# --- recovery of the known field -------------------------------------------
lat, lon = mortie.mort2geo(ds["morton"].values)
truth = make_atl06.dhdt_rate(np.asarray(lat, float), np.asarray(lon, float))
recovery(report, rate, sig, chi, n, truth)
json.dump(report, open(out_path, "w"), indent=1)
print(json.dumps(report))
