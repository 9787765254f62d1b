"""Brute-force reference for magg's region rules: h5py + mortie + shapely.

usage: region_reference.py REGION_GEOJSON PARENT_ORDER CHILD_ORDER GRANULE...

Independent of magg: granules read with h5py (libhdf5), cells from mortie,
the region test by shapely on the cells' own outlines. Prints one JSON
object, for each rule (`child_cells`, `all_observations`):

- `pairs`: the (granule file name, shard nested id) pairs with a point in
  the shard that counts under the rule (coordinates only, as the catalog
  reads them: any row with finite coordinates);
- `cells`: shard nested id -> {child nested id: count} of the observations
  the rule keeps (after ATL06's quality and fill filter, as the worker);

plus `outside`: how many valid observations lie in child cells that do
not touch the region (the difference the rules make).

The region test. magg's region edges are great-circle arcs between the
vertices, with latitudes converted geodetic -> authalic; HEALPix cells are
cells of the authalic sphere. A gnomonic projection about the south pole
maps great circles to straight lines, so there the region is an ordinary
planar polygon; each cell's outline (mortie `mort2polygon`, kernel-frame
latitudes, 8 points per side: the sides are curves, off these chords by
centimetres at most for order-12 cells) is projected the same way. A cell
touches the region when shapely says the two intersect (boundary contact
included, the cover's tie rule). The rule
`child_cells` keeps an observation whose order-CHILD cell touches the
region; `all_observations` keeps every observation of a shard (order-PARENT
cell) that touches it. Southern hemisphere only (the projection's domain).
"""
import json, os, sys

import h5py, numpy as np, mortie, shapely
from shapely.geometry import Polygon

region_path, P, C = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
granules = sys.argv[4:]
BEAMS = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]


def gnomonic(lat, lon):
    """South-polar gnomonic projection of kernel-frame (authalic) degrees."""
    lat, lon = np.asarray(lat, float), np.radians(np.asarray(lon, float))
    assert (lat < 0).all(), "the reference covers the southern hemisphere only"
    r = np.tan(np.radians(90.0 + lat))
    return r * np.sin(lon), r * np.cos(lon)


def region_geometry(path):
    with open(path) as f:
        doc = json.load(f)
    geoms = [feat["geometry"] for feat in doc["features"]] if "features" in doc else [doc]
    polys = []
    for g in geoms:
        parts = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        for rings in parts:
            shells = []
            for ring in rings:
                ring = np.asarray(ring, float)
                x, y = gnomonic(mortie.geodetic_to_authalic(ring[:, 1]), ring[:, 0])
                # make_valid drops Natural Earth's zero-width cut along 180°
                # down to the pole (it lies inside the projected ring).
                shells.append(shapely.make_valid(Polygon(np.c_[x, y])))
            poly = shells[0]
            for hole in shells[1:]:
                poly = poly.difference(hole)
            polys.append(poly)
    union = shapely.union_all(polys)
    shapely.prepare(union)
    return union


REGION = region_geometry(region_path)


def touches(words, step):
    """Per distinct morton word: does its cell touch the region?"""
    words = np.unique(words)
    rings = np.asarray(mortie.mort2polygon(words, step=step, latitude="geodetic-spherical"), float)
    x, y = gnomonic(rings[..., 0], rings[..., 1])
    cells = shapely.polygons(np.stack([x, y], axis=-1))
    return dict(zip(words.tolist(), shapely.intersects(cells, REGION).tolist()))


def nested(words, order):
    if len(words) == 0:
        return np.zeros(0, dtype=np.int64)
    cells, o = mortie.mort2healpix(np.asarray(words, dtype=np.uint64))
    assert o == order, (o, order)
    return np.asarray(cells, dtype=np.int64)


points = []  # per granule: (name, child words of all rows with coordinates, valid mask)
for g in granules:
    lat, lon, valid = [], [], []
    with h5py.File(g, "r") as f:
        for b in BEAMS:
            if b not in f:
                continue
            d = f[b]["land_ice_segments"]
            la, lo = d["latitude"][:], d["longitude"][:]
            h, s, q = d["h_li"][:], d["h_li_sigma"][:], d["atl06_quality_summary"][:]
            hf, sf = d["h_li"].attrs["_FillValue"], d["h_li_sigma"].attrs["_FillValue"]
            coords = np.isfinite(la) & np.isfinite(lo) & (np.abs(la) <= 90)
            ok = (q == 0) & (h != hf) & (s != sf) & np.isfinite(h) & np.isfinite(s) & coords
            lat.append(la[coords]), lon.append(lo[coords]), valid.append(ok[coords])
    lat, lon, valid = np.concatenate(lat), np.concatenate(lon), np.concatenate(valid)
    child = np.asarray(mortie.geo2mort(lat, lon, order=C), dtype=np.uint64)
    points.append((os.path.basename(g), child, valid))

all_child = np.concatenate([c for _, c, _ in points])
child_touch = touches(all_child, 8)
shard_words = np.asarray(mortie.clip2order(P, all_child), dtype=np.uint64)
shard_touch = touches(shard_words, 256)

out = {"outside": 0}
for rule in ("child_cells", "all_observations"):
    pairs, cells = set(), {}
    for name, child, valid in points:
        shard = np.asarray(mortie.clip2order(P, child), dtype=np.uint64)
        if rule == "child_cells":
            keep = np.array([child_touch[w] for w in child.tolist()], dtype=bool)
        else:
            keep = np.array([shard_touch[w] for w in shard.tolist()], dtype=bool)
        if rule == "child_cells":
            out["outside"] += int((valid & ~keep).sum())
        s_nested, c_nested = nested(shard[keep], P), nested(child[keep], C)
        pairs.update((name, int(s)) for s in np.unique(s_nested))
        v = valid[keep]
        for s, c in zip(s_nested[v].tolist(), c_nested[v].tolist()):
            per = cells.setdefault(str(s), {})
            per[str(c)] = per.get(str(c), 0) + 1
    out[rule] = {"pairs": sorted([list(p) for p in pairs]), "cells": cells}
print(json.dumps(out))
