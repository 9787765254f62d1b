//! Statistics kernels that reproduce numpy's float64 results.
//!
//! Sums use numpy's pairwise summation (8 accumulators in blocks of up to
//! 128, recursive halving above), so `sum`, `mean`, `var` and `average`
//! agree with numpy on float64 input to the last bit in the common case and
//! stay accurate for long inputs. Variance is two-pass like `np.var`
//! (population, `ddof=0`): mean first, then the sum of squared deviations,
//! which keeps centimetre noise on kilometre heights exact to ~1e-12.
//!
//! Conventions as numpy's non-`nan` functions: an empty input gives NaN;
//! NaN inputs propagate (`min`, `max`, `median` and `quantile` return NaN if
//! any value is NaN; sums, means and variances become NaN through the
//! arithmetic). `ddof` divides by `max(n - ddof, 0)` as `np.var` does, so
//! `n <= ddof` gives ±∞ or NaN where numpy warns.

/// numpy's `PW_BLOCKSIZE`.
const BLOCK: usize = 128;

/// numpy's pairwise sum of `f(0) .. f(n-1)` (`@TYPE@_pairwise_sum`), without
/// the leading `0.0 +` of a reduction (see [`sum_by`]).
#[inline]
fn pairwise(start: usize, n: usize, f: &impl Fn(usize) -> f64) -> f64 {
    if n < 8 {
        let mut res = 0.0;
        for i in start..start + n {
            res += f(i);
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0; 8];
        for (k, r) in r.iter_mut().enumerate() {
            *r = f(start + k);
        }
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (k, r) in r.iter_mut().enumerate() {
                *r += f(start + i + k);
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for j in whole..n {
            res += f(start + j);
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(start, n2, f) + pairwise(start + n2, n - n2, f)
    }
}

/// `np.sum` of `f(0) .. f(n-1)`: the reduction starts from the identity 0.0
/// and adds the pairwise sum.
#[inline]
pub fn sum_by(n: usize, f: impl Fn(usize) -> f64) -> f64 {
    0.0 + pairwise(0, n, &f)
}

/// `np.sum(x)`.
pub fn sum(x: &[f64]) -> f64 {
    sum_by(x.len(), |i| x[i])
}

/// `np.mean(x)`; NaN for an empty slice.
pub fn mean(x: &[f64]) -> f64 {
    sum(x) / x.len() as f64
}

/// `np.var(x)` (population variance, `ddof=0`); NaN for an empty slice.
pub fn var(x: &[f64]) -> f64 {
    var_ddof(x, 0.0)
}

/// `np.var(x, ddof=ddof)`: the sum of squared deviations from the mean,
/// divided by `max(n - ddof, 0)`.
pub fn var_ddof(x: &[f64], ddof: f64) -> f64 {
    let m = mean(x);
    let ss = sum_by(x.len(), |i| {
        let d = x[i] - m;
        d * d
    });
    ss / (x.len() as f64 - ddof).max(0.0)
}

/// `np.std(x)` (`ddof=0`).
pub fn std(x: &[f64]) -> f64 {
    var(x).sqrt()
}

/// `np.std(x, ddof=ddof)`.
pub fn std_ddof(x: &[f64], ddof: f64) -> f64 {
    var_ddof(x, ddof).sqrt()
}

/// `np.median(x)`, by selection: the middle value, or the mean of the two
/// middle values (as `np.mean` of them). `values` is reordered. NaN if `x`
/// is empty or holds a NaN.
pub fn median(values: &mut [f64]) -> f64 {
    let len = values.len();
    if len == 0 || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let half = len / 2;
    if len % 2 == 1 {
        let (_, mid, _) = values.select_nth_unstable_by(half, f64::total_cmp);
        return mean(&[*mid]);
    }
    let (_, lower, upper) = values.select_nth_unstable_by(half - 1, f64::total_cmp);
    let lower = *lower;
    let upper = upper.iter().copied().fold(f64::INFINITY, f64::min);
    mean(&[lower, upper])
}

/// `np.percentile(x, p)`: `np.quantile(x, p / 100)`. `values` is reordered.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    quantile(values, p / 100.0)
}

/// `np.min(x)` (NaN propagates); NaN for an empty slice (numpy raises).
pub fn min(x: &[f64]) -> f64 {
    let Some((&first, rest)) = x.split_first() else {
        return f64::NAN;
    };
    rest.iter()
        .fold(first, |m, &v| if v < m || v.is_nan() { v } else { m })
}

/// `np.max(x)` (NaN propagates); NaN for an empty slice (numpy raises).
pub fn max(x: &[f64]) -> f64 {
    let Some((&first, rest)) = x.split_first() else {
        return f64::NAN;
    };
    rest.iter()
        .fold(first, |m, &v| if v > m || v.is_nan() { v } else { m })
}

/// `np.average(x, weights=w)`: `sum(x*w) / sum(w)`. A zero weight sum gives
/// NaN or ±∞ (numpy raises `ZeroDivisionError`).
pub fn average(x: &[f64], w: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), w.len());
    let n = x.len().min(w.len());
    sum_by(n, |i| x[i] * w[i]) / sum_by(n, |i| w[i])
}

