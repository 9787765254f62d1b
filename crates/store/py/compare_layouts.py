"""A layout-1 store (a magg before issue 20) vs a layout-2 store of the same
shard map and config, cell by cell, bit for bit, with zarr-python: every
array of every order group, every shard's cells; every data chunk of the old
store must lie in the new store's shard list; coordinates are compared where
layout 1 wrote them (only for shards with data). Not a test (layout 1 is no
longer written here): the check BENCHMARKS.md reports.

usage: python3 crates/store/py/compare_layouts.py OLD.zarr NEW.zarr"""
import json, os, sys, numpy as np, zarr
old, new = sys.argv[1], sys.argv[2]
ro, rn = zarr.open_group(old, mode="r"), zarr.open_group(new, mode="r")
assert ro.attrs["magg"]["format_version"] == 1 and rn.attrs["magg"]["layout_version"] == 2
spec = rn.attrs["magg"]["spec"]; P = spec["parent_order"]; shards = spec["shards"]
report = {"shards": len(shards)}
for k in spec["orders"]:
    go, gn = ro[str(k)], rn[str(k)]
    span = 4 ** (k - P)
    names = [v["name"] for v in spec["variables"]]
    # Every data chunk the old store holds is one of the new store's shards.
    old_chunks = {int(f) for f in os.listdir(f"{old}/{k}/count/c")}
    assert old_chunks <= set(shards), sorted(old_chunks - set(shards))[:5]
    cells = 0; populated = 0; obs = 0; coord_shards = 0
    for name in names + ["cell_ids", "morton"]:
        a_new = gn[name][:]
        assert a_new.shape == (len(shards) * span,)
        a_old = go[name]
        for i, n in enumerate(shards):
            o = a_old[n * span:(n + 1) * span]
            w = a_new[i * span:(i + 1) * span]
            if name in ("cell_ids", "morton"):
                if name == "cell_ids" and o[0] == np.uint64(2**64 - 1):
                    continue  # layout 1 wrote coordinates only for shards with data
                if name == "morton" and o[0] == 0:
                    continue
                coord_shards += name == "cell_ids"
            ub = lambda x: x.view(f"u{x.dtype.itemsize}")
            bad = np.flatnonzero(ub(o) != ub(w))
            assert bad.size == 0, (k, name, n, bad[:5], o[bad[:5]], w[bad[:5]])
        if name == "count":
            cells = a_new.size; populated = int((a_new > 0).sum()); obs = int(a_new.astype(np.uint64).sum())
    report[str(k)] = {"cells": cells, "populated": populated, "observations": obs,
                      "arrays_compared": len(names) + 2, "shards_with_old_coordinates": coord_shards,
                      "old_data_chunks": len(old_chunks)}
print(json.dumps(report))
print("IDENTICAL: every value of every array, every shard, bit for bit")
