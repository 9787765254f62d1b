//! Elevation change of a shard over time windows: per cell, the windows'
//! weighted means and sigmas (two outputs of the config, by default
//! `h_mean` and `h_sigma`) → the rate by weighted least squares
//! ([`crate::trend::trend`]), written as five columns with no time
//! dimension:
//!
//! | column | dtype | meaning (fill where no window has data) |
//! |---|---|---|
//! | `dhdt` | float32 | rate, units of the mean per year (NaN when the rule is not met) |
//! | `dhdt_sigma` | float32 | its formal standard error, from the windows' sigmas alone |
//! | `dhdt_chi2` | float32 | reduced χ² of the fit (n − 2 degrees of freedom; NaN for 2 windows): `dhdt_sigma·√dhdt_chi2` is the error scaled to the scatter |
//! | `dhdt_windows` | int32 | windows used (a finite mean, a finite positive sigma) |
//! | `dhdt_span` | float32 | years from the first to the last window used (0 for one) |
//!
//! **Times** are the windows' mid-times in years (365.25 days); the rate
//! is per year. **Minimum-windows rule**: a rate is written when at least
//! `min_windows` windows (at least 2, default
//! [`crate::trend::DEFAULT_MIN_WINDOWS`]) have data in the cell and their
//! times differ; otherwise `dhdt`, `dhdt_sigma` and `dhdt_chi2` are NaN
//! while `dhdt_windows` and `dhdt_span` say what there was.

use serde::{Deserialize, Serialize};

use crate::column::Column;
use crate::dtype::{Dtype, FillValue};
use crate::plan::Plan;
use crate::reduce::ShardGrid;
use crate::trend::{DEFAULT_MIN_WINDOWS, trend};

/// Seconds in the year of the rate (Julian year, 365.25 days).
pub const YEAR_SECONDS: f64 = 365.25 * 86_400.0;

/// The derived columns: name, fill value, description.
pub const TREND_OUTPUTS: [(&str, FillValue, &str); 5] = [
    (
        "dhdt",
        FillValue::F32(f32::NAN),
        "rate of change per year, weighted least squares over the time windows",
    ),
    (
        "dhdt_sigma",
        FillValue::F32(f32::NAN),
        "formal standard error of dhdt, from the windows' sigmas",
    ),
    (
        "dhdt_chi2",
        FillValue::F32(f32::NAN),
        "reduced chi-square of the fit (n - 2 degrees of freedom)",
    ),
    (
        "dhdt_windows",
        FillValue::I32(0),
        "time windows used by the fit",
    ),
    (
        "dhdt_span",
        FillValue::F32(f32::NAN),
        "years from the first to the last window used",
    ),
];

/// Which outputs the elevation change is derived from, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendSpec {
    /// The per-window weighted mean (an output of the config).
    pub mean: String,
    /// Its sigma (an output of the config).
    pub sigma: String,
    /// Windows a cell needs for a rate (raised to 2).
    pub min_windows: u32,
}

impl Default for TrendSpec {
    /// `h_mean` and `h_sigma` (the ATL06 config's), at least
    /// [`DEFAULT_MIN_WINDOWS`] windows.
    fn default() -> TrendSpec {
        TrendSpec {
            mean: "h_mean".to_string(),
            sigma: "h_sigma".to_string(),
            min_windows: DEFAULT_MIN_WINDOWS,
        }
    }
}

impl TrendSpec {
    /// Checks the spec against a config's outputs: the mean and the sigma
    /// are float outputs, no output already has a derived column's name.
    /// Returns the fill values of the mean and the sigma.
    pub fn compile(&self, plan: &Plan) -> Result<CompiledTrend, String> {
        let fill_of = |name: &str, role: &str| {
            let fill = plan
                .output_types()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| f)
                .ok_or_else(|| {
                    format!(
                        "elevation change: the {role} `{name}` is not an output of the config \
                         (name the outputs with --dhdt MEAN,SIGMA, or --dhdt none)"
                    )
                })?;
            match fill.dtype() {
                Dtype::Float32 | Dtype::Float64 => Ok(fill),
                d => Err(format!(
                    "elevation change: the {role} `{name}` is {d}, not a float output"
                )),
            }
        };
        let mean_fill = fill_of(&self.mean, "mean")?;
        let sigma_fill = fill_of(&self.sigma, "sigma")?;
        if let Some((name, _)) = plan
            .output_types()
            .find(|(n, _)| TREND_OUTPUTS.iter().any(|(t, _, _)| t == n))
        {
            return Err(format!(
                "elevation change: the config has an output `{name}`, the name of a derived \
                 column (rename it, or --dhdt none)"
            ));
        }
        Ok(CompiledTrend {
            spec: self.clone(),
            mean_fill,
            sigma_fill,
        })
    }
}

/// A [`TrendSpec`] checked against a config.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledTrend {
    spec: TrendSpec,
    mean_fill: FillValue,
    sigma_fill: FillValue,
}

impl CompiledTrend {
    /// The spec.
    pub fn spec(&self) -> &TrendSpec {
        &self.spec
    }

