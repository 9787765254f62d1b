#!/usr/bin/env python3
"""Synthetic ICESat-2 ATL08 (land and vegetation height, release 006
layout) granule generator.

Writes HDF5 files with h5py following the real product's layout (see
SOURCES.md for what is verified and what is synthetic): six beam groups
/gt1l … /gt3r, each with /gtx/land_segments/ (one row per 100 m segment):
latitude, longitude (float32), delta_time (float64, seconds since
2018-01-01), segment_id_beg, segment_id_end (int32), night_flag,
msw_flag, segment_watermask (int8), terrain_flg (int32), n_seg_ph
(int32); land_segments/terrain/ h_te_best_fit, h_te_mean,
h_te_median, h_te_uncertainty (float32); land_segments/canopy/
h_canopy, h_mean_canopy, h_canopy_uncertainty (float32),
canopy_openness (float32), n_ca_photons (int32). Missing values are the
type's maximum (_FillValue attribute and HDF5 fill value); canopy heights
are missing over bare ground. Also /orbit_info and
/ancillary_data/atlas_sdp_gps_epoch.

Geometry: ICESat-2's orbit (inclination 92 deg), beam pairs 3.3 km apart
and 90 m within a pair, a segment every 100 m along track. Each granule is
one pass through a window of latitude around the target point (real
granules are 1/14 of an orbit). Heights and flags are synthetic.

  python3 make_atl08.py --out DIR --center 45,-121 --granules 4
"""
from __future__ import annotations

import argparse
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tracks  # noqa: E402

INC = 92.0
SEG_M = 100.0
# Beam -> cross-track offset [m] (pairs 3.3 km apart, 90 m within a pair).
BEAMS = {"gt1l": -3345.0, "gt1r": -3255.0, "gt2l": -45.0, "gt2r": 45.0, "gt3l": 3255.0, "gt3r": 3345.0}
CHUNK = 1000     # synthetic chunk length (rows)
GZIP = 6
F4 = np.float32(np.finfo(np.float32).max)
I1 = np.int8(127)
I4 = np.int32(2147483647)


def write(grp, name, data, fill=None, attrs=None):
    data = np.asarray(data)
    if fill is None:
        fill = {np.dtype(np.float32): F4, np.dtype(np.int8): I1, np.dtype(np.int32): I4}.get(data.dtype)
    return tracks.write(grp, name, data, CHUNK, GZIP, fill, attrs, maxshape=(None,))


def granule(out, k, args, rng):
    node, u0, u1, t0, path, rgt, cycle = tracks.icesat2_pass("ATL08", out, k, args)
    total = 0
    with h5py.File(path, "w") as f:
        tracks.icesat2_header(f, "ATL08", rgt, cycle)
        for beam, offset in BEAMS.items():
            if k in args.drop_beam_of and beam == "gt3l":
                continue  # beams without data are omitted from granules
            lat, lon = tracks.track(INC, node, u0, u1, SEG_M, offset)
            n = lat.size
            total += n
            strong = beam.endswith("r")  # forward orientation: right beams strong
            ls = f.create_group(f"{beam}/land_segments")
            f[beam].attrs["atlas_beam_type"] = np.bytes_("strong" if strong else "weak")
            seg0 = 400000 + 5 * np.arange(n, dtype=np.int32)
            relief = 800 + 400 * np.sin(np.radians(lat) * 40) + 200 * np.cos(np.radians(lon) * 30)
            noise = 0.3 if strong else 0.8
            h_te = (relief + rng.normal(0, noise, n)).astype(np.float32)
            unc = rng.lognormal(np.log(0.4 if strong else 0.9), 0.4, n).astype(np.float32)
            forest = (np.sin(np.radians(lat) * 300) + np.cos(np.radians(lon) * 200)) > 0.3
            canopy_h = np.where(forest, np.clip(rng.normal(22, 7, n), 2, 60), F4).astype(np.float32)
            no_ground = rng.random(n) < 0.05
            h_te[no_ground] = F4
            write(ls, "latitude", lat.astype(np.float32), attrs={"units": "degrees_north"})
            write(ls, "longitude", lon.astype(np.float32), attrs={"units": "degrees_east"})
            write(ls, "delta_time", t0 + np.arange(n) * (SEG_M / 6900.0), fill=np.float64(np.finfo(np.float64).max),
                  attrs={"units": "seconds since 2018-01-01"})
            write(ls, "segment_id_beg", seg0)
            write(ls, "segment_id_end", seg0 + 4)
            write(ls, "night_flag", (rng.random(n) < 0.5).astype(np.int8))
            write(ls, "msw_flag", rng.choice(np.array([-1, 0, 1, 2, 3], np.int8), n, p=[0.05, 0.7, 0.1, 0.1, 0.05]))
            write(ls, "segment_watermask", (rng.random(n) < 0.03).astype(np.int8))
            write(ls, "terrain_flg", np.zeros(n, np.int32))
            write(ls, "n_seg_ph", rng.integers(50, 400, n).astype(np.int32))
            t = ls.create_group("terrain")
            write(t, "h_te_best_fit", h_te, attrs={"units": "m", "long_name": "terrain height, best fit"})
            write(t, "h_te_mean", np.where(no_ground, F4, h_te + rng.normal(0, 0.1, n)).astype(np.float32), attrs={"units": "m"})
            write(t, "h_te_median", np.where(no_ground, F4, h_te + rng.normal(0, 0.1, n)).astype(np.float32), attrs={"units": "m"})
            write(t, "h_te_uncertainty", np.where(no_ground, F4, unc).astype(np.float32), attrs={"units": "m"})
            c = ls.create_group("canopy")
            write(c, "h_canopy", canopy_h, attrs={"units": "m", "long_name": "98th percentile canopy height"})
            write(c, "h_mean_canopy", np.where(forest, canopy_h * 0.7, F4).astype(np.float32), attrs={"units": "m"})
            write(c, "h_canopy_uncertainty", np.where(forest, unc * 3, F4).astype(np.float32), attrs={"units": "m"})
            write(c, "canopy_openness", np.where(forest, rng.uniform(0.5, 5, n), F4).astype(np.float32), attrs={"units": "m"})
            write(c, "n_ca_photons", np.where(forest, rng.integers(5, 200, n), 0).astype(np.int32))
    return path, total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tracks.common_args(p, center="45,-121", lat_extent=1.5, spread=0.25, beam="gt3l", seed=8)
    args = tracks.parse(p, argv)
    tracks.write_granules(args, granule)


if __name__ == "__main__":
    main()
