"""Dump every object of HDF5 files as h5py reads them (the reference).

usage: dump.py OUT_DIR FILE... ; prints a JSON manifest on stdout and writes
numeric dataset values, little-endian, to OUT_DIR/<n>.bin.
"""
import json
import os
import sys

import h5py
import numpy as np


def strs(a):
    return [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in np.asarray(a, dtype=object).ravel()]


def value(v):
    a = np.asarray(v)
    if a.dtype.kind in "SUO":
        return {"s": strs(a)}
    if a.dtype.kind in "iub":
        return {"i": [str(int(x)) for x in a.ravel()]}
    if a.dtype.kind == "f":
        return {"f": [repr(float(x)) for x in a.ravel()]}
    return {"other": a.dtype.str}


def attrs(obj):
    return {k: value(obj.attrs[k]) for k in obj.attrs.keys()}


out = sys.argv[1]
n = 0
manifest = []
for fname in sys.argv[2:]:
    objects = []
    with h5py.File(fname, "r") as f:
        items = []
        f.visititems(lambda name, obj: items.append((name, obj)))
        objects.append({"path": "/", "kind": "group", "attrs": attrs(f)})
        for name, obj in items:
            path = "/" + name
            if isinstance(obj, h5py.Datatype):
                continue  # a committed datatype: not data
            if isinstance(obj, h5py.Group):
                objects.append({"path": path, "kind": "group", "attrs": attrs(obj)})
                continue
            d = obj
            e = {
                "path": path,
                "kind": "dataset",
                "shape": list(d.shape),
                "dtype": d.dtype.str,
                "chunks": list(d.chunks) if d.chunks else None,
                "compression": d.compression,
                "shuffle": bool(d.shuffle),
                "fletcher32": bool(d.fletcher32),
                "attrs": attrs(d),
            }
            kind = d.dtype.kind
            if kind in "iuf":
                arr = np.asarray(d[()])
                arr = arr.astype(arr.dtype.newbyteorder("<"))
                if kind == "f" and arr.dtype.itemsize == 2:
                    arr = arr.astype("<f4")
                with open(os.path.join(out, f"{n}.bin"), "wb") as fh:
                    fh.write(arr.tobytes())
                e["bin"] = n
                n += 1
                fv = d.fillvalue
                e["fill"] = repr(float(fv)) if kind == "f" else str(int(fv))
            elif kind == "S":
                e["strings"] = strs(d[()])
            elif kind == "O":
                e["strings"] = strs(d.asstr()[()])
            objects.append(e)
    manifest.append({"file": fname, "objects": objects})
json.dump(manifest, sys.stdout)
