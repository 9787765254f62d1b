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
"""

import json
import sys

import numpy as np
import xarray as xr
import xdggs
import mortie

sys.path.insert(0, sys.argv[1])
import make_atl06  # noqa: E402  (the generator: dhdt_rate)

YEAR = 365.25 * 86400.0
FILL = {"count": 0, "dhdt_windows": 0}

shardmap, all_store, out_path, singles = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
windows = json.load(open(shardmap))["windows"]
ds = xr.open_zarr(all_store, group="12")
report = {}

# --- CF time --------------------------------------------------------------
assert np.issubdtype(ds["time"].dtype, np.datetime64), ds["time"].dtype
assert ds.sizes["time"] == len(windows) == len(singles), (ds.sizes, len(windows))
starts = np.array([np.datetime64(w["start"].rstrip("Z")) for w in windows], "datetime64[ns]")
ends = np.array([np.datetime64(w["end"].rstrip("Z")) for w in windows], "datetime64[ns]")
mids = starts + (ends - starts) / 2
err = np.abs((ds["time"].values - mids).astype("timedelta64[ns]").astype(np.int64))
assert (err < 1_000_000).all(), err  # < 1 ms
assert ds["time"].attrs.get("bounds") == "time_bnds" or ds["time"].encoding.get("bounds") == "time_bnds", ds["time"].attrs
bnds = ds["time_bnds"]
assert bnds.dims == ("time", "nv"), bnds.dims
assert np.issubdtype(bnds.dtype, np.datetime64), bnds.dtype
berr = np.abs((bnds.values - np.stack([starts, ends], 1)).astype(np.int64))
assert (berr < 1_000_000).all(), berr
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
t = (ds["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9) / YEAR
h = ds["h_mean"].values.astype(np.float64)
s = ds["h_sigma"].values.astype(np.float64)
used = np.isfinite(h) & np.isfinite(s) & (s > 0)
n = used.sum(0)
assert (n == (ds["count"].values > 0).sum(0)).all(), "windows used != windows with data"
rate = np.full(cells.size, np.nan)
sig = np.full(cells.size, np.nan)
chi = np.full(cells.size, np.nan)
span = np.where(n >= 2, 0.0, np.where(n == 1, 0.0, np.nan))
for i in np.flatnonzero(n >= 2):
    m = used[:, i]
    tt, hh, ss = t[m], h[m, i], s[m, i]
    span[i] = tt.max() - tt.min()
    if span[i] <= 0:
        continue
    p, cov = np.polyfit(tt, hh, 1, w=1 / ss, cov="unscaled")
    rate[i], sig[i] = p[0], np.sqrt(cov[0, 0])
    if m.sum() > 2:
        chi[i] = np.sum(((hh - np.polyval(p, tt)) / ss) ** 2) / (m.sum() - 2)


def close(name, ref, rtol, atol):
    got = ds[name].values.astype(np.float64)
    both_nan = np.isnan(got) & np.isnan(ref)
    ok = both_nan | (np.abs(got - ref) <= atol + rtol * np.abs(ref))
    assert ok.all(), f"{name}: {(~ok).sum()} cells differ, e.g. {got[~ok][:5]} vs {ref[~ok][:5]}"
    return int((~np.isnan(ref)).sum())


report["cells_with_rate"] = close("dhdt", rate, 2e-6, 1e-6)
close("dhdt_sigma", sig, 2e-6, 1e-9)
close("dhdt_chi2", chi, 1e-4, 1e-6)
close("dhdt_span", span, 1e-6, 1e-9)
assert (ds["dhdt_windows"].values == n).all()
report["cells_by_windows"] = {str(k): int((n == k).sum()) for k in range(len(windows) + 1)}

# --- recovery of the known field -------------------------------------------
lat, lon = mortie.mort2geo(ds["morton"].values)
truth = make_atl06.dhdt_rate(np.asarray(lat, float), np.asarray(lon, float))
have = np.isfinite(rate)
z = np.abs(rate - truth) / sig
three = have & (n == 3)
zs = np.abs(rate - truth) / (sig * np.sqrt(chi))
report["formal_within_1"] = float(np.mean(z[have] < 1))
report["formal_within_2"] = float(np.mean(z[have] < 2))
report["scaled_within_1"] = float(np.mean(zs[three] < 1))
report["scaled_within_2"] = float(np.mean(zs[three] < 2))
report["median_formal_sigma"] = float(np.median(sig[have]))
report["median_abs_error"] = float(np.median(np.abs(rate - truth)[have]))
groups = {}
for name, m in (("thinning", have & (truth < -1.0)), ("background", have & (truth > 0.0))):
    e = rate[m] - truth[m]
    groups[name] = {
        "cells": int(m.sum()),
        "truth_mean": float(truth[m].mean()),
        "dhdt_mean": float(rate[m].mean()),
        "standard_error": float(e.std(ddof=1) / np.sqrt(m.sum())),
    }
report["groups"] = groups
json.dump(report, open(out_path, "w"), indent=1)
print(json.dumps(report))
