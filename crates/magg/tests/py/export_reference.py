"""Independent reference for `magg export --format geotiff`.

argv: TIF STORE VAR ORDER EPSG [DEFAULT_RES] [time=INDEX]
Opens TIF with rasterio and STORE with zarr-python, and recomputes every
pixel: pixel centre (from the file's transform) -> pyproj inverse ->
mortie.geo2mort at ORDER -> the slot holding that word in the store's
`morton` array -> the variable's value there; the fill value or NaN ->
nodata. A pixel may differ only when its centre lies within 1e-8 deg of
the edge of the cell magg chose (mortie then finds magg's cell for a
nudged centre). With DEFAULT_RES, also checks the default grid: pixel size
DEFAULT_RES, bounds = the box of the data cells' corners (mortie
mort2polygon, geodetic, projected by pyproj) snapped outward to multiples
of it. With time=INDEX, VAR has a leading time dimension and the
reference is its slice INDEX. Prints one JSON object.
"""
import json
import sys

import mortie
import numpy as np
import pyproj
import rasterio
import zarr
from rio_cogeo.cogeo import cog_validate

tif, store, var, order, epsg = sys.argv[1:6]
order, epsg = int(order), int(epsg)
rest = sys.argv[6:]
times = [a for a in rest if a.startswith("time=")]
rest = [a for a in rest if not a.startswith("time=")]
default_res = float(rest[0]) if rest else None
time_index = int(times[0][len("time="):]) if times else None

group = zarr.open_group(store, mode="r")[str(order)]
morton = np.asarray(group["morton"][:], dtype=np.uint64)
values = np.asarray(group[var][:])
if time_index is not None:
    assert values.ndim == 2, f"{var} has no time dimension: shape {values.shape}"
    values = values[time_index]
assert values.ndim == 1, f"{var}: shape {values.shape}; give time=INDEX"
fill = group[var].fill_value
is_float = values.dtype.kind == "f"
has_data = ~np.isnan(values) if is_float else np.ones(values.shape, bool)
has_data &= values != fill

with rasterio.open(tif) as src:
    band = src.read(1)
    t = src.transform
    out = {
        "epsg": src.crs.to_epsg(),
        "transform": [t.c, t.a, t.b, t.f, t.d, t.e],
        "width": src.width,
        "height": src.height,
        "dtype": src.dtypes[0],
        "nodata": None if src.nodata is None else float(src.nodata),
        "blocks": [list(b) for b in src.block_shapes],
        "overviews": src.overviews(1),
    }
valid, errors, warnings = cog_validate(tif)
out.update(cog_valid=valid, cog_errors=errors, cog_warnings=warnings)

h, w = band.shape
xs = t.c + (np.arange(w) + 0.5) * t.a
ys = t.f + (np.arange(h) + 0.5) * t.e
X, Y = np.meshgrid(xs, ys)
inv = pyproj.Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
lon, lat = inv.transform(X.ravel(), Y.ravel())
words = mortie.geo2mort(lat, lon, order=order)
nodata = out["nodata"]
if nodata is not None and np.isnan(nodata):
    out["nodata"] = "nan"  # JSON has no NaN

order_idx = np.argsort(morton)
sorted_words = morton[order_idx]


def lookup(ws):
    """(has data, value) of the store slots holding words `ws`."""
    ws = np.asarray(ws, dtype=np.uint64)
    k = np.clip(np.searchsorted(sorted_words, ws), 0, len(sorted_words) - 1)
    slot = order_idx[k]
    found = (sorted_words[k] == ws) & has_data[slot]
    return found, values[slot]


got = band.ravel()
is_nodata = np.isnan(got) if isinstance(nodata, float) and np.isnan(nodata) else got == nodata
found, want = lookup(words)
ok = (found & ~is_nodata & (got == want)) | (~found & is_nodata)
bad = np.flatnonzero(~ok)
edge = wrong = 0
first_wrong = None
for k in bad:
    # A centre on a cell edge: does a nudged centre reach a cell of magg's value?
    nudged = [
        lookup(mortie.geo2mort(lat[k] + a, lon[k] + b, order=order))
        for a, b in ((1e-8, 0), (-1e-8, 0), (0, 1e-8), (0, -1e-8))
    ]
    if any((not f[0] and is_nodata[k]) or (f[0] and not is_nodata[k] and v[0] == got[k]) for f, v in nudged):
        edge += 1
    else:
        wrong += 1
        if first_wrong is None:
            first_wrong = {"pixel": int(k), "magg": float(got[k]),
                           "reference": float(want[k]) if found[k] else None}
matched = int(ok.sum())
with_data = int((ok & found).sum())
out.update(pixels=int(got.size), matched=matched, edge=edge, wrong=wrong,
           with_data=with_data, first_wrong=first_wrong,
           cells_with_data=int(has_data.sum()), store_dtype=values.dtype.name)

if default_res is not None:
    fwd = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    # latitude="authalic" (the default): words hashed from WGS84 geodetic
    # latitudes (as geo2mort's) give their corners back as geodetic.
    rings = mortie.mort2polygon(morton[has_data])
    pts = np.array([p for ring in rings for p in ring])
    sign = -1.0 if epsg == 3031 else 1.0
    pts = pts[pts[:, 0] * sign > 0]
    px, py = fwd.transform(pts[:, 1], pts[:, 0])
    r = default_res
    xmin, ymin = np.floor(np.min(px) / r) * r, np.floor(np.min(py) / r) * r
    xmax, ymax = np.ceil(np.max(px) / r) * r, np.ceil(np.max(py) / r) * r
    out["default_grid"] = {
        "transform": [xmin, r, 0.0, ymax, 0.0, -r],
        "width": int(round((xmax - xmin) / r)),
        "height": int(round((ymax - ymin) / r)),
    }
print(json.dumps(out))
