"""Files for the hostile-input tests: link cycles, a fletcher32 dataset
(with its first chunk's byte offset printed), an lzf-compressed dataset."""
import json
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
with h5py.File(os.path.join(out, "links.h5"), "w", libver="latest") as f:
    g = f.create_group("g")
    g["data"] = np.arange(5.0)
    g["loop"] = g  # hard link back to itself
    f["a"] = h5py.SoftLink("/b")
    f["b"] = h5py.SoftLink("/a")
    f["dangling"] = h5py.SoftLink("/nowhere")
    f["alias"] = h5py.SoftLink("/g/data")
with h5py.File(os.path.join(out, "checksum.h5"), "w") as f:
    d = f.create_dataset("x", data=np.arange(4000, dtype="<f8"), chunks=(1000,), fletcher32=True)
    info = d.id.get_chunk_info(1)
    first = {"offset": int(info.byte_offset), "size": int(info.size)}
    f.create_dataset("lzf", data=np.zeros(1000, dtype="<i4"), chunks=(500,), compression="lzf")
json.dump(first, sys.stdout)
