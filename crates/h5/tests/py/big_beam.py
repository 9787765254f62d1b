"""Write an ATL06-like beam with many chunks (10000 rows each, deflate 6,
like the product) and print, per column, every chunk's (first row, byte
offset, stored size) as libhdf5 reports them."""
import json
import sys

import h5py
import numpy as np

path = sys.argv[1]
n = 200_000
rng = np.random.default_rng(7)
cols = {
    "latitude": rng.uniform(-88, -60, n),
    "longitude": rng.uniform(-180, 180, n),
    "h_li": rng.normal(2000, 500, n).astype("f4"),
    "h_li_sigma": rng.lognormal(-3, 1, n).astype("f4"),
    "atl06_quality_summary": (rng.uniform(size=n) < 0.08).astype("i1"),
}
out = {}
with h5py.File(path, "w") as f:
    for beam in ("gt1l", "gt1r", "gt2l"):
        g = f.create_group(f"{beam}/land_ice_segments")
        for name, v in cols.items():
            fill = np.finfo(v.dtype).max if v.dtype.kind == "f" else np.iinfo(v.dtype).max
            g.create_dataset(name, data=v, chunks=(10000,), compression="gzip", compression_opts=6,
                             maxshape=(None,), fillvalue=fill)
    for name in cols:
        d = f[f"gt1l/land_ice_segments/{name}"]
        infos = [d.id.get_chunk_info(i) for i in range(d.id.get_num_chunks())]
        out[name] = [[int(i.chunk_offset[0]), int(i.byte_offset), int(i.size)] for i in infos]
json.dump(out, sys.stdout)
