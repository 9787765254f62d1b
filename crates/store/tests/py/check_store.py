"""Independent check of a magg store with zarr-python, xarray, xdggs and mortie.

argv[1]: store path; argv[2]: folder of expected arrays written by the Rust
test (`{order}_{name}.bin`, little-endian, the compact layout: chunk i = the
i-th shard, computed without the store); argv[3]: JSON {"parent": p,
"orders": [...], "shards": [nested ids of the store's shards, sorted],
"written": [nested ids of every shard written], "dtypes": {name: numpy
dtype}}.
Prints one line per check group and "ALL OK" at the end; any failure raises.
"""

import json
import os
import shutil
import sys
import tempfile
import warnings

import mortie
import numpy as np
import xarray as xr
import xdggs
import zarr
from zarr.core.group import ConsolidatedMetadata

store, expected_dir, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
parent, orders, shards, written, dtypes = (
    params["parent"],
    params["orders"],
    params["shards"],
    params["written"],
    params["dtypes"],
)
assert shards == sorted(shards)
variables = list(dtypes)
U64_MAX = np.uint64(2**64 - 1)
DGGS_UUID = "7b255807-140c-42ca-97f6-7a1cfecdbc38"


def expected(order, name):
    dtype = np.dtype(dtypes.get(name, "<u8")).newbyteorder("<")
    return np.fromfile(os.path.join(expected_dir, f"{order}_{name}.bin"), dtype=dtype)


