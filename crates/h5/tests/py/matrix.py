"""Write the h5py test matrix into OUT_DIR: every layout, chunk index,
filter combination, byte order, group storage and attribute kind that
magg-h5 claims to read. Deterministic."""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(20251124)


def data(dtype, shape):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 1000).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dt.newbyteorder("=")).astype(dt)


def attrs(obj, n=3):
    obj.attrs["units"] = np.bytes_(b"meters")  # fixed-length, NULLPAD
    obj.attrs["long_name"] = "a variable-length utf-8 string"
    obj.attrs["scale"] = np.float32(0.25)
    obj.attrs["valid_range"] = np.array([-5, 5], dtype=">i2")
    obj.attrs["_FillValue"] = np.float64(-9999.0)
    for i in range(n - 3):
        obj.attrs[f"extra_{i:03d}"] = np.int64(i * 7 - 3)


def filled(f, name, dtype, shape, **kw):
    d = f.create_dataset(name, data=data(dtype, shape), **kw)
    attrs(d)
    return d


for libver in ("earliest", "v108", "latest"):
    path = os.path.join(out, f"layouts_{libver}.h5")
    with h5py.File(path, "w", libver=libver) as f:
        g = f.create_group("chunked")
        # Several chunks, partial last chunk; every filter combination.
        for comp in (None, "gzip"):
            for shuffle in (False, True):
                for fletcher in (False, True):
                    name = f"f8_{comp or 'raw'}_s{int(shuffle)}_f{int(fletcher)}"
                    filled(g, name, "<f8", (1037,), chunks=(100,), compression=comp, shuffle=shuffle, fletcher32=fletcher)
        filled(g, "gzip9_i4", "<i4", (5000,), chunks=(512,), compression="gzip", compression_opts=9)
        # Index types under libver=latest: fixed array (fixed max dims, many
        # chunks so the data block is paged), extensible array (one unlimited
        # dim, enough chunks for secondary blocks), v2 B-tree (two unlimited),
        # single chunk (filtered and not).
        filled(g, "fixed_paged", "<f4", (3001,), chunks=(2,), maxshape=(3001,))
        filled(g, "fixed_paged_gzip", "<f4", (3001,), chunks=(2,), maxshape=(3001,), compression="gzip")
        filled(g, "ext_many", "<i2", (20000,), chunks=(10,), maxshape=(None,))
        filled(g, "ext_many_gzip", "<u4", (20000,), chunks=(10,), maxshape=(None,), compression="gzip", shuffle=True)
        filled(g, "bt2_rank2", "<f8", (53, 41), chunks=(10, 7), maxshape=(None, None), compression="gzip")
        filled(g, "bt2_rank2_raw", "<i8", (53, 41), chunks=(10, 7), maxshape=(None, None))
        filled(g, "single", "<f8", (100,), chunks=(100,))
        filled(g, "single_gzip", "<f8", (100,), chunks=(100,), compression="gzip", fletcher32=True)
        filled(g, "rank2_ext_dim1", "<f4", (13, 300), chunks=(5, 16), maxshape=(13, None), compression="gzip")
        filled(g, "rank2_fixed", "<u2", (101, 33), chunks=(8, 8), compression="gzip", shuffle=True)
        # v1 B-tree deep enough for internal nodes (earliest) / many chunks.
        filled(g, "many_chunks", "<f8", (20000,), chunks=(10,), maxshape=(None,), compression="gzip")
        # Partly written: unwritten chunks read as the fill value.
        d = g.create_dataset("partial", shape=(1000,), dtype="<f4", chunks=(64,), fillvalue=-9999.0, maxshape=(None,))
        d[100:200] = np.arange(100, dtype="<f4")
        d[900:950] = 1.5
        attrs(d)
        d = g.create_dataset("never_written", shape=(300,), dtype="<i4", chunks=(64,), fillvalue=7)
        d = g.create_dataset("empty_rows", shape=(0,), dtype="<f8", chunks=(16,), maxshape=(None,))
        # Implicit index: early allocation, no filters, fixed dims (latest only).
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((50,))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        sid = h5py.h5s.create_simple((777,), (777,))
        dsid = h5py.h5d.create(g.id, b"implicit", h5py.h5t.IEEE_F64LE, sid, dcpl=dcpl)
        h5py.Dataset(dsid)[...] = data("<f8", (777,))

        c = f.create_group("contiguous")
        for dt in ("<f8", ">f8", "<f4", ">f4", "<f2", "|i1", "|u1", "<i2", ">i2", "<u2", "<i4", ">u4", "<i8", ">u8"):
            tag = dt.replace("<", "le_").replace(">", "be_").replace("|", "")
            filled(c, tag, dt, (257,))
        filled(c, "rank2", "<f8", (17, 5))
        c.create_dataset("scalar", data=np.float64(3.25))
        c.create_dataset("fixed_strings", data=np.array([b"alpha", b"be", b"gamma-ray"], dtype="S9"))
        c.create_dataset("vlen_strings", data=["one", "two", "three ünïcode"], dtype=h5py.string_dtype())
        c.create_dataset("scalar_string", data=np.bytes_(b"2024-01-21T20:23:56.000000Z"))
        # Big-endian chunked + shuffle (shuffle works on the stored bytes).
        filled(c, "be_chunked_shuffle", ">f8", (999,), chunks=(64,), compression="gzip", shuffle=True)
        # Compact layout (data inside the object header).
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        sid = h5py.h5s.create_simple((40,))
        dsid = h5py.h5d.create(c.id, b"compact", h5py.h5t.STD_I32BE, sid, dcpl=dcpl)
        h5py.Dataset(dsid)[...] = np.arange(40, dtype=">i4") * -3

        # Groups: many members (dense links under latest; several symbol
        # table nodes and a deeper v1 B-tree under earliest).
        m = f.create_group("many")
        for i in range(400):
            m.create_group(f"member_{i:04d}")
        for i in range(30):
            m.create_dataset(f"ds_{i:02d}", data=np.arange(i + 1, dtype="<i4"))
        # Many attributes: dense attribute storage under latest.
        d = f.create_dataset("many_attrs", data=np.arange(10.0))
        attrs(d, n=40)
        attrs(f)
        attrs(m, n=20)
