//! The output store's layout, derived from the pipeline config.

use magg_agg::{AggConfig, Dtype, FillValue, Plan};
use magg_store::{StoreSpec, VariableSpec};
use serde_json::{Map, Value};

/// The store spec for `config`: one variable per output, at the child order
/// plus any `pyramid` orders (coarser levels computed exactly from the
/// observations), fingerprinted with the config so a store is never filled
/// by two different configs.
pub fn store_spec(
    config: &AggConfig,
    pyramid: &[u8],
    attrs: Map<String, Value>,
) -> Result<StoreSpec, String> {
    let plan = Plan::new(config).map_err(|e| e.to_string())?;
    let variables = plan
        .output_types()
        .map(|(name, dtype, fill)| {
            let fill_value = store_fill(dtype, fill);
            let mut v = VariableSpec::new(name, fill_value);
            if let Some(spec) = config.aggregation.variables.get(name) {
                if let Some(f) = spec.function {
                    v = v.with_attr("function", f.name());
                }
                if let Some(e) = &spec.expression {
                    v = v.with_attr("expression", e.clone());
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
        variables,
        compression: magg_store::Compression::default(),
        fingerprint: config.fingerprint(),
        attrs,
    }
    .normalized()
    .map_err(|e| e.to_string())
}

fn store_fill(dtype: Dtype, fill: FillValue) -> magg_store::FillValue {
    use magg_store::FillValue as S;
    let (int, float) = match fill {
        FillValue::Int(i) => (i, i as f64),
        FillValue::Float(f) => (f as i128, f),
    };
    match dtype {
        Dtype::Float32 => S::F32(float as f32),
        Dtype::Float64 => S::F64(float),
        Dtype::Int32 => S::I32(int as i32),
        Dtype::Uint32 => S::U32(int as u32),
        Dtype::Int64 => S::I64(int as i64),
        Dtype::Uint64 => S::U64(int as u64),
    }
}
