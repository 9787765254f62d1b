"""Independent reference for a product's end-to-end run (h5py + numpy + mortie).

usage: product_reference.py SPEC_JSON
SPEC: {"granules": [...], "groups": [...], "lat": "/{group}/...", "lon": ...,
       "vars": {name: path}, "filters": [[path, value], ...] (kept when equal)
       or [{"path", "column" (2-D), "op": eq|ne|in, "value"}, ...],
       "child_order": 12 (default), "widened": false (default; true: the
       catalog lists shards near the points it read, so extras are allowed),
       "outputs": {name: numpy expression over v[name] (one cell's values)},
       "store": path, "map": shard map path, "box": [south, north, west, east]} (west > east: across 180°)

1. Brute force over every observation with valid coordinates (before any
   filter: the catalog lists a granule under every shard holding one of its
   points): its order-6 shard must list its granule (missed), and every
   listed (shard, granule) pair must hold a point (extra). Every point must
   lie in the box (the region is drawn around the data).
2. The statistics of every order-12 cell, from the observations passing the
   filters whose coordinates and variables are present (not the dataset's
   _FillValue, finite), against magg's Zarr store read with zarr-python:
   counts exact, every other value equal to numpy's float64 result cast to
   the store's dtype. Prints one JSON object; raises on malformed input.
"""
import json
import sys

import h5py
import mortie
import numpy as np
import zarr

spec = json.load(open(sys.argv[1]))
P, C = 6, spec.get("child_order", 12)


def valid(ds, x):
    ok = np.isfinite(x) if x.dtype.kind == "f" else np.ones(x.shape, bool)
    if "_FillValue" in ds.attrs:
        ok &= x != np.asarray(ds.attrs["_FillValue"]).astype(x.dtype).reshape(-1)[0]
    return ok


smap = json.load(open(spec["map"]))
listed = {(int(k), g["id"]) for k, gs in smap["shards"].items() for g in gs}
seen = set()
cols = {"lat": [], "lon": []} | {k: [] for k in spec["vars"]}
points = 0
in_box = True
s, n, w, e = spec["box"]
for path in spec["granules"]:
    gid = path.rsplit("/", 1)[-1]
    with h5py.File(path, "r") as f:
        for grp in spec["groups"]:
            if grp not in f:
                continue
            sub = lambda p: p.replace("{group}", grp)
            dla, dlo = f[sub(spec["lat"])], f[sub(spec["lon"])]
            lat, lon = dla[:].astype(np.float64), dlo[:].astype(np.float64)
            ok = valid(dla, dla[:]) & valid(dlo, dlo[:]) & (np.abs(lat) <= 90)
            points += int(ok.sum())
            la, lo = lat[ok], lon[ok]
            in_lon = (lo >= w) & (lo <= e) if w <= e else (lo >= w) | (lo <= e)
            in_box &= bool(np.all((la >= s) & (la <= n) & in_lon))
            for word in np.unique(mortie.geo2mort(lat[ok], lon[ok], order=P)):
                seen.add((int(word), gid))
            keep = ok.copy()
            for flt in spec["filters"]:
                if isinstance(flt, list):
                    keep &= f[sub(flt[0])][:] == flt[1]
                    continue
                x = f[sub(flt["path"])][:]
                if "column" in flt:
                    x = x[:, flt["column"]]
                op, value = flt["op"], flt["value"]
                keep &= {"eq": lambda: x == value, "ne": lambda: x != value,
                         "in": lambda: np.isin(x, value)}[op]()
            vals = {}
            for name, vp in spec["vars"].items():
                d = f[sub(vp)]
                x = d[:]
                keep &= valid(d, x)
                vals[name] = x.astype(np.float64)
            cols["lat"].append(lat[keep])
            cols["lon"].append(lon[keep])
            for name in spec["vars"]:
                cols[name].append(vals[name][keep])

out = {
    "points": points,
    "pairs_listed": len(listed),
    "missed": len(seen - listed),
    "extra": len(listed - seen),
    "all_in_box": in_box,
}
lat, lon = np.concatenate(cols["lat"]), np.concatenate(cols["lon"])
v_all = {k: np.concatenate(cols[k]) for k in spec["vars"]}
parent = mortie.mort2healpix(mortie.geo2mort(lat, lon, order=P))[0]
child = mortie.mort2healpix(mortie.geo2mort(lat, lon, order=C))[0]

root = zarr.open_group(spec["store"], mode="r")
shards = root.attrs["magg"]["spec"]["shards"]
z = root[str(C)]
got_all = {k: z[k][:] for k in spec["outputs"]}
cells_per = 4 ** (C - P)
mism = []
observations = cells = 0
stored_shards = set(shards)
out["observations_outside_stored_shards"] = int((~np.isin(parent, list(stored_shards))).sum())
for ci, shard in enumerate(shards):
    sel = parent == shard
    idx = child[sel] - shard * cells_per
    want_count = np.bincount(idx, minlength=cells_per)
    got = {k: a[ci * cells_per:(ci + 1) * cells_per] for k, a in got_all.items()}
    if not np.array_equal(got["count"], want_count):
        mism.append([shard, "count", int(np.sum(got["count"] != want_count))])
    order = np.argsort(idx, kind="stable")
    bounds = np.searchsorted(idx[order], np.arange(cells_per + 1))
    for i in np.nonzero(want_count)[0]:
        m = order[bounds[i]:bounds[i + 1]]
        v = {k: a[sel][m] for k, a in v_all.items()}
        for name, expr in spec["outputs"].items():
            if name == "count":
                continue
            g = got[name][i]
            want = np.asarray(eval(expr, {"np": np, "v": v})).astype(g.dtype)
            if not (g == want or (np.isnan(g) and np.isnan(want))):
                mism.append([shard, name, int(i), float(g), float(want)])
    observations += int(want_count.sum())
    cells += int((want_count > 0).sum())
out.update(observations=observations, cells=cells, shards=len(shards), mismatches=mism[:20],
           n_mismatches=len(mism))
print(json.dumps(out))
