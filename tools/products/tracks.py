"""Ground tracks on a sphere for the synthetic product generators.

A satellite track is a great circle of inclination `inc_deg`; a beam is
the small circle parallel to it at a signed cross-track offset (metres,
positive to the left of the direction of travel). Points are spaced
`step_m` along the track. Synthetic geometry: no Earth rotation, no
ellipsoid (see SOURCES.md).
"""
from __future__ import annotations

import math
import os

import numpy as np

R_EARTH = 6371008.8  # mean Earth radius [m]


def orbit_frame(inc_deg: float, node_lon_deg: float):
    """Unit vectors (a, b, n): a = ascending node, b = 90 deg along the
    orbit, n = orbit normal (left of the direction of travel)."""
    inc, lon0 = math.radians(inc_deg), math.radians(node_lon_deg)
    a = np.array([math.cos(lon0), math.sin(lon0), 0.0])
    # Rotate the equatorial direction 90 deg east of the node up by inc.
    e = np.array([-math.sin(lon0), math.cos(lon0), 0.0])
    z = np.array([0.0, 0.0, 1.0])
    b = math.cos(inc) * e + math.sin(inc) * z
    n = np.cross(a, b)
    return a, b, n


def track(inc_deg, node_lon_deg, u0_deg, u1_deg, step_m, offset_m=0.0):
    """Latitudes and longitudes (degrees, float64; longitude in [-180, 180))
    of points every `step_m` metres along the orbit from argument of
    latitude `u0_deg` to `u1_deg`, shifted `offset_m` across the track."""
    a, b, n = orbit_frame(inc_deg, node_lon_deg)
    du = step_m / R_EARTH
    u = np.arange(math.radians(u0_deg), math.radians(u1_deg), du)
    d = offset_m / R_EARTH
    p = np.cos(u)[:, None] * a + np.sin(u)[:, None] * b
    p = math.cos(d) * p + math.sin(d) * n
    lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    lon = (lon + 180.0) % 360.0 - 180.0
    return lat, lon


def u_for_lat(inc_deg: float, lat_deg: float, ascending: bool = True) -> float:
    """The argument of latitude (degrees) where the track reaches
    `lat_deg`, on its ascending or descending half."""
    s = math.sin(math.radians(lat_deg)) / math.sin(math.radians(inc_deg))
    u = math.degrees(math.asin(max(-1.0, min(1.0, s))))
    return u if ascending else 180.0 - u


def node_through(inc_deg: float, lat_deg: float, lon_deg: float, ascending: bool) -> float:
    """Node longitude of the track that passes through (lat, lon)."""
    u = math.radians(u_for_lat(inc_deg, lat_deg, ascending))
    inc = math.radians(inc_deg)
    dlon = math.degrees(math.atan2(math.cos(inc) * math.sin(u), math.cos(u)))
    return (lon_deg - dlon + 180.0) % 360.0 - 180.0


def pass_through(inc_deg, center, k, n, spread_deg, lat_extent_deg):
    """Node longitude and argument-of-latitude range of pass `k` of `n`:
    ascending for even `k`, descending for odd, crossing the centre
    latitude `spread_deg` apart in longitude, spanning ±`lat_extent_deg`."""
    ascending = k % 2 == 0
    lat_c, lon_c = center
    dlon = (k - (n - 1) / 2.0) * spread_deg
    node = node_through(inc_deg, lat_c, lon_c + dlon, ascending)
    lo, hi = lat_c - lat_extent_deg, lat_c + lat_extent_deg
    u0, u1 = u_for_lat(inc_deg, lo, ascending), u_for_lat(inc_deg, hi, ascending)
    if not ascending:
        u0, u1 = u1, u0
    return ascending, node, u0, u1


def write(grp, name, data, chunk, gzip, fill=None, attrs=None, maxshape=None):
    """A chunked (`chunk` rows), deflated dataset; with `fill`, also the
    HDF5 fill value and a `_FillValue` attribute of the data's type;
    `attrs` as fixed-length ASCII strings."""
    data = np.asarray(data)
    chunks = (min(chunk, max(1, data.shape[0])),) + data.shape[1:]
    kw = {} if fill is None else {"fillvalue": fill}
    if maxshape is not None:
        kw["maxshape"] = maxshape
    ds = grp.create_dataset(name, data=data, chunks=chunks, compression="gzip",
                            compression_opts=gzip, **kw)
    if fill is not None:
        ds.attrs["_FillValue"] = np.array([fill], dtype=data.dtype)
    for k, v in (attrs or {}).items():
        ds.attrs[k] = np.bytes_(v)
    return ds


