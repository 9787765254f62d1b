"""The time checks shared by the multi-window references
(`time_reference.py`, HEALPix; `py/polar_time_reference.py`, the polar
grid): CF `time` and `time_bnds`, dh/dt against numpy's weighted least
squares per cell, and the recovery of a known rate.

Imported (the tests put this folder on `sys.path`); the arrays are
flattened to (window, cell), so a grid's (time, y, x) and HEALPix's
(time, cells) are checked alike.
"""

import numpy as np

YEAR = 365.25 * 86400.0


def check_cf_time(ds, windows):
    """`time` decodes to the windows' mid-times (datetime64, to 1 ms) and
    `time_bnds` (time, nv) to their start and end."""
    assert np.issubdtype(ds["time"].dtype, np.datetime64), ds["time"].dtype
    starts = np.array([np.datetime64(w["start"].rstrip("Z")) for w in windows], "datetime64[ns]")
    ends = np.array([np.datetime64(w["end"].rstrip("Z")) for w in windows], "datetime64[ns]")
    mids = starts + (ends - starts) / 2
    err = np.abs((ds["time"].values - mids).astype("timedelta64[ns]").astype(np.int64))
    assert (err < 1_000_000).all(), err  # < 1 ms
    bnds = ds["time_bnds"]
    assert bnds.dims == ("time", "nv"), bnds.dims
    assert np.issubdtype(bnds.dtype, np.datetime64), bnds.dtype
    berr = np.abs((bnds.values - np.stack([starts, ends], 1)).astype(np.int64))
    assert (berr < 1_000_000).all(), berr


def check_dhdt(ds, report):
    """dhdt, dhdt_sigma, dhdt_chi2, dhdt_span and dhdt_windows equal numpy's
    weighted least squares per cell (np.polyfit, w = 1/sigma,
    cov="unscaled") on the store's own h_mean / h_sigma and mid-times;
    `cells_with_rate` and `cells_by_windows` go into `report`. Returns
    (rate, sigma, chi2, windows used), flat over the cells."""
    windows = ds.sizes["time"]
    t = (ds["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9) / YEAR
    h = ds["h_mean"].values.astype(np.float64).reshape(windows, -1)
    s = ds["h_sigma"].values.astype(np.float64).reshape(windows, -1)
    used = np.isfinite(h) & np.isfinite(s) & (s > 0)
    n = used.sum(0)
    with_data = (ds["count"].values.reshape(windows, -1) > 0).sum(0)
    assert (n == with_data).all(), "windows used != windows with data"
    rate, sig, chi = (np.full(h.shape[1], np.nan) for _ in range(3))
    span = np.where(n >= 1, 0.0, np.nan)
    for i in np.flatnonzero(n >= 2):
        m = used[:, i]
        tt, hh, ss = t[m], h[m, i], s[m, i]
        span[i] = tt.max() - tt.min()
        if span[i] <= 0:
            continue
        p, cov = np.polyfit(tt, hh, 1, w=1 / ss, cov="unscaled")
        rate[i], sig[i] = p[0], np.sqrt(cov[0, 0])
        if m.sum() > 2:
            chi[i] = np.sum(((hh - np.polyval(p, tt)) / ss) ** 2) / (m.sum() - 2)

    def close(name, ref, rtol, atol):
        got = ds[name].values.astype(np.float64).reshape(-1)
        both_nan = np.isnan(got) & np.isnan(ref)
        ok = both_nan | (np.abs(got - ref) <= atol + rtol * np.abs(ref))
        assert ok.all(), f"{name}: {(~ok).sum()} cells differ, e.g. {got[~ok][:5]} vs {ref[~ok][:5]}"
        return int((~np.isnan(ref)).sum())

    report["cells_with_rate"] = close("dhdt", rate, 2e-6, 1e-6)
    close("dhdt_sigma", sig, 2e-6, 1e-9)
    close("dhdt_chi2", chi, 1e-4, 1e-6)
    close("dhdt_span", span, 1e-6, 1e-9)
    assert (ds["dhdt_windows"].values.reshape(-1) == n).all()
    report["cells_by_windows"] = {str(k): int((n == k).sum()) for k in range(windows + 1)}
    return rate, sig, chi, n


def recovery(report, rate, sig, chi, n, truth):
    """How the rates recover `truth` (the generator's rate at the cells),
    into `report`: the fraction of cells within 1 and 2 formal sigmas, and
    of cells with three windows within 1 and 2 chi-square-scaled sigmas;
    medians; per group of cells (thinning: truth < -1 m/yr; background:
    truth > 0) the mean rate, the mean truth and the standard error."""
    have = np.isfinite(rate)
    three = have & (n == 3)
    err = np.abs(rate - truth)
    scaled = sig * np.sqrt(chi)
    report["formal_within_1"] = float(np.mean(err[have] < sig[have]))
    report["formal_within_2"] = float(np.mean(err[have] < 2 * sig[have]))
    report["scaled_within_1"] = float(np.mean(err[three] < scaled[three]))
    report["scaled_within_2"] = float(np.mean(err[three] < 2 * scaled[three]))
    report["median_formal_sigma"] = float(np.median(sig[have]))
    report["median_abs_error"] = float(np.median(err[have]))
    groups = {}
    for name, m in (("thinning", have & (truth < -1.0)), ("background", have & (truth > 0.0))):
        e = rate[m] - truth[m]
        groups[name] = {
            "cells": int(m.sum()),
            "truth_mean": float(truth[m].mean()) if m.any() else None,
            "dhdt_mean": float(rate[m].mean()) if m.any() else None,
            "standard_error": float(e.std(ddof=1) / np.sqrt(m.sum())) if m.sum() > 1 else None,
        }
    report["groups"] = groups
