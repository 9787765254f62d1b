# The per-cell statistics of the upstream polar config (EPSG:3031, 5 km,
# ±3,200 km, zagg's cell rule) computed from granules with h5py + pyproj +
# numpy: prepended (after magg_testkit::LOAD_ATL06_PY) to the polar tests'
# scripts.
import numpy as np
from pyproj import Transformer

POLAR_N = 1280  # cells across and down
POLAR_VARS = ("count", "h_min", "h_max", "h_mean", "h_sigma", "h_variance")


def polar_cells(files):
    """{variable: (1280 * 1280,) float64 array (NaN / 0 where no data)}, and the cells with data."""
    c = load_atl06(files)
    lat, lon, h, s, q = c["lat"].astype("f8"), c["lon"].astype("f8"), c["h"], c["s"], c["q"]
    fill = np.finfo(np.float32).max
    ok = (q == 0) & (h != fill) & np.isfinite(h) & (s != fill) & np.isfinite(s)
    ok &= np.isfinite(lat) & (np.abs(lat) <= 90) & np.isfinite(lon)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3031", always_xy=True).transform(lon[ok], lat[ok])
    col = np.floor((x + 3200000.0) / 5000.0).astype(np.int64)
    row = np.floor((3200000.0 - y) / 5000.0).astype(np.int64)
    inside = (col >= 0) & (col < POLAR_N) & (row >= 0) & (row < POLAR_N)
    cell = (row * POLAR_N + col)[inside]
    H, S = h[ok][inside].astype("f8"), s[ok][inside].astype("f8")
    order = np.argsort(cell, kind="stable")
    cell, H, S = cell[order], H[order], S[order]
    cells, starts, counts = np.unique(cell, return_index=True, return_counts=True)
    want = {k: np.full(POLAR_N * POLAR_N, np.nan) for k in POLAR_VARS}
    want["count"] = np.zeros(POLAR_N * POLAR_N)
    for cid, a, n in zip(cells, starts, counts):
        v, e = H[a:a + n], S[a:a + n]
        want["count"][cid] = n
        want["h_min"][cid] = v.min()
        want["h_max"][cid] = v.max()
        want["h_mean"][cid] = np.average(v, weights=1.0 / e**2)
        want["h_sigma"][cid] = 1.0 / np.sqrt(np.sum(1.0 / e**2))
        want["h_variance"][cid] = np.var(v)
    return want, cells


def assert_same(got, want, what):
    """Every cell of `got` (a store array, any shape) equals `want` in got's dtype, NaN where NaN."""
    g = np.asarray(got).reshape(-1)
    w = want.astype(g.dtype)
    same = (g == w) | (np.isnan(g.astype("f8")) & np.isnan(w.astype("f8")))
    assert same.all(), (what, int((~same).sum()), np.flatnonzero(~same)[:5])
