"""The straightforward Python pipeline for one shard, as `magg bench --python` times it.

h5py + numpy + mortie, no tricks: read the 5 columns of every beam of every
granule, mask quality/fill/non-finite, keep the rows whose order-6 mortie cell
is the shard, index them at order 12, group by sorting, and compute the 9
ATL06 outputs (count, h_min, h_max, h_mean weighted 1/sigma^2, h_sigma,
h_variance (population), h_q25, h_q50, h_q75 linear).

    python3 reference.py SHARD_WORD GRANULE... [--repeat N] [--needed]

Runs the whole pipeline N times (default 1) and prints one JSON object: the
seconds per stage of the fastest whole pass, observations, cells, and (with
--needed) the stored bytes of the chunks of the 5 columns that hold the
shard's rows (h5py's get_chunk_info), i.e. what an ideal reader must fetch.
"""
import json
import sys
import time

import h5py
import mortie
import numpy as np

BEAMS = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]
COLUMNS = ["latitude", "longitude", "h_li", "h_li_sigma", "atl06_quality_summary"]


def read(granules):
    cols = {c: [] for c in COLUMNS}
    for path in granules:
        with h5py.File(path, "r") as f:
            for beam in BEAMS:
                if beam not in f:
                    continue
                g = f[beam]["land_ice_segments"]
                for c in COLUMNS:
                    d = g[c]
                    v = d[:]
                    fill = d.attrs.get("_FillValue")
                    if fill is not None and c in ("h_li", "h_li_sigma", "latitude", "longitude"):
                        v = np.where(v == fill, np.nan, v.astype(np.float64))
                    cols[c].append(v)
    return {c: np.concatenate(v) if v else np.empty(0) for c, v in cols.items()}


def select(cols, shard):
    lat, lon = cols["latitude"], cols["longitude"]
    ok = (cols["atl06_quality_summary"] == 0) & np.isfinite(cols["h_li"]) & np.isfinite(cols["h_li_sigma"])
    ok &= np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90)
    lat, lon = lat[ok], lon[ok]
    parent = mortie.geo2mort(lat, lon, order=6)
    inside = parent == np.uint64(shard)
    lat, lon = lat[inside], lon[inside]
    h = cols["h_li"][ok][inside]
    s = cols["h_li_sigma"][ok][inside]
    return lat, lon, h, s


def group(cells, h, s):
    order = np.argsort(cells, kind="stable")
    cells, h, s = cells[order], h[order], s[order]
    uniq, start, count = np.unique(cells, return_index=True, return_counts=True)
    w = 1.0 / s**2
    out = {
        "count": count,
        "h_min": np.minimum.reduceat(h, start),
        "h_max": np.maximum.reduceat(h, start),
        "h_mean": np.add.reduceat(h * w, start) / np.add.reduceat(w, start),
        "h_sigma": 1.0 / np.sqrt(np.add.reduceat(w, start)),
    }
    var, q25, q50, q75 = (np.empty(len(uniq)) for _ in range(4))
    for i, (a, n) in enumerate(zip(start, count)):
        x = h[a : a + n]
        var[i] = np.var(x)
        q25[i], q50[i], q75[i] = np.quantile(x, [0.25, 0.5, 0.75])
    out.update(h_variance=var, h_q25=q25, h_q50=q50, h_q75=q75)
    return uniq, out


def needed_bytes(granules, shard):
    """Stored bytes of the chunks of the 5 columns meeting the shard's rows."""
    total, rows = 0, 0
    for path in granules:
        with h5py.File(path, "r") as f:
            for beam in BEAMS:
                if beam not in f:
                    continue
                g = f[beam]["land_ice_segments"]
                lat, lon = g["latitude"][:], g["longitude"][:]
                ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90)
                idx = np.flatnonzero(ok)
                inside = idx[mortie.geo2mort(lat[ok], lon[ok], order=6) == np.uint64(shard)]
                rows += len(inside)
                if len(inside) == 0:
                    continue
                for c in COLUMNS:
                    d = g[c]
                    if d.chunks is None:
                        total += d.id.get_storage_size()
                        continue
                    for k in np.unique(inside // d.chunks[0]):
                        total += d.id.get_chunk_info_by_coord((int(k) * d.chunks[0],)).size
    return total, rows


def one_pass(granules, shard):
    t = {}
    t0 = time.perf_counter()
    cols = read(granules)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    lat, lon, h, s = select(cols, shard)
    t["select"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cells = mortie.geo2mort(lat, lon, order=12)
    t["index"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    uniq, out = group(cells, h, s)
    t["group_reduce"] = time.perf_counter() - t0
    return t, cols, h, uniq, out


def main():
    argv = sys.argv[1:]
    repeat = 1
    if "--repeat" in argv:
        i = argv.index("--repeat")
        repeat = max(1, int(argv[i + 1]))
        del argv[i : i + 2]
    args = [a for a in argv if not a.startswith("--")]
    shard, granules = int(args[0]), args[1:]
    best = None
    for _ in range(repeat):
        run = one_pass(granules, shard)
        if best is None or sum(run[0].values()) < sum(best[0].values()):
            best = run
    t, cols, h, uniq, out = best
    result = {
        "seconds": t,
        "total_seconds": sum(t.values()),
        "passes": repeat,
        "rows_read": int(len(cols["h_li"])),
        "observations": int(len(h)),
        "cells": int(len(uniq)),
        "h_mean_sum": float(np.sum(out["h_mean"])),
    }
    if "--needed" in sys.argv:
        result["needed_bytes"], result["shard_rows"] = needed_bytes(granules, shard)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
