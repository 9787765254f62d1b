"""Time and peak memory of opening a magg store the way a user does.

usage: open_store.py STORE [GROUP]   (a local store; GROUP defaults to 12)

Runs what `magg demo` prints, step by step, and prints one JSON line:
1. `import xarray as xr, xdggs` (not counted: the baseline);
2. open: `xr.open_zarr(STORE, group=GROUP).pipe(xdggs.decode)`;
3. select: the cells with data, and their `h_mean` loaded, as the printed
   `print(cells.h_mean)` does
   (`cells = ds.isel(cells=ds["count"].values > 0); cells["h_mean"].load()`;
   in a store of several time windows, the cells with data in any window:
   `(ds["count"] > 0).any("time").values`, as `magg run` prints it);
4. load all (reported apart, not in the total): every variable of those
   cells into memory (`cells.load()`).
Wall and CPU seconds (all threads: `time.process_time`, which a busy
machine inflates less than wall time) per step. Memory is the process's
resident set (`/proc/self/status`); the peak of
each step is measured after resetting the high-water mark
(`/proc/self/clear_refs` = 5), and reported beyond the RSS after the
imports. Warnings are collected and reported (the plain open must not
warn).
"""

import json
import sys
import time
import warnings


def rss_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


store = sys.argv[1]
group = sys.argv[2] if len(sys.argv) > 2 else "12"

# The store's layout (read as plain JSON, before the timed steps).
with open(f"{store}/zarr.json") as f:
    magg = json.load(f).get("attributes", {}).get("magg", {})
layout = magg.get("layout_version", magg.get("format_version"))
shards = len(magg.get("spec", {}).get("shards", [])) or None

t = time.perf_counter()
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
import xdggs  # noqa: E402

import_seconds = time.perf_counter() - t
base_kb = rss_kb("VmRSS")

caught = []
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    reset_peak()
    t, c = time.perf_counter(), time.process_time()
    ds = xr.open_zarr(store, group=group).pipe(xdggs.decode)
    open_seconds = time.perf_counter() - t
    open_cpu = time.process_time() - c
    open_peak_kb = rss_kb("VmHWM")

    reset_peak()
    t, c = time.perf_counter(), time.process_time()
    count = ds["count"]
    if "time" in count.dims:
        populated = ds.isel(cells=(count > 0).any("time").values)
    else:
        populated = ds.isel(cells=count.values > 0)
    populated["h_mean"].load()
    select_seconds = time.perf_counter() - t
    select_cpu = time.process_time() - c
    select_peak_kb = rss_kb("VmHWM")

    reset_peak()
    t, c = time.perf_counter(), time.process_time()
    populated = populated.load()
    load_all_seconds = time.perf_counter() - t
    load_all_cpu = time.process_time() - c
    load_all_peak_kb = rss_kb("VmHWM")
    caught = [f"{x.category.__name__}: {x.message}" for x in w]

counts = populated["count"].values
print(
    json.dumps(
        {
            "store": store,
            "group": group,
            "layout_version": layout,
            "shards": shards,
            "cells": int(ds.sizes["cells"]),
            "populated": int(populated.sizes["cells"]),
            "observations": int(counts.astype(np.uint64).sum()),
            "import_seconds": round(import_seconds, 3),
            "import_rss_mb": round(base_kb / 1024, 1),
            "open_seconds": round(open_seconds, 3),
            "open_cpu_seconds": round(open_cpu, 3),
            "open_peak_mb": round((open_peak_kb - base_kb) / 1024, 1),
            "select_seconds": round(select_seconds, 3),
            "select_cpu_seconds": round(select_cpu, 3),
            "select_peak_mb": round((select_peak_kb - base_kb) / 1024, 1),
            "load_all_seconds": round(load_all_seconds, 3),
            "load_all_cpu_seconds": round(load_all_cpu, 3),
            "load_all_peak_mb": round((load_all_peak_kb - base_kb) / 1024, 1),
            "total_seconds": round(open_seconds + select_seconds, 3),
            "peak_mb": round((max(open_peak_kb, select_peak_kb) - base_kb) / 1024, 1),
            "warnings": caught,
        }
    )
)
