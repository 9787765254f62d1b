"""libhdf5's chunk table of every chunked numeric dataset of a file, as JSON:
{path: [[offset..., byte_offset, size, filter_mask], ...]} (h5py's
DatasetID.get_chunk_info, in chunk order)."""
import json
import sys

import h5py

out = {}


def visit(name, obj):
    if not isinstance(obj, h5py.Dataset) or obj.chunks is None:
        return
    if obj.dtype.kind not in "iuf":
        return
    rows = []
    for i in range(obj.id.get_num_chunks()):
        info = obj.id.get_chunk_info(i)
        rows.append([*map(int, info.chunk_offset), int(info.byte_offset), int(info.size), int(info.filter_mask)])
    out["/" + name] = rows


with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
print(json.dumps(out))
