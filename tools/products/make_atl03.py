#!/usr/bin/env python3
"""Synthetic ICESat-2 ATL03 (global geolocated photons, release 006
layout) granule generator.

Writes HDF5 files with h5py following the real product's layout (see
SOURCES.md for what is verified and what is synthetic): six beam groups
/gt1l … /gt3r, each with

- /gtx/geolocation/ (one row per ~20 m along-track segment):
  reference_photon_lat, reference_photon_lon, delta_time (float64),
  ph_index_beg (int64, 1-based index of the segment's first photon in
  /gtx/heights, 0 for a segment without photons), segment_ph_cnt
  (int32), segment_id (int32);
- /gtx/heights/ (one row per photon, in segment order): lat_ph, lon_ph,
  delta_time (float64), h_ph (float32), signal_conf_ph (int8, [n, 5]:
  land, ocean, sea ice, land ice, inland water; -2 = transmitter echo
  path (TEP) photon, the same in every column; -1 not considered, 0
  noise, 1 buffer, 2 low, 3 medium, 4 high).

Also /orbit_info and /ancillary_data/atlas_sdp_gps_epoch.

Geometry: ICESat-2's orbit (inclination 92 deg), beam pairs 3.3 km apart
and 90 m within a pair. Segments every 20 m along track; a segment holds
`--photons` photons on average (Poisson; strong beams 4x the weak ones),
`--empty` of the segments none. Each photon lies inside its segment's
20 m along track and within a few metres of the beam across track; the
segment's reference photon is its photon nearest the segment centre (the
centre itself for an empty segment). Each granule is one pass through
a window of latitude around the target point (real granules are 1/14 of
an orbit). Heights and confidences are synthetic. Deterministic: granule
k is seeded from (--seed, k).

  python3 make_atl03.py --out DIR --center -86,60 --granules 4 --photons 6
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tracks  # noqa: E402

INC = 92.0
SEG_M = 20.0
BEAMS = {"gt1l": -3345.0, "gt1r": -3255.0, "gt2l": -45.0, "gt2r": 45.0, "gt3l": 3255.0, "gt3r": 3345.0}
GZIP = 6
F4 = np.float32(np.finfo(np.float32).max)
F8 = np.float64(np.finfo(np.float64).max)


def write(grp, name, data, chunk, fill=None, attrs=None):
    return tracks.write(grp, name, np.asarray(data), chunk, GZIP, fill, attrs, maxshape=(None,) + np.asarray(data).shape[1:])


def beam_photons(rng, node, u0, u1, offset, mean, empty):
    """One beam: segment centres, photon counts and photon positions."""
    step = math.degrees(SEG_M / tracks.R_EARTH)
    sign = 1.0 if u1 >= u0 else -1.0
    u_seg = np.arange(u0, u1, sign * step) if sign > 0 else np.arange(u0, u1, -step)
    nseg = u_seg.size
    cnt = rng.poisson(mean, nseg).astype(np.int32)
    cnt[rng.random(nseg) < empty] = 0
    n = int(cnt.sum())
    seg_of = np.repeat(np.arange(nseg), cnt)
    # Along track inside the segment (sorted within it), across track near the beam.
    along = rng.uniform(-0.5, 0.5, n)
    order = np.lexsort((along, seg_of))
    along = along[order]
    u_ph = u_seg[seg_of] + sign * along * step
    lat, lon = tracks.points(INC, node, u_ph, offset + rng.normal(0.0, 3.0, n))
    return u_seg, cnt, seg_of, along, lat, lon


def granule(out, k, args, rng):
    node, u0, u1, t0, path, rgt, cycle = tracks.icesat2_pass("ATL03", out, k, args)
    total = 0
    with h5py.File(path, "w") as f:
        tracks.icesat2_header(f, "ATL03", rgt, cycle)
        for beam, offset in BEAMS.items():
            if k in args.drop_beam_of and beam == "gt3l":
                continue  # beams without data are omitted from granules
            strong = beam.endswith("r")  # forward orientation: right beams strong
            f.require_group(beam).attrs["atlas_beam_type"] = np.bytes_("strong" if strong else "weak")
            mean = args.photons * (1.0 if strong else 0.25)
            u_seg, cnt, seg_of, along, lat, lon = beam_photons(rng, node, u0, u1, offset, mean, args.empty)
            nseg, n = u_seg.size, lat.size
            total += n
            # Segments: 1-based index of the first photon, 0 when empty.
            first = np.concatenate([[0], np.cumsum(cnt)[:-1]]).astype(np.int64)
            beg = np.where(cnt > 0, first + 1, 0).astype(np.int64)
            c_lat, c_lon = tracks.points(INC, node, u_seg, np.full(nseg, offset))
            ref_lat, ref_lon = c_lat.copy(), c_lon.copy()
            if n:
                # Reference photon: the one nearest the segment centre.
                dist = np.abs(along)
                best = np.full(nseg, np.inf)
                np.minimum.at(best, seg_of, dist)
                is_ref = dist == best[seg_of]
                ref_idx = np.zeros(nseg, np.int64)
                ref_idx[seg_of[is_ref][::-1]] = np.nonzero(is_ref)[0][::-1]
                has = cnt > 0
                ref_lat[has] = lat[ref_idx[has]]
                ref_lon[has] = lon[ref_idx[has]]
            seg_t = t0 + np.arange(nseg) * (SEG_M / 6900.0)
            ph_t = seg_t[seg_of] + along * (SEG_M / 6900.0)
            g = f.create_group(f"{beam}/geolocation")
            sc = args.segment_chunk
            write(g, "reference_photon_lat", ref_lat, sc, F8, {"units": "degrees_north"})
            write(g, "reference_photon_lon", ref_lon, sc, F8, {"units": "degrees_east"})
            write(g, "delta_time", seg_t, sc, F8, {"units": "seconds since 2018-01-01"})
            write(g, "ph_index_beg", beg, sc, None, {"units": "1"})
            write(g, "segment_ph_cnt", cnt, sc, None, {"units": "counts"})
            write(g, "segment_id", (500000 + np.arange(nseg)).astype(np.int32), sc, None, {"units": "1"})
            h = f.create_group(f"{beam}/heights")
            pc = args.photon_chunk
            relief = 2500 + 300 * np.sin(np.radians(lat) * 50) + 200 * np.cos(np.radians(lon) * 7)
            noise_ph = rng.random(n) < 0.3
            h_ph = relief + np.where(noise_ph, rng.uniform(-300, 300, n), rng.normal(0, 0.4, n))
            conf = np.where(noise_ph[:, None], 0, rng.integers(1, 5, (n, 5))).astype(np.int8)
            conf[:, 1] = -1  # ocean not considered over ice
            conf[rng.random(n) < 0.03] = -2  # TEP photons: every column
            write(h, "lat_ph", lat, pc, F8, {"units": "degrees_north"})
            write(h, "lon_ph", lon, pc, F8, {"units": "degrees_east"})
            write(h, "delta_time", ph_t, pc, F8, {"units": "seconds since 2018-01-01"})
            write(h, "h_ph", h_ph.astype(np.float32), pc, F4, {"units": "meters", "long_name": "Photon WGS84 Height"})
            write(h, "signal_conf_ph", conf, pc, np.int8(-1), {"units": "counts"})
    return path, total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tracks.common_args(p, center="-86,60", lat_extent=1.0, spread=0.25, beam="gt3l", seed=3)
    p.add_argument("--photons", type=float, default=6.0, help="mean photons per 20 m segment of a strong beam")
    p.add_argument("--empty", type=float, default=0.05, help="fraction of segments without photons")
    p.add_argument("--photon-chunk", type=int, default=10000, help="rows per chunk of /gtx/heights datasets")
    p.add_argument("--segment-chunk", type=int, default=10000, help="rows per chunk of /gtx/geolocation datasets")
    args = tracks.parse(p, argv)
    tracks.write_granules(args, granule)


if __name__ == "__main__":
    main()
