"""Independent reference for magg's ATL06 aggregation: h5py + numpy + mortie.

usage: reference.py STORE SHARD_NESTED[,...] GRANULE...
Computes, for each shard (order-6 nested id), the default ATL06 statistics
per order-12 cell straight from the granules, reads magg's Zarr store
(layout 3 without windows: chunk i = the i-th of the store's shards in nested order) with
zarr-python, xarray and xdggs, compares, and prints one JSON line of totals.
Raises on any disagreement.
"""
import json, sys
import h5py, numpy as np, mortie, zarr, xarray as xr, xdggs

store, shards, granules = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], sys.argv[3:]
P, C = 6, 12
BEAMS = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]

cols = {k: [] for k in ("lat", "lon", "h", "s")}
for g in granules:
    with h5py.File(g, "r") as f:
        for b in BEAMS:
            if b not in f:
                continue
            d = f[b]["land_ice_segments"]
            lat, lon = d["latitude"][:], d["longitude"][:]
            h, s, q = d["h_li"][:], d["h_li_sigma"][:], d["atl06_quality_summary"][:]
            hf, sf = d["h_li"].attrs["_FillValue"], d["h_li_sigma"].attrs["_FillValue"]
            ok = (q == 0) & (h != hf) & (s != sf) & np.isfinite(h) & np.isfinite(s) & np.isfinite(lat) & np.isfinite(lon)
            for k, v in zip(("lat", "lon", "h", "s"), (lat, lon, h, s)):
                cols[k].append(v[ok])
lat, lon = np.concatenate(cols["lat"]), np.concatenate(cols["lon"])
h = np.concatenate(cols["h"]).astype(np.float64)
s = np.concatenate(cols["s"]).astype(np.float64)
parent = mortie.mort2healpix(mortie.geo2mort(lat, lon, order=P))[0]
child = mortie.mort2healpix(mortie.geo2mort(lat, lon, order=C))[0]

root = zarr.open_group(store, mode="r")
assert root.attrs["magg"]["layout_version"] == 3
order = root.attrs["magg"]["spec"]["shards"]
assert order == sorted(shards), (order, shards)
z = root[str(C)]
# As `magg demo` prints it: no flags, no warnings.
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("error")
    ds = xr.open_zarr(store, group=str(C))
decoded = ds.pipe(xdggs.decode)
assert decoded.dggs.grid_info.level == C, decoded.dggs.grid_info
NAMES = ("count", "h_min", "h_max", "h_mean", "h_sigma", "h_variance", "h_q25", "h_q50", "h_q75", "cell_ids", "morton")
values = {k: decoded[k].values for k in NAMES}
for k in NAMES:
    assert np.array_equal(values[k], z[k][:], equal_nan=k not in ("count", "cell_ids", "morton")), k

totals = {"observations": 0, "cells": 0}
n = 4 ** (C - P)
populated_ids = []
for ci, shard in enumerate(order):
    sel = parent == shard
    cells = child[sel] - shard * n
    hh, ss = h[sel], s[sel]
    start = shard * n
    got = {k: v[ci * n:(ci + 1) * n] for k, v in values.items()}
    assert np.array_equal(got["cell_ids"], np.arange(start, start + n, dtype=np.uint64))
    assert np.array_equal(got["morton"], np.asarray(mortie.generate_morton_children(int(mortie.norm2mort(shard & (4**P - 1), shard >> (2 * P), P)), C), dtype=np.uint64))
    want_count = np.bincount(cells, minlength=n)
    assert np.array_equal(got["count"], want_count), (shard, np.nonzero(got["count"] != want_count))
    for i in np.nonzero(want_count)[0]:
        m = cells == i
        x, sig = hh[m], ss[m]
        w = 1.0 / sig ** 2
        ref = {
            "h_min": x.min(), "h_max": x.max(), "h_mean": np.average(x, weights=w),
            "h_sigma": 1.0 / np.sqrt(np.sum(w)), "h_variance": np.var(x),
            "h_q25": np.quantile(x, 0.25), "h_q50": np.quantile(x, 0.5), "h_q75": np.quantile(x, 0.75),
        }
        for k, v in ref.items():
            g = got[k][i]
            assert np.isclose(g, np.float32(v), rtol=1e-6, atol=1e-9), (shard, i, k, g, v)
    empty = want_count == 0
    assert np.all(np.isnan(got["h_mean"][empty])), "empty cells hold the fill value"
    # morton words of populated cells are mortie's words of those cells
    pop = np.nonzero(want_count)[0]
    words = mortie.geo2mort(lat[sel], lon[sel], order=C)
    by_cell = dict(zip((child[sel] - start).tolist(), words.tolist()))
    for i in pop:
        assert int(got["morton"][i]) == int(by_cell[int(i)]), (shard, i)
    totals["observations"] += int(want_count.sum())
    totals["cells"] += int((want_count > 0).sum())
    populated_ids.append(start + pop.astype(np.uint64))
# The populated cells, selected as `magg demo` prints it.
populated = decoded.isel(cells=decoded["count"].values > 0)
assert np.array_equal(populated.cell_ids.values, np.concatenate(populated_ids))
print(json.dumps(totals))
