"""2-D datasets for column-selection reads (ATL03's signal_conf_ph[:, k] is
[n, 5] int8, chunked by rows), in every layout and chunk index libhdf5 writes,
with chunks as wide as the rows and chunks that split the columns.

usage: columns.py OUT_DIR ; writes cols_<libver>.h5, and values/<file>/<name>.bin
(float64, little-endian, the whole array as h5py reads it); prints JSON:
{file: {dataset: {"shape": [...], "chunks": [...]|null, "chunk_table": [[row0, col0], ...]|null}}}
where chunk_table lists libhdf5's own allocated chunk offsets.
"""
import json
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(11)
n = 2500
report = {}
for libver in ("earliest", "latest"):
    name = os.path.join(out, f"cols_{libver}.h5")
    conf = rng.integers(-2, 5, size=(n, 5)).astype("i1")
    heights = rng.normal(1000.0, 50.0, size=(n, 3)).astype("f4")
    specs = {
        # The ATL03 layout: chunks hold whole rows, deflate + shuffle.
        "conf_rows": dict(data=conf, chunks=(1000, 5), compression="gzip", shuffle=True),
        # Chunks that split the columns: one column, two columns (ragged edge).
        "conf_cols1": dict(data=conf, chunks=(1000, 1), compression="gzip"),
        "conf_cols2": dict(data=conf, chunks=(700, 2)),
        # Unlimited rows (extensible array / v1 B-tree) and both (v2 B-tree).
        "conf_ext": dict(data=conf, chunks=(600, 5), maxshape=(None, 5)),
        "conf_v2": dict(data=conf, chunks=(600, 2), maxshape=(None, None)),
        "heights_contiguous": dict(data=heights),
        "small_compact": None,
    }
    seen = {}
    with h5py.File(name, "w", libver=libver) as f:
        for key, kw in specs.items():
            if kw is None:
                space = h5py.h5s.create_simple((6, 4))
                plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
                plist.set_layout(h5py.h5d.COMPACT)
                dsid = h5py.h5d.create(f.id, key.encode(), h5py.h5t.NATIVE_INT16, space, plist)
                d = h5py.Dataset(dsid)
                d[...] = rng.integers(-500, 500, size=(6, 4)).astype("i2")
            else:
                d = f.create_dataset(key, **kw)
        f.create_dataset("one_d", data=np.arange(10, dtype="i4"))
        # Only some chunks written: unwritten ones read as the fill value.
        d = f.create_dataset("sparse", shape=(n, 5), dtype="f4", chunks=(500, 2), fillvalue=-9.5)
        d[1200:1800, 1:4] = rng.normal(size=(600, 3)).astype("f4")
        for key in list(specs) + ["sparse"]:
            d = f[key]
            vals = np.asarray(d[()], dtype="<f8")
            os.makedirs(os.path.join(out, "values", os.path.basename(name)), exist_ok=True)
            with open(os.path.join(out, "values", os.path.basename(name), key + ".bin"), "wb") as fh:
                fh.write(vals.tobytes())
            table = None
            if d.chunks is not None:
                table = [list(d.id.get_chunk_info(i).chunk_offset) for i in range(d.id.get_num_chunks())]
            seen[key] = {"shape": list(d.shape), "chunks": list(d.chunks) if d.chunks else None,
                         "chunk_table": table}
    report[name] = seen
json.dump(report, sys.stdout)
