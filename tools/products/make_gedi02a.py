#!/usr/bin/env python3
"""Synthetic GEDI L2A (GEDI02_A, version 002 layout) granule generator.

Writes HDF5 files with h5py following the real product's layout (see
SOURCES.md for what is verified and what is synthetic): eight beam groups
/BEAM0000 /BEAM0001 /BEAM0010 /BEAM0011 (coverage) /BEAM0101 /BEAM0110
/BEAM1000 /BEAM1011 (full power), each with one row per shot:
lat_lowestmode, lon_lowestmode (float64), elev_lowestmode,
elev_highestreturn, sensitivity, solar_elevation (float32), quality_flag,
degrade_flag, surface_flag, num_detectedmodes, channel (uint8), beam
(uint16), shot_number (uint64), delta_time (float64, seconds since
2018-01-01), with --rh also rh (float32, [n, 101]); /METADATA/DatasetIdentification.

Geometry: the ISS orbit (inclination 51.6 deg, so |lat| <= 51.6), eight
tracks 600 m apart across track, a shot every 60 m along track. Each
granule is one pass through a window of latitude (`--lat-extent` around
the target point): real granules are sub-orbits thousands of km long;
these are cut short to keep tests fast. Heights and flags are synthetic.

Deterministic: granule k is seeded from (--seed, k).

  python3 make_gedi02a.py --out DIR --center 0,180 --granules 4
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tracks  # noqa: E402

INC = 51.6
SHOT_M = 60.0
TRACK_SPACING_M = 600.0
# Beam name -> (channel, cross-track slot); coverage beams 0000-0011,
# full-power beams 0101-1011. The slot order across track is synthetic.
BEAMS = {
    "BEAM0000": 0, "BEAM0001": 1, "BEAM0010": 2, "BEAM0011": 3,
    "BEAM0101": 4, "BEAM0110": 5, "BEAM1000": 6, "BEAM1011": 7,
}
EPOCH = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)  # delta_time = 0
CHUNK = 4000       # synthetic chunk length (rows)
GZIP = 6           # synthetic deflate level
F4_FILL = np.float32(-9999.0)
DEGRADE_VALUES = np.array([3, 8, 10, 13, 18, 20, 23, 28, 30, 33, 38, 40, 43, 48, 60, 63, 68], np.uint8)


def write(grp, name, data, fill=None, attrs=None):
    return tracks.write(grp, name, data, CHUNK, GZIP, fill, attrs)


def granule(out, k, args, rng):
    ascending, node, u0, u1 = tracks.pass_through(INC, args.center, k, args.granules, args.spread, args.lat_extent)
    start = dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=7 * k + 0.37)
    t0 = (start - EPOCH).total_seconds()
    orbit = 12000 + 3 * k
    name = (f"GEDI02_A_{start:%Y}{start.timetuple().tm_yday:03d}{start:%H%M%S}_O{orbit:05d}"
            f"_02_T{(k * 1777) % 10000:05d}_02_003_01_V002.h5")
    path = os.path.join(out, name)
    n_total = 0
    with h5py.File(path, "w") as f:
        meta = f.create_group("METADATA/DatasetIdentification")
        meta.attrs["shortName"] = np.bytes_("GEDI_L2A")
        meta.attrs["VersionID"] = np.bytes_("002")
        meta.attrs["fileName"] = np.bytes_(name)
        for beam, slot in BEAMS.items():
            if k in args.drop_beam_of and slot == 7:
                continue  # a granule without one beam (real files may lack beams)
            offset = (slot - 3.5) * TRACK_SPACING_M
            lat, lon = tracks.track(INC, node, u0, u1, SHOT_M, offset)
            n = lat.size
            n_total += n
            g = f.create_group(beam)
            g.attrs["description"] = np.bytes_("Coverage beam" if slot < 4 else "Full power beam")
            power = slot >= 4
            shot = np.uint64(orbit) * np.uint64(10**13) + np.uint64(slot) * np.uint64(10**11) + np.arange(n, dtype=np.uint64)
            # Terrain: smooth relief + noise; the lowest mode is the ground.
            relief = (300 + 250 * np.sin(np.radians(lat) * 37) * np.cos(np.radians(lon) * 23)).astype(np.float64)
            elev = (relief + rng.normal(0, 2.0 if power else 4.0, n)).astype(np.float32)
            canopy = np.clip(rng.gamma(2.0, 8.0, n), 0, 60).astype(np.float32)
            quality = (rng.random(n) > (0.12 if power else 0.35)).astype(np.uint8)
            degrade = np.where(rng.random(n) < 0.03, rng.choice(DEGRADE_VALUES, n), 0).astype(np.uint8)
            sens = np.clip(rng.normal(0.95 if power else 0.9, 0.03, n), 0, 1).astype(np.float32)
            # Shots with no detected mode: fill heights, quality 0.
            nomode = rng.random(n) < 0.04
            quality[nomode] = 0
            elev[nomode] = F4_FILL
            highest = np.where(nomode, F4_FILL, elev + canopy).astype(np.float32)
            rh = (canopy[:, None] * np.linspace(0.0, 1.0, 101, dtype=np.float32) ** 0.7).astype(np.float32)
            rh[nomode] = F4_FILL
            write(g, "beam", np.full(n, int(beam[4:], 2), np.uint16))
            write(g, "channel", np.full(n, slot, np.uint8))
            write(g, "shot_number", shot)
            write(g, "delta_time", t0 + np.arange(n) * (SHOT_M / 7660.0),
                  attrs={"units": "seconds since 2018-01-01", "long_name": "Transmit time of the shot"})
            write(g, "lat_lowestmode", lat, attrs={"units": "degrees", "long_name": "Latitude of center of lowest mode"})
            write(g, "lon_lowestmode", lon, attrs={"units": "degrees", "long_name": "Longitude of center of lowest mode"})
            write(g, "elev_lowestmode", elev, fill=F4_FILL,
                  attrs={"units": "m", "long_name": "Elevation of center of lowest mode relative to reference ellipsoid"})
            write(g, "elev_highestreturn", highest, fill=F4_FILL, attrs={"units": "m"})
            write(g, "quality_flag", quality, attrs={"long_name": "Flag simplifying selection of most useful data"})
            write(g, "degrade_flag", degrade, attrs={"long_name": "Degraded state of pointing and/or positioning"})
            write(g, "sensitivity", sens, attrs={"long_name": "Maximum canopy cover that can be penetrated"})
            write(g, "solar_elevation", rng.uniform(-60, 80, n).astype(np.float32), attrs={"units": "degrees"})
            write(g, "surface_flag", np.ones(n, np.uint8))
            write(g, "num_detectedmodes", np.where(nomode, 0, rng.integers(1, 6, n)).astype(np.uint8))
            if args.rh:
                write(g, "rh", rh, fill=F4_FILL, attrs={"units": "m"})
    return path, n_total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tracks.common_args(p, center="0,180", lat_extent=3.0, spread=0.6, beam="BEAM1011", seed=2)
    p.add_argument("--rh", action="store_true", help="also write rh [n, 101] (about 6 MB per beam)")
    args = tracks.parse(p, argv)
    if abs(args.center[0]) + args.lat_extent > INC:
        p.error(f"GEDI covers |lat| <= {INC}")
    tracks.write_granules(args, granule)


if __name__ == "__main__":
    main()