    /// The derived columns of one shard at one order, from each window's
    /// grid of that shard and order (`grids[i]` at mid-time `times[i]`,
    /// Unix seconds), in [`TREND_OUTPUTS`] order.
    pub fn derive(
        &self,
        times: &[f64],
        grids: &[&ShardGrid],
    ) -> Result<Vec<(String, Column)>, String> {
        if times.len() != grids.len() {
            return Err(format!(
                "elevation change: {} window times for {} grids",
                times.len(),
                grids.len()
            ));
        }
        let means = grids
            .iter()
            .map(|g| column(g, &self.spec.mean))
            .collect::<Result<Vec<_>, _>>()?;
        let sigmas = grids
            .iter()
            .map(|g| column(g, &self.spec.sigma))
            .collect::<Result<Vec<_>, _>>()?;
        let cells = means.first().map_or(0, |c| c.len());
        if let Some(w) =
            (0..grids.len()).find(|&w| means[w].len() != cells || sigmas[w].len() != cells)
        {
            return Err(format!(
                "elevation change: shard {} order {}: window {w} has {} cells, window 0 {cells}",
                grids[w].shard,
                grids[w].order,
                means[w].len()
            ));
        }
        let years: Vec<f64> = times.iter().map(|t| t / YEAR_SECONDS).collect();
        let value = |c: &Column, fill: FillValue, i: usize| {
            let v = c.get_f64(i);
            if v.is_nan() || v == fill_f64(fill) {
                f64::NAN
            } else {
                v
            }
        };
        let n = grids.len();
        let (mut h, mut s) = (vec![0.0; n], vec![0.0; n]);
        let mut out: [Vec<f32>; 4] = std::array::from_fn(|_| vec![f32::NAN; cells]);
        let mut used = vec![0i32; cells];
        for i in 0..cells {
            for w in 0..n {
                h[w] = value(means[w], self.mean_fill, i);
                s[w] = value(sigmas[w], self.sigma_fill, i);
            }
            let t = trend(&h, &s, &years, self.spec.min_windows);
            if t.n_windows == 0 {
                continue;
            }
            #[allow(clippy::cast_possible_truncation)] // f32 outputs, as the store's means
            {
                out[0][i] = t.rate as f32;
                out[1][i] = t.rate_sigma as f32;
                out[2][i] = t.reduced_chi2 as f32;
                out[3][i] = t.span as f32;
            }
            used[i] = i32::try_from(t.n_windows).unwrap_or(i32::MAX);
        }
        let [rate, sigma, chi2, span] = out;
        Ok(vec![
            ("dhdt".to_string(), Column::F32(rate)),
            ("dhdt_sigma".to_string(), Column::F32(sigma)),
            ("dhdt_chi2".to_string(), Column::F32(chi2)),
            ("dhdt_windows".to_string(), Column::I32(used)),
            ("dhdt_span".to_string(), Column::F32(span)),
        ])
    }
}

/// The column `name` of a window's grid.
fn column<'g>(g: &'g ShardGrid, name: &str) -> Result<&'g Column, String> {
    g.column(name).ok_or_else(|| {
        format!(
            "elevation change: shard {} order {} has no column `{name}`",
            g.shard, g.order
        )
    })
}

fn fill_f64(fill: FillValue) -> f64 {
    match fill {
        FillValue::F32(v) => f64::from(v),
        FillValue::F64(v) => v,
        // Only float means and sigmas are accepted (`compile`).
        FillValue::I32(_) | FillValue::I64(_) | FillValue::U32(_) | FillValue::U64(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AggConfig;

    fn grid(mean: Vec<f32>, sigma: Vec<f32>) -> ShardGrid {
        ShardGrid {
            shard: 1,
            order: 12,
            first_nested: 0,
            observations: 1,
            populated: 1,
            variables: vec![
                ("h_mean".into(), Column::F32(mean)),
                ("h_sigma".into(), Column::F32(sigma)),
            ],
        }
    }

    #[test]
    fn per_cell_fits_skip_empty_windows() {
        let plan = Plan::new(&AggConfig::atl06_default()).unwrap();
        let trend = TrendSpec::default().compile(&plan).unwrap();
        let nan = f32::NAN;
        // Cell 0: three windows on a line of -2 per year; cell 1: two
        // windows; cell 2: one; cell 3: none.
        let g = [
            grid(vec![10.0, 5.0, 7.0, nan], vec![0.1, 0.2, 0.3, nan]),
            grid(vec![9.0, nan, nan, nan], vec![0.1, nan, nan, nan]),
            grid(vec![8.0, 6.0, nan, nan], vec![0.1, 0.2, nan, nan]),
        ];
        let times = [0.0, YEAR_SECONDS / 2.0, YEAR_SECONDS];
        let cols = trend.derive(&times, &g.iter().collect::<Vec<_>>()).unwrap();
        let get = |k: usize| cols[k].1.to_f64();
        let (rate, sigma, chi2, windows, span) = (get(0), get(1), get(2), get(3), get(4));
        assert!((rate[0] + 2.0).abs() < 1e-5, "{rate:?}");
        assert!(chi2[0].abs() < 1e-6);
        assert_eq!(windows, [3.0, 2.0, 1.0, 0.0]);
        assert_eq!(span[..3], [1.0, 1.0, 0.0]);
        // Cell 1: 5 ± 0.2 at t = 0, 6 ± 0.2 at t = 1 year.
        assert!((rate[1] - 1.0).abs() < 1e-5);
        let expected_sigma = (0.2f64.powi(2) + 0.2f64.powi(2)).sqrt();
        assert!((sigma[1] - expected_sigma).abs() < 1e-6, "{sigma:?}");
        assert!(rate[2].is_nan() && sigma[2].is_nan() && chi2[1].is_nan());
        assert!(rate[3].is_nan() && span[3].is_nan());
    }

    #[test]
    fn the_spec_is_checked_against_the_config() {
        let plan = Plan::new(&AggConfig::atl06_default()).unwrap();
        let bad = TrendSpec {
            mean: "h_avg".into(),
            ..TrendSpec::default()
        };
        let e = bad.compile(&plan).unwrap_err();
        assert!(e.contains("h_avg") && e.contains("--dhdt"), "{e}");
        let int = TrendSpec {
            sigma: "count".into(),
            ..TrendSpec::default()
        };
        let e = int.compile(&plan).unwrap_err();
        assert!(e.contains("count") && e.contains("not a float"), "{e}");
    }
}