def points(inc_deg, node_lon_deg, u_deg, offset_m):
    """Latitudes and longitudes (degrees, float64; longitude in [-180, 180))
    of points at arguments of latitude `u_deg` (array, degrees) shifted
    `offset_m` (array or scalar, metres) across the track."""
    a, b, n = orbit_frame(inc_deg, node_lon_deg)
    u = np.radians(np.asarray(u_deg, dtype=np.float64))
    d = np.asarray(offset_m, dtype=np.float64) / R_EARTH
    p = np.cos(u)[:, None] * a + np.sin(u)[:, None] * b
    p = np.cos(d)[..., None] * p + np.sin(d)[..., None] * n
    lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    lon = (lon + 180.0) % 360.0 - 180.0
    return lat, lon


ICESAT2_INC = 92.0
ICESAT2_EPOCH_S = 1198800018.0  # /ancillary_data/atlas_sdp_gps_epoch


def icesat2_pass(product, out, k, args):
    """Pass `k` of an ICESat-2 product's synthetic granules: (node,
    u0, u1, t0 seconds since 2018-01-01, path, rgt, cycle). Passes are 3
    days (and 4000 s) apart from 2023-12-19, in cycle 22; the file is named
    `PRODUCT_YYYYMMDDhhmmss_ttttccrr_006_01.h5`."""
    import datetime as dt
    import os

    ascending, node, u0, u1 = pass_through(ICESAT2_INC, args.center, k, args.granules, args.spread, args.lat_extent)
    utc = dt.timezone.utc
    start = dt.datetime(2023, 12, 19, tzinfo=utc) + dt.timedelta(days=3 * k, seconds=4000 * k)
    t0 = (start - dt.datetime(2018, 1, 1, tzinfo=utc)).total_seconds()
    rgt, cycle, region = 100 + 91 * k, 22, (3 if ascending else 5)
    name = f"{product}_{start:%Y%m%d%H%M%S}_{rgt:04d}{cycle:02d}{region:02d}_006_01.h5"
    return node, u0, u1, t0, os.path.join(out, name), rgt, cycle


def icesat2_header(f, product, rgt, cycle):
    """The granule-level datasets of an ICESat-2 product: `short_name`,
    `/ancillary_data/atlas_sdp_gps_epoch`, `/orbit_info/{rgt, cycle_number,
    sc_orient}`."""
    f.attrs["short_name"] = np.bytes_(product)
    f.create_dataset("ancillary_data/atlas_sdp_gps_epoch", data=np.array([ICESAT2_EPOCH_S]))
    oi = f.create_group("orbit_info")
    oi.create_dataset("rgt", data=np.array([rgt], np.int16))
    oi.create_dataset("cycle_number", data=np.array([cycle], np.int8))
    oi.create_dataset("sc_orient", data=np.array([1], np.int8))


def common_args(p, *, center, lat_extent, spread, beam, seed):
    """The arguments every generator takes: --out, --center LAT,LON,
    --granules, --lat-extent, --spread, --drop-beam-of (granules lacking
    `beam`) and --seed (defaults per product)."""
    p.add_argument("--out", required=True)
    p.add_argument("--center", default=center, help=f"LAT,LON every pass crosses near (default {center})")
    p.add_argument("--granules", type=int, default=4)
    p.add_argument("--lat-extent", type=float, default=lat_extent, help="degrees of latitude each side of the centre")
    p.add_argument("--spread", type=float, default=spread, help="degrees of longitude between passes at the centre")
    p.add_argument("--drop-beam-of", default="", help=f"granule numbers lacking {beam} (comma list)")
    p.add_argument("--seed", type=int, default=seed)


def parse(p, argv):
    """`p`'s arguments with --center as a (lat, lon) tuple and
    --drop-beam-of as a set of granule numbers."""
    args = p.parse_args(argv)
    args.center = tuple(float(x) for x in args.center.split(","))
    args.drop_beam_of = {int(x) for x in args.drop_beam_of.split(",") if x}
    return args


def write_granules(args, granule):
    """Writes granules 0..--granules into --out with
    `granule(out, k, args, rng)` -> (path, observations), each with its own
    seeded generator, and prints each file's name and observation count
    (what the tests read)."""
    os.makedirs(args.out, exist_ok=True)
    for k in range(args.granules):
        path, n = granule(args.out, k, args, np.random.default_rng([args.seed, k]))
        print(f"{os.path.basename(path)} {n}")
