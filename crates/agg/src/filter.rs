//! Observation filters: `data_source.filters` (and the flat
//! `quality_filter`, one `eq` filter), compiled from the config and applied
//! to a batch's rows before anything else. All filters must pass (AND).
//!
//! A filter compares one flag dataset, or one column of a 2-D one (ATL03's
//! `signal_conf_ph[:, k]`), with numbers, as numpy does on the values read
//! as float64: `eq ne lt le gt ge` with one number, `in` / `not_in` with a
//! list (`np.isin`); `keep: false` inverts the result. A NaN flag fails
//! every comparison but `ne` and `not_in`. The flag's fill value is not
//! special: it is compared like any other value.

use crate::batch::Values;
use crate::config::{ConfigError, DataSource, FilterOp, FilterSpec, FilterValue};

/// One compiled filter.
#[derive(Debug, Clone, PartialEq)]
pub struct RowFilter {
    /// The comparison.
    pub op: FilterOp,
    /// The number(s) compared with (one for scalar ops).
    pub values: Vec<f64>,
    /// `false` keeps the rows that fail the comparison instead.
    pub keep: bool,
}

impl RowFilter {
    /// Whether a flag value passes.
    #[inline]
    pub fn passes(&self, v: f64) -> bool {
        let x = self.values[0];
        let hit = match self.op {
            FilterOp::Eq => v == x,
            FilterOp::Ne => v != x,
            FilterOp::Lt => v < x,
            FilterOp::Le => v <= x,
            FilterOp::Gt => v > x,
            FilterOp::Ge => v >= x,
            FilterOp::In => self.values.contains(&v),
            FilterOp::NotIn => !self.values.contains(&v),
        };
        hit == self.keep
    }

    /// Keeps in `rows` only the rows whose flag in `flags` passes.
    pub(crate) fn retain(&self, flags: &Values<'_>, rows: &mut Vec<u32>) {
        // The common case (a quality flag equal to a value) gets its own
        // loop: no dispatch on the op per row.
        if self.op == FilterOp::Eq && self.keep {
            let x = self.values[0];
            flags.retain_rows(rows, |v| v == x);
        } else {
            flags.retain_rows(rows, |v| self.passes(v));
        }
    }
}

/// The filters of `ds`, in the order batches pass their columns: the
/// quality flag first, then `filters`. Errors name the key.
pub(crate) fn compile(ds: &DataSource) -> Result<Vec<RowFilter>, ConfigError> {
    if ds.quality_filter.is_some() && !ds.filters.is_empty() {
        return Err(ConfigError::invalid(
            "data_source.filters",
            "give either `quality_filter` or `filters`, not both (upstream then ignores \
             `quality_filter`; write the quality flag as an `eq` filter in the list)",
        ));
    }
    let mut out = Vec::new();
    if let Some(q) = &ds.quality_filter {
        non_empty("data_source.quality_filter.dataset", &q.dataset)?;
        out.push(RowFilter {
            op: FilterOp::Eq,
            values: vec![q.value as f64],
            keep: true,
        });
    }
    for (i, f) in ds.filters.iter().enumerate() {
        out.push(compile_one(&format!("data_source.filters[{i}]"), f)?);
    }
    Ok(out)
}

fn non_empty(key: &str, path: &str) -> Result<(), ConfigError> {
    if path.trim().is_empty() {
        return Err(ConfigError::invalid(key, "dataset path is empty"));
    }
    Ok(())
}

fn compile_one(key: &str, f: &FilterSpec) -> Result<RowFilter, ConfigError> {
    non_empty(&format!("{key}.dataset"), &f.dataset)?;
    let op = f.op.name();
    let values = match (&f.value, &f.values) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::invalid(
                format!("{key}.values"),
                "give `value` or `values`, not both",
            ));
        }
        (Some(FilterValue::One(v)), None) if !f.op.is_set() => vec![*v],
        (Some(FilterValue::One(_)), None) => {
            return Err(ConfigError::invalid(
                format!("{key}.value"),
                format!("op `{op}` compares with a list of numbers: `values: [1, 2]`"),
            ));
        }
        (Some(FilterValue::Many(v)), None) | (None, Some(v)) if f.op.is_set() => v.clone(),
        (Some(FilterValue::Many(_)), None) | (None, Some(_)) => {
            return Err(ConfigError::invalid(
                format!("{key}.value"),
                format!("op `{op}` compares with one number: `value: 0`"),
            ));
        }
        (None, None) => {
            let wanted = if f.op.is_set() {
                "`values: [...]`"
            } else {
                "`value: ...`"
            };
            return Err(ConfigError::invalid(
                format!("{key}.value"),
                format!("missing: op `{op}` needs {wanted}"),
            ));
        }
    };
    if values.is_empty() {
        return Err(ConfigError::invalid(
            format!("{key}.values"),
            "the list of numbers is empty",
        ));
    }
    if values.iter().any(|v| v.is_nan()) {
        return Err(ConfigError::invalid(
            format!("{key}.value"),
            "NaN never compares equal (numpy's comparisons); filter on another value",
        ));
    }
    Ok(RowFilter {
        op: f.op,
        values,
        keep: f.keep,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(op: FilterOp, values: &[f64], keep: bool) -> RowFilter {
        RowFilter {
            op,
            values: values.to_vec(),
            keep,
        }
    }

    #[test]
    fn comparisons_follow_numpy() {
        let flags = [-2.0, -1.0, 0.0, 1.0, 4.0, f64::NAN];
        let kept = |f: &RowFilter| -> Vec<usize> {
            let mut rows: Vec<u32> = (0..flags.len() as u32).collect();
            f.retain(&Values::F64(&flags), &mut rows);
            rows.into_iter().map(|r| r as usize).collect()
        };
        assert_eq!(kept(&filter(FilterOp::Eq, &[0.0], true)), [2]);
        assert_eq!(kept(&filter(FilterOp::Ne, &[-2.0], true)), [1, 2, 3, 4, 5]);
        assert_eq!(kept(&filter(FilterOp::Lt, &[0.0], true)), [0, 1]);
        assert_eq!(kept(&filter(FilterOp::Le, &[0.0], true)), [0, 1, 2]);
        assert_eq!(kept(&filter(FilterOp::Gt, &[0.0], true)), [3, 4]);
        assert_eq!(kept(&filter(FilterOp::Ge, &[0.0], true)), [2, 3, 4]);
        assert_eq!(kept(&filter(FilterOp::In, &[1.0, 4.0], true)), [3, 4]);
        assert_eq!(
            kept(&filter(FilterOp::NotIn, &[1.0, 4.0], true)),
            [0, 1, 2, 5]
        );
        assert_eq!(kept(&filter(FilterOp::Eq, &[0.0], false)), [0, 1, 3, 4, 5]);
        assert_eq!(kept(&filter(FilterOp::Ge, &[0.0], false)), [0, 1, 5]);
    }
}
