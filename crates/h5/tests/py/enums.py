"""Enumerated datasets as pyfive's test files have them (tests/make_enum_file.py:
an h5py enum over int32, and netCDF4's committed uint8 enum type with a fill
value), plus the variants libhdf5 writes: datatype versions 1 and 3
(`libver='latest'`), a big-endian base, chunked + deflate, an enum attribute,
and a rank-3 contiguous dataset (like pyfive's enum_h5variable.hdf5).

usage: enums.py OUT_DIR ; prints {file: {dataset path: {name: value}}} as JSON.
"""
import json
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
clouds = ["stratus", "stratus", "missing", "nimbus", "cumulus", "longcloudname"]
members = {v: k for k, v in enumerate(clouds)}
members["missing"] = 255
selection = ["stratus", "nimbus", "missing", "nimbus", "longcloudname"]
data = [members[k] for k in selection]
rng = np.random.default_rng(7)
report = {}
for libver in ("earliest", "latest"):
    name = os.path.join(out, f"enums_{libver}.h5")
    seen = {}
    with h5py.File(name, "w", libver=libver) as f:
        # pyfive's enum_variable.hdf5: h5py enum over int32.
        dt = h5py.enum_dtype(members, basetype="i")
        f.create_dataset("enum_var", data=np.array(data, dtype="i4"), dtype=dt)
        # netCDF4's layout: a committed (named) enum type, uint8, fill value 255.
        f["enum_t"] = h5py.enum_dtype(members, basetype="u1")
        named = f["enum_t"]
        g = f.create_group("nc")
        g.create_dataset("enum_var", data=np.array(data, dtype="u1"), dtype=named, fillvalue=255)
        # Chunked and compressed, with unwritten chunks reading as the fill value.
        flags = {"ok": 0, "warn": 1, "bad": -2, "tep": -1}
        dt8 = h5py.enum_dtype(flags, basetype="i1")
        c = g.create_dataset("flags", shape=(3000,), dtype=dt8, chunks=(500,),
                             compression="gzip", shuffle=True, fillvalue=-1)
        c[0:1700] = rng.choice([0, 1, -2], size=1700).astype("i1")
        # Big-endian base, two bytes.
        dtbe = h5py.enum_dtype({"low": -300, "mid": 7, "high": 30000}, basetype=">i2")
        g.create_dataset("big_endian", data=np.array([7, -300, 30000, 7], dtype=">i2"), dtype=dtbe)
        # Rank 3, contiguous (pyfive's enum_h5variable.hdf5 is rank 5, contiguous).
        cube = rng.choice(list(members.values()), size=(2, 3, 4)).astype("i4")
        g.create_dataset("cube", data=cube, dtype=dt)
        # An enum attribute.
        f["enum_var"].attrs.create("kind", np.array([3, 4], dtype="i4"), dtype=dt)
        for path in ("enum_var", "nc/enum_var", "nc/flags", "nc/big_endian", "nc/cube"):
            seen["/" + path] = {k: int(v) for k, v in h5py.check_enum_dtype(f[path].dtype).items()}
    report[name] = seen
json.dump(report, sys.stdout)