/// Inverse-variance error of the weighted mean, `1 / sqrt(sum(1 / s**2))`
/// (the ATL06 `h_sigma`), for per-observation errors `s`.
pub fn inverse_variance_sigma(s: &[f64]) -> f64 {
    1.0 / sum_by(s.len(), |i| 1.0 / (s[i] * s[i])).sqrt()
}

/// `np.quantile(x, q)` with the default method `'linear'`, by selection
/// rather than sorting. `values` is reordered. NaN if `x` is empty or holds a NaN.
///
/// Calling it again on the same (reordered) slice with another `q` is valid
/// and cheaper: selection keeps earlier partitions.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    let len = values.len();
    if len == 0 || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let last = (len - 1) as f64;
    let virtual_index = last * q;
    if virtual_index.is_nan() {
        return f64::NAN;
    }
    if virtual_index >= last {
        // numpy takes arr[-1] for both neighbours, gamma = index + 1.
        let hi = max(values);
        return lerp(hi, hi, virtual_index + 1.0);
    }
    if virtual_index < 0.0 {
        let lo = min(values);
        return lerp(lo, lo, virtual_index);
    }
    let below = virtual_index.floor();
    let k = below as usize;
    let (_, lower, upper) = values.select_nth_unstable_by(k, f64::total_cmp);
    let lower = *lower;
    let upper = upper.iter().copied().fold(f64::INFINITY, f64::min);
    lerp(lower, upper, virtual_index - below)
}

/// numpy's `_lerp`: `a + (b-a)*t`, or `b - (b-a)*(1-t)` when `t >= 0.5`.
#[inline]
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_matches_plain_sum_on_integers() {
        for n in [0usize, 1, 7, 8, 9, 127, 128, 129, 1000, 5000] {
            let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
            assert_eq!(sum(&x), (n * n.saturating_sub(1) / 2) as f64, "n={n}");
        }
    }

    #[test]
    fn empty_inputs_are_nan() {
        assert!(mean(&[]).is_nan());
        assert!(var(&[]).is_nan());
        assert!(min(&[]).is_nan());
        assert!(quantile(&mut [], 0.5).is_nan());
    }

    #[test]
    fn nan_propagates_like_numpy() {
        let x = [1.0, f64::NAN, 0.0];
        assert!(min(&x).is_nan());
        assert!(max(&x).is_nan());
        assert!(quantile(&mut x.clone(), 0.5).is_nan());
        assert!(min(&[f64::NAN, 1.0]).is_nan());
    }

    #[test]
    fn median_small_cases() {
        assert_eq!(median(&mut [5.0]), 5.0);
        assert_eq!(median(&mut [3.0, 1.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&mut []).is_nan());
        assert!(median(&mut [1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn ddof_divides_by_n_minus_ddof() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(var_ddof(&x, 0.0), 1.25);
        assert_eq!(var_ddof(&x, 1.0), 5.0 / 3.0);
        assert_eq!(std_ddof(&x, 1.0), (5.0f64 / 3.0).sqrt());
        assert!(var_ddof(&[2.0], 1.0).is_nan());
        assert_eq!(var_ddof(&x, 5.0), f64::INFINITY);
    }

    #[test]
    fn quantile_small_cases() {
        assert_eq!(quantile(&mut [5.0], 0.25), 5.0);
        assert_eq!(quantile(&mut [1.0, 2.0], 0.5), 1.5);
        assert_eq!(quantile(&mut [4.0, 1.0, 3.0, 2.0], 0.0), 1.0);
        assert_eq!(quantile(&mut [4.0, 1.0, 3.0, 2.0], 1.0), 4.0);
        assert_eq!(quantile(&mut [4.0, 1.0, 3.0, 2.0], 0.25), 1.75);
    }
}
