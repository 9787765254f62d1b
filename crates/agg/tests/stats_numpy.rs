//! The statistics kernels against numpy on the same float64 data.

// Comparisons with numpy are exact on purpose.
#![allow(clippy::float_cmp)]

mod common;

use common::{Rng, rel_diff, write_f64};
use magg_agg::stats;

const QS: [f64; 9] = [0.0, 0.01, 0.25, 1.0 / 3.0, 0.5, 0.75, 0.9, 0.999, 1.0];

/// `ddof` values of `np.var` / `np.std` (3 exceeds n for the smallest cases:
/// ±∞ or NaN, as numpy).
const DDOFS: [f64; 4] = [0.0, 1.0, 1.5, 3.0];

/// Bitwise equality, NaN equal to NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

const REFERENCE: &str = r#"
import json, sys
import numpy as np
d = sys.argv[1]
lens = json.load(open(d + "/lens.json"))
x_all = np.fromfile(d + "/x.f64", dtype="<f8")
s_all = np.fromfile(d + "/s.f64", dtype="<f8")
qs = json.loads(sys.argv[2])
ddofs = json.loads(sys.argv[3])
np.seterr(all="ignore")  # ddof >= n divides by zero, as numpy warns
out, start = [], 0
for n in lens:
    x, s = x_all[start:start + n], s_all[start:start + n]
    start += n
    w = 1.0 / s**2
    out.append({
        "sum": float(np.sum(x)), "mean": float(np.mean(x)), "var": float(np.var(x)),
        "std": float(np.std(x)), "min": float(np.min(x)), "max": float(np.max(x)),
        "average": float(np.average(x, weights=w)),
        "sigma": float(1.0 / np.sqrt(np.sum(1.0 / s**2))),
        "quantile": [float(v) for v in np.quantile(x, qs)],
        "percentile": [float(v) for v in np.percentile(x, [100 * q for q in qs] + [12.3, 99.9])],
        "median": float(np.median(x)),
        "var_ddof": [repr(float(np.var(x, ddof=d))) for d in ddofs],
        "std_ddof": [repr(float(np.std(x, ddof=d))) for d in ddofs],
    })
print(json.dumps(out))
"#;

struct Case {
    label: String,
    x: Vec<f64>,
    s: Vec<f64>,
}

fn cases() -> Vec<Case> {
    let mut rng = Rng::new(20251124);
    let mut out = Vec::new();
    let sigma = |rng: &mut Rng| (0.03 * (0.8 * rng.normal()).exp()).max(1e-3);
    for n in [
        1usize, 2, 3, 5, 7, 8, 9, 15, 16, 17, 100, 127, 128, 129, 130, 255, 256, 257, 1000, 4099,
    ] {
        let x = (0..n).map(|_| rng.normal()).collect();
        let s = (0..n).map(|_| sigma(&mut rng)).collect();
        out.push(Case {
            label: format!("normal n={n}"),
            x,
            s,
        });
    }
    // Ice-sheet heights: kilometres with centimetre noise (variance must not
    // lose digits to the offset).
    for n in [10usize, 333, 20000] {
        let base = 3000.0 + 500.0 * rng.uniform();
        let x = (0..n).map(|_| base + 0.02 * rng.normal()).collect();
        let s = (0..n).map(|_| sigma(&mut rng)).collect();
        out.push(Case {
            label: format!("offset heights n={n}"),
            x,
            s,
        });
    }
    // Ties and constant runs.
    for n in [4usize, 50, 301] {
        let x = (0..n).map(|_| rng.below(3) as f64).collect();
        let s = (0..n).map(|_| 0.1 * (1 + rng.below(2)) as f64).collect();
        out.push(Case {
            label: format!("ties n={n}"),
            x,
            s,
        });
    }
    out.push(Case {
        label: "constant".into(),
        x: vec![1234.5678; 40],
        s: vec![0.05; 40],
    });
    out.push(Case {
        label: "wide range".into(),
        x: (0..200)
            .map(|i| (f64::from(i) - 100.0) * 10f64.powi(i % 12))
            .collect(),
        s: vec![1.0; 200],
    });
    out
}

