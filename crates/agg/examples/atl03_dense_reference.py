"""The h5py + numpy + mortie reference of `examples/atl03_dense.rs`.

usage: atl03_dense_reference.py SHARD_WORD GRANULE...

Reads every photon of every beam whole (h5py), keeps the shard's photons
(mortie) that pass the built-in atl03 config's filters, and computes its
order-12 cell statistics with numpy (count, mean, median, std ddof 1, min,
max: one sort by cell, then per-cell numpy calls). Also counts the stored
bytes of the chunks holding at least one of the shard's photons, for every
photon dataset the config reads (lat_ph, lon_ph, h_ph, signal_conf_ph).
Prints one JSON object: photons in the shard, kept, cells, the chunk bytes,
and its own CPU and wall seconds.
"""
import json
import sys
import time

import h5py
import mortie
import numpy as np

t0, c0 = time.perf_counter(), time.process_time()
shard = int(sys.argv[1])
photons = kept = 0
needed = 0
hs, cells = [], []
for path in sys.argv[2:]:
    with h5py.File(path, "r") as f:
        for b in ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]:
            if b not in f:
                continue
            g = f[b + "/heights"]
            lat, lon = g["lat_ph"][:], g["lon_ph"][:]
            inside = mortie.geo2mort(lat, lon, order=6) == shard
            if not inside.any():
                continue
            photons += int(inside.sum())
            conf = g["signal_conf_ph"][:]
            h = g["h_ph"][:]
            keep = inside & (conf[:, 0] != -2) & np.isin(conf[:, 3], [3, 4])
            keep &= np.isfinite(h) & (h != np.float32(np.finfo(np.float32).max))
            kept += int(keep.sum())
            hs.append(h[keep].astype(np.float64))
            cells.append(mortie.geo2mort(lat[keep], lon[keep], order=12))
            rows = np.nonzero(inside)[0]
            for name in ["lat_ph", "lon_ph", "h_ph", "signal_conf_ph"]:
                ds = g[name]
                c = ds.chunks[0]
                for k in np.unique(rows // c):
                    needed += ds.id.get_chunk_info_by_coord((int(k) * c,) + (0,) * (ds.ndim - 1)).size
h = np.concatenate(hs)
cell = np.concatenate(cells)
order = np.argsort(cell, kind="stable")
h, cell = h[order], cell[order]
uniq, start = np.unique(cell, return_index=True)
bounds = list(start) + [len(cell)]
stats = []
for i in range(len(uniq)):
    v = h[bounds[i]:bounds[i + 1]]
    stats.append((len(v), np.mean(v), np.median(v), np.std(v, ddof=1), np.min(v), np.max(v)))
cpu, wall = time.process_time() - c0, time.perf_counter() - t0
print(json.dumps({"photons": photons, "kept": kept, "cells": len(uniq),
                  "needed_bytes": int(needed), "cpu_s": cpu, "wall_s": wall}))
