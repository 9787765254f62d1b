//! Elevation change per cell: the rate of change (dh/dt) of a cell's
//! per-window weighted means, by weighted least squares.
//!
//! Input, per window `i` of one cell: the window's weighted mean `hᵢ`, its
//! sigma `σᵢ` (the inverse-variance sigma `1/√Σ(1/s²)` of the window's
//! observations) and the window's mid-time `tᵢ` (any unit; years give
//! dh/dt per year).
//!
//! **Which windows are used.** A window is used when `hᵢ`, `σᵢ` and `tᵢ`
//! are finite and `σᵢ > 0`; any other window (an empty cell: NaN mean, or
//! a fill) is skipped. No window is ever invented or interpolated.
//!
//! **Minimum-windows rule.** A rate is reported when at least
//! `min_windows` windows are used (at least 2; [`DEFAULT_MIN_WINDOWS`] is
//! 2) and their times are not all equal. Otherwise the rate, its error and
//! the χ² are NaN, while the number of windows used and the time span are
//! still reported (so a store shows why a cell has no rate).
//!
//! **The fit.** Weights `wᵢ = 1/σᵢ²`; with `t̄ = Σwt/Σw` and
//! `h̄ = Σwh/Σw`, the slope is `Σ wᵢ (tᵢ − t̄)(hᵢ − h̄) / Σ wᵢ (tᵢ − t̄)²`
//! (the normal equations of the weighted straight-line fit, centred so
//! that times like 2020.5 and heights like 3000 m lose no digits), equal to
//! `np.polyfit(t, h, 1, w=1/σ)[0]`.
//!
//! **Its standard error** is the formal one, from the σ's alone:
//! `1/√(Σ wᵢ (tᵢ − t̄)²)`, i.e. `√cov[0,0]` of
//! `np.polyfit(..., w=1/σ, cov='unscaled')`. It treats the σ's as the
//! windows' true errors, so it is defined with two windows (zero degrees of
//! freedom: the line passes through both means, and the error is that of
//! the difference of two means over their time apart). The scatter about
//! the line is reported separately as the reduced χ²,
//! `Σ wᵢ (hᵢ − fitᵢ)² / (n − 2)` (NaN for `n = 2`): √χ²·error is the
//! error scaled to the scatter (numpy's `cov=True`), for users who trust
//! the scatter more than the σ's.

/// The default minimum number of windows for a rate.
pub const DEFAULT_MIN_WINDOWS: u32 = 2;

/// A cell's elevation change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// dh/dt, units of `h` per unit of `t`; NaN when the rule is not met.
    pub rate: f64,
    /// Its formal standard error (from the σ's); NaN likewise.
    pub rate_sigma: f64,
    /// The fitted value at the weighted mean time `t̄` (the weighted mean of
    /// the `h`'s); NaN likewise.
    pub mean: f64,
    /// The weighted mean time `t̄`; NaN when no window is used.
    pub mean_time: f64,
    /// The reduced χ² of the fit, `n − 2` degrees of freedom; NaN when
    /// there is no rate or `n = 2`.
    pub reduced_chi2: f64,
    /// Windows used.
    pub n_windows: u32,
    /// Last minus first time of the windows used (0 when fewer than two).
    pub span: f64,
}

