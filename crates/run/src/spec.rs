//! The output store's layout, derived from the pipeline config.

use magg_agg::{AggConfig, Plan};
use magg_store::{StoreSpec, VariableSpec};
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
        compression: magg_store::Compression::default(),
        fingerprint: config.fingerprint(),
        attrs,
    }
    .normalized()
    .map_err(|e| e.to_string())
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
