"""Regenerate the seed corpus: python3 make_seeds.py corpus/h5_open (plus the
first 64 KiB of the smallest sample granule, see README.md)."""
import sys, os, h5py, numpy as np
out = sys.argv[1]
for libver in ("earliest", "latest"):
    with h5py.File(os.path.join(out, f"small_{libver}.h5"), "w", libver=libver) as f:
        f.attrs["title"] = np.bytes_(b"seed")
        f.attrs["vlen"] = "text"
        g = f.create_group("gt1l/land_ice_segments")
        g.create_dataset("h_li", data=np.arange(300, dtype="<f4"), chunks=(64,), compression="gzip", shuffle=True, fletcher32=True, maxshape=(None,), fillvalue=np.float32(3.4e38))
        g.create_dataset("latitude", data=np.linspace(-88, -60, 300), chunks=(100,), maxshape=(300,))
        g.create_dataset("q", data=np.zeros(300, "i1"), chunks=(300,), compression="gzip")
        g.create_dataset("r2", data=np.arange(60, dtype=">i2").reshape(6, 10), chunks=(4, 4), maxshape=(None, None))
        g["h_li"].attrs["units"] = np.bytes_(b"meters")
        g["h_li"].attrs["_FillValue"] = np.float32(3.4e38)
        f.create_dataset("contig", data=np.arange(10, dtype=">f8"))
        f.create_dataset("s", data=np.array([b"abc", b"de"], dtype="S4"))
        m = f.create_group("many")
        for i in range(12):
            m.attrs[f"a{i}"] = i
            m.create_group(f"g{i}")
        f["soft"] = h5py.SoftLink("/contig")
        # An enumeration (committed type, fill value, chunked) and a 2-D flag
        # chunked by rows, as ATL03's signal_conf_ph.
        f["enum_t"] = h5py.enum_dtype({"ok": 0, "bad": -2, "tep": 127}, basetype="i1")
        g.create_dataset("flags", data=np.array([0, -2, 127, 0], dtype="i1"), dtype=f["enum_t"], chunks=(2,), fillvalue=127)
        g.create_dataset("conf", data=np.arange(50, dtype="i1").reshape(10, 5), chunks=(4, 5), compression="gzip")