def same_bits(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    ua = a.view(f"u{a.dtype.itemsize}")
    ub = b.view(f"u{b.dtype.itemsize}")
    bad = np.flatnonzero(ua != ub)
    assert bad.size == 0, f"{what}: {bad.size} values differ, first at {bad[0]}: {a[bad[0]]} != {b[bad[0]]}"


def shard_cells(order):
    """The store's cell ids at `order`, in array order: each shard's children."""
    span = 4 ** (order - parent)
    return np.concatenate([np.arange(n * span, (n + 1) * span, dtype=np.uint64) for n in shards])


# 1. zarr-python: hierarchy, array metadata and every value, consolidated or not.
with warnings.catch_warnings():
    warnings.simplefilter("error")
    root = zarr.open_group(store, mode="r")
members = sorted(k for k, _ in root.members(max_depth=None))
want = sorted([str(k) for k in orders] + [f"{k}/{v}" for k in orders for v in variables + ["cell_ids", "morton"]])
assert members == want, f"members {members} != {want}"
assert root.attrs["product"] == "ATL06" and root.attrs["cycle"] == 22, dict(root.attrs)
assert root.attrs["magg"]["layout_version"] == 3, root.attrs["magg"]
assert root.attrs["magg"]["spec"]["shards"] == shards, root.attrs["magg"]["spec"]["shards"]
assert "_magg" not in members
for use_consolidated in (True, False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "_magg is not a zarr node" when listing
        g = zarr.open_group(store, mode="r", use_consolidated=use_consolidated)
    for k in orders:
        for name in variables + ["cell_ids", "morton"]:
            a = g[f"{k}/{name}"]
            assert a.shape == (len(shards) * 4 ** (k - parent),), (k, name, a.shape)
            span = 4 ** (k - parent)
            # Variables: one chunk per shard; coordinates (the template's):
            # as many shards per chunk as fit in 2^18 cells.
            per = 1 if name not in ("cell_ids", "morton") else max(1, min(2**18 // span, len(shards)))
            assert a.chunks == (per * span,), (k, name, a.chunks)
            assert a.metadata.dimension_names == ("cells",)
            assert "_zarrs" not in a.attrs, dict(a.attrs)
            if name == "morton":
                continue
            same_bits(a[:], expected(k, name), f"zarr {k}/{name}")
            if name == "cell_ids":
                same_bits(a[:], shard_cells(k), f"zarr {k}/cell_ids = the shards' children")
print("zarr-python: hierarchy, metadata and values ok")

# 2. Our consolidated metadata equals what zarr-python's own consolidation writes.
with tempfile.TemporaryDirectory() as tmp:
    copy = os.path.join(tmp, "copy.zarr")
    shutil.copytree(store, copy)
    groups = [""] + [str(k) for k in orders]
    for grp in groups:
        path = os.path.join(copy, grp, "zarr.json")
        with open(path) as f:
            doc = json.load(f)
        doc.pop("consolidated_metadata")
        with open(path, "w") as f:
            json.dump(doc, f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for grp in groups:
            zarr.consolidate_metadata(copy, path=grp or None)
    for grp in groups:
        docs = []
        for base in (store, copy):
            with open(os.path.join(base, grp, "zarr.json")) as f:
                cm = ConsolidatedMetadata.from_dict(json.load(f)["consolidated_metadata"])
            docs.append(json.dumps(cm.to_dict(), sort_keys=True, default=str))
        assert docs[0] == docs[1], f"consolidated metadata of group {grp!r} differs from zarr-python's"
print("consolidated metadata matches zarr.consolidate_metadata")

# 3. xarray, with and without consolidated metadata; 4. xdggs; 5. mortie.
for k in orders:
    for consolidated in (None, True, False):
        with warnings.catch_warnings():
            if consolidated is None:
                warnings.simplefilter("error")  # no "falling back" warning
            else:
                warnings.simplefilter("ignore")
            ds = xr.open_zarr(store, group=str(k), consolidated=consolidated)
        assert set(ds.data_vars) == set(variables), list(ds.data_vars)
        assert set(ds.coords) == {"cell_ids", "morton"}, list(ds.coords)
        assert dict(ds.sizes) == {"cells": len(shards) * 4 ** (k - parent)}, dict(ds.sizes)
        for name in variables + ["cell_ids"]:
            same_bits(ds[name].values, expected(k, name), f"xarray {k}/{name}")
    assert ds.attrs["product"] == "ATL06"

    # DGGS convention (zarr-conventions/dggs v1) on the group.
    assert any(c.get("uuid") == DGGS_UUID for c in ds.attrs["zarr_conventions"])
    dggs = ds.attrs["dggs"]
    assert dggs["name"] == "healpix" and dggs["refinement_level"] == k, dggs
    assert dggs["indexing_scheme"] == "nested" and dggs["compression"] == "none", dggs
    assert dggs["spatial_dimension"] in ds.dims and dggs["coordinate"] in ds.coords, dggs
    ell = dggs["ellipsoid"]
    assert ell["name"] == "WGS84" and ell["semi_major_axis"] == 6378137.0, ell
    assert ell["inverse_flattening"] == 298.257223563 and "semi_minor_axis" not in ell, ell

    decoded = ds.pipe(xdggs.decode)
    info = decoded.dggs.grid_info
    assert (info.level, info.indexing_scheme, info.ellipsoid) == (k, "nested", "WGS84"), info

    # Every slot holds a real cell (the template writes the coordinates),
    # increasing, so no fill value ever reaches xdggs.
    ids = decoded.cell_ids.values
    words = decoded.morton.values
    assert np.array_equal(ids, shard_cells(k))
    assert np.all(np.diff(ids.astype(np.int64)) > 0) and not np.any(ids == U64_MAX)
    nested, order = mortie.mort2healpix(words)
    assert order == k and np.array_equal(np.asarray(nested, dtype=np.uint64), ids)
    span = 4 ** (k - parent)
    for i, n in enumerate(shards):
        shard = int(mortie.norm2mort(n & (4**parent - 1), n >> (2 * parent), parent))
        kids = np.asarray(mortie.generate_morton_children(shard, k), dtype=np.uint64)
        chunk = ds.morton.values[i * span : (i + 1) * span]
        assert np.array_equal(chunk, kids), f"order {k} shard {n}: morton chunk != mortie children"

    # The populated cells, selected as `magg demo` prints it.
    populated = decoded.isel(cells=decoded["count"].values > 0)
    want_count = expected(k, "count")
    want = want_count > 0
    assert populated.sizes["cells"] == int(want.sum()) > 0
    same_bits(populated.cell_ids.values, shard_cells(k)[want], f"order {k}: populated cell ids")
    for name in variables:
        same_bits(populated[name].values, expected(k, name)[want], f"order {k}: populated {name}")
    # xdggs' index selects by cell id on the sparse coordinate.
    pick = shard_cells(k)[want][::7]
    by_id = decoded.sel(cell_ids=pick)
    same_bits(by_id.cell_ids.values, pick, f"order {k}: sel(cell_ids=...)")
    same_bits(by_id["count"].values, want_count[want][::7], f"order {k}: sel(cell_ids=...) count")

    sub = decoded
    centers = sub.dggs.cell_centers()
    # healpix-geo and mortie convert authalic latitude with different series:
    # they agree to ~4e-9 deg; 1e-7 deg is about 1 cm.
    lat, lon = mortie.mort2geo(words)
    assert np.abs(centers.latitude.values - lat).max() < 1e-7
    dlon = (centers.longitude.values - lon + 180.0) % 360.0 - 180.0
    assert np.abs(dlon).max() < 1e-7
    print(f"order {k}: xarray, DGGS attributes, xdggs decode/centres and mortie words ok")

# 6. Status records: plain JSON with exact u64 shard words.
status_dir = os.path.join(store, "_magg", "status")
records = {}
for fname in os.listdir(status_dir):
    with open(os.path.join(status_dir, fname)) as f:
        rec = json.load(f)
    assert fname == f"{rec['shard']}.json", fname
    records[rec["shard"]] = rec
assert len(records) == len(written), sorted(records)
for n in written:
    shard = int(mortie.norm2mort(n & (4**parent - 1), n >> (2 * parent), parent))
    assert shard in records, shard
print("status records ok")
print("ALL OK")
