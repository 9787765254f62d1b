//! The dh/dt kernel against numpy, and on synthetic data with a known rate.
//!
//! - Reference: `np.polyfit(t, h, 1, w=1/σ, cov='unscaled')` for the rate
//!   and its formal error, and the centred normal equations written out in
//!   numpy's extended precision (`np.longdouble`) for both and the reduced
//!   χ², on cells of 2 to 40 windows with empty windows (NaN) mixed
//!   in, uneven times and sigmas spanning two orders of magnitude, at
//!   ice-sheet heights (kilometres, centimetre changes).
//! - Recovery: 4,000 cells whose windows' means are `h₀ + r·t` plus
//!   Gaussian noise of their own σ: the estimate falls within one reported
//!   error of `r` in ≈ 68 % of cells and within 4.5 errors in all, and the
//!   mean reduced χ² is ≈ 1.

// h, s, t, n, z: the formulas' own names.
#![allow(clippy::many_single_char_names)]

mod common;

use common::{Rng, rel_diff, write_f64};
use magg_agg::trend::trend;

const REFERENCE: &str = r#"
import json, sys
import numpy as np
d = sys.argv[1]
lens = json.load(open(d + "/lens.json"))
h_all, s_all, t_all = (np.fromfile(d + f"/{k}.f64", dtype="<f8") for k in "hst")
out, start = [], 0
for n in lens:
    h, s, t = (a[start:start + n] for a in (h_all, s_all, t_all))
    start += n
    ok = np.isfinite(h) & np.isfinite(s) & (s > 0) & np.isfinite(t)
    h, s, t = h[ok], s[ok], t[ok]
    p, cov = np.polyfit(t, h, 1, w=1.0 / s, cov="unscaled")
    w = 1.0 / s**2
    chi2 = float(np.sum(w * (h - np.polyval(p, t))**2) / (len(h) - 2)) if len(h) > 2 else None
    # The normal equations written out, centred, in extended precision.
    hl, wl, tl = (a.astype(np.longdouble) for a in (h, w, t))
    tm, hm = np.sum(wl * tl) / np.sum(wl), np.sum(wl * hl) / np.sum(wl)
    sdd = np.sum(wl * (tl - tm)**2)
    exact = np.sum(wl * (tl - tm) * (hl - hm)) / sdd
    out.append({"n": int(len(h)), "rate": float(p[0]), "sigma": float(np.sqrt(cov[0, 0])),
                "chi2": chi2, "span": float(t.max() - t.min()),
                "rate_ld": float(exact), "sigma_ld": float(1 / np.sqrt(sdd))})
print(json.dumps(out))
"#;

struct Cell {
    h: Vec<f64>,
    s: Vec<f64>,
    t: Vec<f64>,
}

fn cells(rng: &mut Rng) -> Vec<Cell> {
    let mut out = Vec::new();
    for k in 0..300 {
        let n = 2 + (k % 39);
        let base = 1500.0 + 2000.0 * rng.uniform();
        let rate = 2.0 * rng.normal();
        let mut t: Vec<f64> = (0..n)
            .map(|i| 2019.0 + i as f64 * 0.25 + 0.1 * rng.uniform())
            .collect();
        if k % 5 == 0 {
            t.reverse();
        }
        let s: Vec<f64> = (0..n)
            .map(|_| 0.01 * (2.3 * rng.uniform()).exp2())
            .collect();
        let mut h: Vec<f64> = t
            .iter()
            .zip(&s)
            .map(|(t, s)| base + rate * (t - 2019.0) + s * rng.normal())
            .collect();
        // Empty windows, keeping at least two used.
        if n > 4 {
            h[1] = f64::NAN;
            if k % 3 == 0 {
                h[n - 2] = f64::NAN;
            }
        }
        out.push(Cell { h, s, t });
    }
    out
}