/// The trend of one cell from its windows' means `h`, sigmas `sigma` and
/// mid-times `t` (one entry per window, in any order), reporting a rate
/// when at least `min_windows` (raised to 2) windows are used (module
/// docs). No allocation.
///
/// # Panics
/// When the three slices differ in length.
pub fn trend(h: &[f64], sigma: &[f64], t: &[f64], min_windows: u32) -> Trend {
    assert!(
        h.len() == sigma.len() && h.len() == t.len(),
        "trend: {} means, {} sigmas, {} times",
        h.len(),
        sigma.len(),
        t.len()
    );
    let used = || {
        h.iter()
            .zip(sigma)
            .zip(t)
            .filter(|((h, s), t)| h.is_finite() && s.is_finite() && **s > 0.0 && t.is_finite())
            .map(|((&h, &s), &t)| (h, 1.0 / (s * s), t))
    };
    let (mut n, mut sw, mut swt, mut swh) = (0u32, 0.0, 0.0, 0.0);
    let (mut t_lo, mut t_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (h, w, t) in used() {
        n += 1;
        sw += w;
        swt += w * t;
        swh += w * h;
        t_lo = t_lo.min(t);
        t_hi = t_hi.max(t);
    }
    let span = if n >= 2 { t_hi - t_lo } else { 0.0 };
    let mean_time = if n > 0 { swt / sw } else { f64::NAN };
    let mut out = Trend {
        rate: f64::NAN,
        rate_sigma: f64::NAN,
        mean: f64::NAN,
        mean_time,
        reduced_chi2: f64::NAN,
        n_windows: n,
        span,
    };
    if n < min_windows.max(2) || span <= 0.0 {
        return out;
    }
    let mean = swh / sw;
    let (mut sdd, mut sdh) = (0.0, 0.0);
    for (h, w, t) in used() {
        let d = t - mean_time;
        sdd += w * d * d;
        sdh += w * d * (h - mean);
    }
    if sdd.is_nan() || sdd <= 0.0 {
        return out;
    }
    let rate = sdh / sdd;
    out.rate = rate;
    out.rate_sigma = 1.0 / sdd.sqrt();
    out.mean = mean;
    if n > 2 {
        let chi2: f64 = used()
            .map(|(h, w, t)| w * (h - (mean + rate * (t - mean_time))).powi(2))
            .sum();
        out.reduced_chi2 = chi2 / f64::from(n - 2);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_line_and_two_windows() {
        let t = [2019.0, 2020.0, 2021.5];
        let h: Vec<f64> = t.iter().map(|t| 100.0 - 0.5 * (t - 2019.0)).collect();
        let s = [0.1, 0.2, 0.1];
        let r = trend(&h, &s, &t, 2);
        assert!((r.rate + 0.5).abs() < 1e-13, "{r:?}");
        assert!(r.reduced_chi2.abs() < 1e-18);
        assert_eq!((r.n_windows, r.span), (3, 2.5));
        // Two windows: the slope through both, the error of the difference
        // of two means over their time apart.
        let r = trend(&[1.0, 3.0], &[0.3, 0.4], &[0.0, 2.0], 2);
        assert!((r.rate - 1.0).abs() < 1e-15);
        assert!((r.rate_sigma - 0.5 / 2.0).abs() < 1e-15, "{r:?}");
        assert!(r.reduced_chi2.is_nan());
    }

    #[test]
    fn skipped_windows_and_the_minimum_rule() {
        let nan = f64::NAN;
        // Empty windows (NaN mean), a zero and an infinite sigma, a NaN time.
        let h = [nan, 1.0, 2.0, 5.0, 7.0, 3.0];
        let s = [0.1, 0.1, 0.0, f64::INFINITY, 0.1, 0.1];
        let t = [0.0, 1.0, 2.0, 3.0, nan, 3.0];
        let r = trend(&h, &s, &t, 2);
        assert_eq!((r.n_windows, r.span), (2, 2.0));
        assert!((r.rate - 1.0).abs() < 1e-15);
        let r = trend(&h, &s, &t, 3);
        assert!(r.rate.is_nan() && r.rate_sigma.is_nan());
        assert_eq!((r.n_windows, r.span), (2, 2.0));
        // min_windows below 2 is raised to 2.
        let one = trend(&[1.0], &[0.1], &[0.0], 0);
        assert!(one.rate.is_nan());
        assert_eq!((one.n_windows, one.span), (1, 0.0));
        // Equal times: no rate.
        let same = trend(&[1.0, 2.0], &[0.1, 0.1], &[5.0, 5.0], 2);
        assert!(same.rate.is_nan());
        let none = trend(&[], &[], &[], 2);
        assert_eq!(none.n_windows, 0);
        assert!(none.mean_time.is_nan());
    }
}
