//! A stable fingerprint of a config's meaning, so a store can refuse to mix
//! results computed under different configs.
//!
//! The fingerprint is `sha256:<hex>` of a canonical JSON text: keys in a
//! fixed order, defaults written out (fill values, `parent_order`,
//! `indexing_scheme`) or left out (`ddof: 0`, `keep: true`), expressions in
//! their canonical spelling ([`Expr::canonical`]: `np.` dropped, `ddof=0`
//! left out), function names without `np.`, filters in one spelling per
//! meaning (a `filters` list of one `eq` filter is the `quality_filter` it
//! equals; filters in a fixed order; `in` lists sorted; `keep: false` of
//! `eq`/`ne`/`in`/`not_in` is the opposite op), and the keys that do not
//! change results (upstream's `reader`, `driver`, `handoff`; `row_search`;
//! `attrs`) left out. YAML formatting, comments and `np.` prefixes therefore
//! do not change it; any change to paths, filters, variables, dtypes, fills
//! or orders does.
//!
//! Every config that loaded before `filters`, `ddof`, `median`,
//! `percentile`, `attrs` and the numpy expression functions existed keeps
//! its fingerprint (a test pins the built-in default's), so stores made
//! with them still `--resume`. That is also why spellings that were already
//! distinct stay distinct (`count` / `len`, `average` without weights /
//! `mean`): equal results, different fingerprints, as before.

use crate::config::{AggConfig, FilterOp, FilterSpec, FilterValue, QualityFilter};
use crate::expr::Expr;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Version tag hashed with the text; bump when the canonical form changes.
const CANONICAL_VERSION: &str = "magg-agg-config/1";

impl AggConfig {
    /// The canonical JSON text the fingerprint hashes.
    pub fn canonical_json(&self) -> String {
        let mut c = self.clone();
        c.data_source.reader = None;
        c.data_source.driver = None;
        c.aggregation.handoff = None;
        // How rows are searched does not change which rows are read.
        c.data_source.row_search = crate::config::RowSearch::default();
        // Nor does the level rows are found through (each observation's
        // own coordinates decide its cell).
        c.data_source.levels = crate::named::Named::default();
        c.data_source.base_level = None;
        c.data_source.read_plan = None;
        let sources: Vec<String> = c
            .data_source
            .variables
            .names()
            .map(str::to_string)
            .collect();
        let canon = |text: &mut String| {
            if let Ok(e) = Expr::parse(text, &sources) {
                *text = e.canonical().to_string();
            }
        };
        canonical_filters(&mut c);
        for (_, spec) in &mut c.aggregation.variables.0 {
            spec.attrs = crate::named::Named::default();
            // `ddof: 0` is the default; a `params` holding only it is none.
            if let Some(p) = spec.params.as_mut()
                && p.ddof == Some(0.0)
            {
                p.ddof = None;
                if *p == crate::config::Params::default() {
                    spec.params = None;
                }
            }
            spec.fill_value = Some(spec.fill_value.unwrap_or(spec.dtype.default_fill()));
            if let Some(e) = spec.expression.as_mut() {
                canon(e);
            }
            if let Some(w) = spec.params.as_mut().and_then(|p| p.weights.as_mut()) {
                canon(w);
            }
        }
        for (_, spec) in &mut c.aggregation.coordinates.0 {
            spec.fill_value = Some(spec.fill_value.unwrap_or(spec.dtype.default_fill()));
        }
        let value = serde_json::to_value(&c).expect("config serializes to JSON");
        serde_json::to_string(&sort_keys(value)).expect("JSON value prints")
    }

    /// `sha256:<64 hex digits>` of [`canonical_json`](Self::canonical_json).
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(CANONICAL_VERSION.as_bytes());
        h.update(b"\n");
        h.update(self.canonical_json().as_bytes());
        let digest = h.finalize();
        let mut out = String::from("sha256:");
        for b in digest {
            write!(out, "{b:02x}").expect("writing to a String cannot fail");
        }
        out
    }
}

/// One spelling per filter meaning (see the module docs).
fn canonical_filters(c: &mut AggConfig) {
    let ds = &mut c.data_source;
    for f in &mut ds.filters {
        let mut values = match (f.value.take(), f.values.take()) {
            (Some(FilterValue::One(v)), _) => vec![v],
            (Some(FilterValue::Many(v)), _) | (None, Some(v)) => v,
            (None, None) => Vec::new(),
        };
        if !f.keep {
            let opposite = match f.op {
                FilterOp::Eq => Some(FilterOp::Ne),
                FilterOp::Ne => Some(FilterOp::Eq),
                FilterOp::In => Some(FilterOp::NotIn),
                FilterOp::NotIn => Some(FilterOp::In),
                _ => None,
            };
            if let Some(op) = opposite {
                f.op = op;
                f.keep = true;
            }
        }
        if f.op.is_set() {
            values.sort_by(f64::total_cmp);
            values.dedup();
            f.values = Some(values);
        } else {
            f.value = values.first().map(|v| FilterValue::One(*v));
        }
    }
    // One `eq` filter on a 1-D flag is the flat `quality_filter`.
    if let [
        FilterSpec {
            dataset,
            column: None,
            op: FilterOp::Eq,
            value: Some(FilterValue::One(v)),
            keep: true,
            ..
        },
    ] = ds.filters.as_slice()
        && v.fract() == 0.0
        && v.abs() < 9.0e15
    {
        ds.quality_filter = Some(QualityFilter {
            dataset: dataset.clone(),
            value: *v as i64,
        });
        ds.filters.clear();
    }
    let mut keyed: Vec<(String, FilterSpec)> = ds
        .filters
        .drain(..)
        .map(|f| (serde_json::to_string(&f).expect("a filter serializes"), f))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    ds.filters = keyed.into_iter().map(|(_, f)| f).collect();
}

/// Sorts object keys at every level. Variable order is presentation only
/// (each output array is computed independently), so it does not count; the
/// explicit sort keeps the text stable even if serde_json's
/// `preserve_order` feature gets enabled by another crate.
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k, sort_keys(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}