#[test]
fn rate_error_and_chi2_equal_numpy() {
    let mut rng = Rng::new(20261203);
    let cells = cells(&mut rng);
    let dir = tempfile::tempdir().unwrap();
    let cat = |f: fn(&Cell) -> &Vec<f64>| cells.iter().flat_map(f).copied().collect::<Vec<f64>>();
    write_f64(&dir.path().join("h.f64"), &cat(|c| &c.h));
    write_f64(&dir.path().join("s.f64"), &cat(|c| &c.s));
    write_f64(&dir.path().join("t.f64"), &cat(|c| &c.t));
    let lens: Vec<usize> = cells.iter().map(|c| c.h.len()).collect();
    std::fs::write(
        dir.path().join("lens.json"),
        serde_json::to_string(&lens).unwrap(),
    )
    .unwrap();
    let out = magg_testkit::run_python(REFERENCE, &[dir.path().to_str().unwrap()]);
    let refs: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(refs.len(), cells.len());
    let (mut worst, mut worst_ld) = (0.0f64, 0.0f64);
    for (i, (c, r)) in cells.iter().zip(&refs).enumerate() {
        let got = trend(&c.h, &c.s, &c.t, 2);
        assert_eq!(
            u64::from(got.n_windows),
            r["n"].as_u64().unwrap(),
            "cell {i}"
        );
        let want = |k: &str| r[k].as_f64().unwrap();
        // Tolerances: np.polyfit solves by least squares (SVD) on uncentred
        // years ~2020 and loses up to ~1e-8 relative; against the centred
        // normal equations in extended precision the kernel is exact to a
        // few ulps.
        for (name, g, w, tol) in [
            ("rate", got.rate, want("rate"), 1e-7),
            ("sigma", got.rate_sigma, want("sigma"), 1e-7),
            ("rate (long double)", got.rate, want("rate_ld"), 1e-12),
            (
                "sigma (long double)",
                got.rate_sigma,
                want("sigma_ld"),
                1e-13,
            ),
            ("span", got.span, want("span"), 1e-15),
        ] {
            let d = rel_diff(g, w);
            if name.contains("long double") {
                worst_ld = worst_ld.max(d);
            } else {
                worst = worst.max(d);
            }
            assert!(d < tol, "cell {i} {name}: magg {g}, numpy {w}");
        }
        match r["chi2"].as_f64() {
            Some(w) => assert!(
                rel_diff(got.reduced_chi2, w) < 1e-6,
                "cell {i}: {got:?} {r}"
            ),
            None => assert!(got.reduced_chi2.is_nan(), "cell {i}"),
        }
    }
    eprintln!(
        "largest relative difference from np.polyfit: {worst:e}, from the long-double normal equations: {worst_ld:e}"
    );
}

#[test]
fn recovers_a_known_rate_within_the_reported_error() {
    let mut rng = Rng::new(7);
    let (mut within1, mut chi2_sum) = (0u32, 0.0);
    let n_cells = 4000;
    for k in 0..n_cells {
        let rate = -1.5 + 0.001 * f64::from(k);
        let n = 3 + (k % 6) as usize;
        let t: Vec<f64> = (0..n).map(|i| i as f64 * 0.25).collect();
        let s: Vec<f64> = (0..n).map(|_| 0.05 + 0.5 * rng.uniform()).collect();
        let h: Vec<f64> = t
            .iter()
            .zip(&s)
            .map(|(t, s)| 2000.0 + rate * t + s * rng.normal())
            .collect();
        let got = trend(&h, &s, &t, 2);
        let z = (got.rate - rate).abs() / got.rate_sigma;
        assert!(
            z < 4.5,
            "cell {k}: rate {} ± {}, true {rate}",
            got.rate,
            got.rate_sigma
        );
        within1 += u32::from(z <= 1.0);
        chi2_sum += got.reduced_chi2;
    }
    let frac = f64::from(within1) / f64::from(n_cells);
    let chi2 = chi2_sum / f64::from(n_cells);
    eprintln!("within 1σ: {frac:.3}; mean reduced χ²: {chi2:.3}");
    // 68.3 % expected; 4,000 cells give ±0.74 % of binomial scatter.
    assert!((0.65..0.715).contains(&frac), "{frac}");
    assert!((0.95..1.05).contains(&chi2), "{chi2}");
}
