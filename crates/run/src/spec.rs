//! The output store's layout, derived from the pipeline config.

use magg_agg::dhdt::{CompiledTrend, TREND_OUTPUTS, TrendSpec};
use magg_agg::{AggConfig, Plan};
use magg_store::{StoreSpec, TimeWindow, VariableSpec};
use serde_json::{Map, Value};

/// The store spec for `config` over `shards` (morton words at the config's
/// parent order: the whole shard map, so a partial run can be resumed into
/// the same store): one variable per output, at the child order plus any
/// `pyramid` orders (coarser levels computed exactly from the
/// observations), fingerprinted with the config so a store is never filled
/// by two different configs.
pub fn store_spec(
    config: &AggConfig,
    pyramid: &[u8],
    shards: &[u64],
    attrs: Map<String, Value>,
) -> Result<StoreSpec, String> {
    let plan = Plan::new(config).map_err(|e| e.to_string())?;
    let variables = plan
        .output_types()
        .map(|(name, fill)| {
            let mut v = VariableSpec::new(name, fill);
            if let Some(spec) = config.aggregation.variables.get(name) {
                if let Some(f) = spec.function {
                    v = v.with_attr("function", f.name());
                }
                if let Some(e) = &spec.expression {
                    v = v.with_attr("expression", e.clone());
                }
                // The config's own attributes (`units`, `long_name`, ...).
                for (key, value) in spec.attrs.iter() {
                    v = v.with_attr(key, value.clone());
                }
            }
            v
        })
        .collect();
    let mut orders = pyramid.to_vec();
    orders.push(plan.child_order());
    StoreSpec {
        parent_order: plan.parent_order(),
        orders,
        shards: shards.to_vec(),
        variables,
        windows: Vec::new(),
        derived: Vec::new(),
        compression: magg_store::Compression::default(),
        fingerprint: config.fingerprint(),
        attrs,
        grid: match &config.output.grid {
            magg_agg::GridSpec::Rectilinear(r) => Some(*r),
            magg_agg::GridSpec::Healpix(_) => None,
        },
    }
    .normalized()
    .map_err(|e| e.to_string())
}

/// `spec` with the time windows of a run: none for one window (no `time`
/// dimension), else one slice per window and, with `trend`, the elevation
/// change over them as derived variables ([`magg_agg::dhdt`]). The trend
/// is checked against the config's outputs.
pub fn with_windows(
    mut spec: StoreSpec,
    windows: Vec<TimeWindow>,
    trend: Option<&TrendSpec>,
    config: &AggConfig,
) -> Result<StoreSpec, String> {
    if windows.len() < 2 {
        return Ok(spec);
    }
    spec.windows = windows;
    if let Some(trend) = trend {
        let plan = Plan::new(config).map_err(|e| e.to_string())?;
        trend.compile(&plan)?;
        let mean_units = spec
            .variable(&trend.mean)
            .and_then(|v| v.attrs.get("units"))
            .and_then(Value::as_str)
            .map(str::to_string);
        spec.derived = TREND_OUTPUTS
            .iter()
            .map(|(name, fill, about)| {
                let mut v = VariableSpec::new(*name, *fill)
                    .with_attr("long_name", *about)
                    .with_attr("dhdt_mean", trend.mean.clone())
                    .with_attr("dhdt_sigma", trend.sigma.clone())
                    .with_attr("dhdt_min_windows", trend.min_windows.max(2));
                let units = match (*name, &mean_units) {
                    ("dhdt" | "dhdt_sigma", Some(u)) => Some(format!("{u} yr-1")),
                    ("dhdt_span", _) => Some("yr".to_string()),
                    ("dhdt_windows" | "dhdt_chi2", _) => Some("1".to_string()),
                    _ => None,
                };
                if let Some(u) = units {
                    v = v.with_attr("units", u);
                }
                v
            })
            .collect();
    }
    spec.normalized().map_err(|e| e.to_string())
}

/// The compiled elevation change of a store with derived variables (the
/// trend spec recorded in their attributes), or `None`.
pub fn store_trend(spec: &StoreSpec, plan: &Plan) -> Result<Option<CompiledTrend>, String> {
    let Some(rate) = spec.derived.iter().find(|v| v.name == "dhdt") else {
        return Ok(None);
    };
    let text = |key: &str| {
        rate.attrs
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("store variable dhdt has no attribute {key}"))
    };
    let min_windows = rate
        .attrs
        .get("dhdt_min_windows")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or("store variable dhdt has no attribute dhdt_min_windows")?;
    let trend = TrendSpec {
        mean: text("dhdt_mean")?,
        sigma: text("dhdt_sigma")?,
        min_windows,
    };
    trend.compile(plan).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_attrs_become_variable_attributes() {
        let yaml = magg_agg::ATL06_YAML.replacen(
            "      params:\n        weights:",
            "      attrs:\n        units: m\n        long_name: mean height\n        \
             provenance: {gain: 1.5, clip: true}\n      params:\n        weights:",
            1,
        );
        let config = AggConfig::from_yaml_str(&yaml).unwrap();
        let spec = store_spec(
            &config,
            &[],
            &[magg_morton::encode(6, 1).unwrap()],
            Map::new(),
        )
        .unwrap();
        let h_mean = spec.variables.iter().find(|v| v.name == "h_mean").unwrap();
        assert_eq!(h_mean.attrs["units"], "m");
        assert_eq!(h_mean.attrs["long_name"], "mean height");
        assert_eq!(h_mean.attrs["provenance"]["gain"], 1.5);
        assert_eq!(h_mean.attrs["function"], "average");
        // Attributes do not change the results: same fingerprint.
        assert_eq!(spec.fingerprint, AggConfig::atl06_default().fingerprint());
        // The default config's variables carry only what they always did.
        let plain = store_spec(
            &AggConfig::atl06_default(),
            &[],
            &[magg_morton::encode(6, 1).unwrap()],
            Map::new(),
        )
        .unwrap();
        let h_mean = plain.variables.iter().find(|v| v.name == "h_mean").unwrap();
        assert_eq!(h_mean.attrs.keys().collect::<Vec<_>>(), ["function"]);
    }
}
