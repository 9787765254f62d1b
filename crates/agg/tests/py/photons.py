"""ATL03-like granules for the grammar tests, written with h5py: per beam,
`heights/lat_ph`, `lon_ph` (float64), `h_ph` (float32, `_FillValue` attribute
= float32 max, some NaN), `w_ph` (float32 weights, HDF5 fill value property
-999 and no attribute), `e_ph` (float32, `_FillValue` a float64 attribute of
1e30, which float32 data holds as float32(1e30)), `quality_ph` (int8) and
`signal_conf_ph` (int8, [n, 5], chunked by rows with deflate, as ATL03).

usage: photons.py OUT_DIR LAT LON ; writes photons_<k>.h5 around (LAT, LON).
"""
import os
import sys

import h5py
import numpy as np

out, lat0, lon0 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rng = np.random.default_rng(42)
F32MAX = np.finfo(np.float32).max


def spoil(a, frac, value):
    a[rng.random(len(a)) < frac] = value


for k, beams in enumerate((("gt1l", "gt2r"), ("gt2r",), ("gt1l", "gt2r"))):
    with h5py.File(os.path.join(out, f"photons_{k}.h5"), "w") as f:
        for b, beam in enumerate(beams):
            n = 24000 + 3000 * k
            t = np.linspace(-1.0, 1.0, n)
            lat = lat0 + 0.9 * t + 0.02 * b
            lon = lon0 + 0.6 * t + 0.05 * k + 0.03 * np.sin(7 * t)
            spoil(lat, 0.003, np.nan)
            h = (1000.0 + 40.0 * np.sin(3 * t) + rng.normal(0, 2.0, n)).astype("f4")
            # Ties: many heights repeat (medians and quantiles of tied values).
            h[rng.random(n) < 0.2] = np.float32(1000.5)
            spoil(h, 0.01, np.nan)
            spoil(h, 0.01, F32MAX)
            w = rng.uniform(0.5, 2.0, n).astype("f4")
            spoil(w, 0.01, -999.0)
            e = rng.normal(0.0, 0.3, n).astype("f4")
            spoil(e, 0.01, np.float32(1e30))
            q = rng.integers(0, 3, n).astype("i1")
            conf = rng.integers(-2, 5, (n, 5)).astype("i1")
            g = f.create_group(f"{beam}/heights")
            g.create_dataset("lat_ph", data=lat, chunks=(4000,), compression="gzip")
            g.create_dataset("lon_ph", data=lon, chunks=(4000,), compression="gzip")
            d = g.create_dataset("h_ph", data=h, chunks=(4000,), compression="gzip")
            d.attrs["_FillValue"] = F32MAX
            g.create_dataset("w_ph", data=w, chunks=(4000,), fillvalue=-999.0)
            d = g.create_dataset("e_ph", data=e, chunks=(4000,))
            d.attrs["_FillValue"] = np.float64(1e30)
            g.create_dataset("quality_ph", data=q, chunks=(4000,))
            g.create_dataset("signal_conf_ph", data=conf, chunks=(4000, 5),
                             compression="gzip", shuffle=True)