#[test]
fn kernels_match_numpy() {
    let cases = cases();
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = cases.iter().flat_map(|c| c.x.iter().copied()).collect();
    let s: Vec<f64> = cases.iter().flat_map(|c| c.s.iter().copied()).collect();
    write_f64(&dir.path().join("x.f64"), &x);
    write_f64(&dir.path().join("s.f64"), &s);
    let lens: Vec<usize> = cases.iter().map(|c| c.x.len()).collect();
    std::fs::write(
        dir.path().join("lens.json"),
        serde_json::to_string(&lens).unwrap(),
    )
    .unwrap();
    let out = magg_testkit::run_python(
        REFERENCE,
        &[
            dir.path().to_str().unwrap(),
            &serde_json::to_string(&QS).unwrap(),
            &serde_json::to_string(&DDOFS).unwrap(),
        ],
    );
    let reference: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(reference.len(), cases.len());

    let (mut exact, mut total) = (0, 0);
    for (case, r) in cases.iter().zip(&reference) {
        let get = |k: &str| r[k].as_f64().unwrap();
        let w: Vec<f64> = case.s.iter().map(|s| 1.0 / (s * s)).collect();
        let ours = [
            ("sum", stats::sum(&case.x)),
            ("mean", stats::mean(&case.x)),
            ("var", stats::var(&case.x)),
            ("std", stats::std(&case.x)),
            ("average", stats::average(&case.x, &w)),
            ("sigma", stats::inverse_variance_sigma(&case.s)),
        ];
        for (name, v) in ours {
            let d = rel_diff(v, get(name));
            assert!(
                d <= 1e-12,
                "{}: {name} = {v:e}, numpy {:e} (rel {d:e})",
                case.label,
                get(name)
            );
            exact += usize::from(d == 0.0);
            total += 1;
        }
        // Selections involve no rounding beyond numpy's own lerp: exact.
        assert_eq!(stats::min(&case.x), get("min"), "{}: min", case.label);
        assert_eq!(stats::max(&case.x), get("max"), "{}: max", case.label);
        let mut scratch = case.x.clone();
        for (q, want) in QS.iter().zip(r["quantile"].as_array().unwrap()) {
            let v = stats::quantile(&mut scratch, *q);
            assert_eq!(
                v,
                want.as_f64().unwrap(),
                "{}: quantile({q}) of {:?}",
                case.label,
                case.x
            );
        }
        // np.percentile is np.quantile at q / 100: as exact.
        let ps: Vec<f64> = QS.iter().map(|q| 100.0 * q).chain([12.3, 99.9]).collect();
        for (p, want) in ps.iter().zip(r["percentile"].as_array().unwrap()) {
            let v = stats::percentile(&mut scratch, *p);
            assert_eq!(v, want.as_f64().unwrap(), "{}: percentile({p})", case.label);
        }
        let mut scratch = case.x.clone();
        assert_eq!(
            stats::median(&mut scratch),
            get("median"),
            "{}: median",
            case.label
        );
        for (k, d) in DDOFS.iter().enumerate() {
            for (name, v) in [
                ("var_ddof", stats::var_ddof(&case.x, *d)),
                ("std_ddof", stats::std_ddof(&case.x, *d)),
            ] {
                let want: f64 = r[name][k].as_str().unwrap().parse().unwrap();
                let d_rel = rel_diff(v, want);
                assert!(
                    same(v, want) || d_rel <= 1e-12,
                    "{}: {name}(ddof={d}) = {v:e}, numpy {want:e}",
                    case.label
                );
                exact += usize::from(same(v, want));
                total += 1;
            }
        }
    }
    println!("sums/means/variances bit-identical to numpy: {exact}/{total}");
}
