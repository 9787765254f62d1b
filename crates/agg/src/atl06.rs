//! The built-in ATL06 config (no file needed); `configs/atl06.yaml` is the
//! same config as YAML.

use crate::config::{
    AggConfig, Aggregation, CoordinateSpec, Coordinates, DataSource, Function, Output, Params,
    QualityFilter, RowSearch, VariableSpec,
};
use crate::dtype::{Dtype, FillLiteral};
use crate::named::Named;
use magg_grid::{GridSpec, HealpixSpec, IndexingScheme};

/// The ATL06 beam groups.
pub const ATL06_GROUPS: [&str; 6] = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"];

/// `configs/atl06.yaml`, embedded (for users who want a file to start from).
pub const ATL06_YAML: &str = include_str!("../configs/atl06.yaml");

fn lis(name: &str) -> String {
    format!("/{{group}}/land_ice_segments/{name}")
}

fn stat(function: Function, params: Option<Params>) -> VariableSpec {
    VariableSpec {
        function: Some(function),
        source: Some("h_li".to_string()),
        params,
        expression: None,
        dtype: Dtype::Float32,
        fill_value: None,
        attrs: Named::default(),
    }
}

fn quantile(q: f64) -> VariableSpec {
    stat(
        Function::Quantile,
        Some(Params {
            q: Some(q),
            ..Params::default()
        }),
    )
}

impl AggConfig {
    /// The ATL06 default: per order-12 cell of order-6 shards, `count`,
    /// `h_min`, `h_max`, `h_mean` (weights 1/σ²), `h_sigma` (1/sqrt(Σ 1/σ²)),
    /// `h_variance`, `h_q25`, `h_q50`, `h_q75` of `h_li` with σ = `h_li_sigma`,
    /// keeping `atl06_quality_summary == 0`.
    pub fn atl06_default() -> AggConfig {
        let variables: Named<VariableSpec> = [
            (
                "count",
                VariableSpec {
                    function: Some(Function::Len),
                    dtype: Dtype::Int32,
                    fill_value: Some(FillLiteral::Int(0)),
                    ..stat(Function::Len, None)
                },
            ),
            ("h_min", stat(Function::Min, None)),
            ("h_max", stat(Function::Max, None)),
            (
                "h_mean",
                stat(
                    Function::Average,
                    Some(Params {
                        weights: Some("1.0 / s_li**2".to_string()),
                        ..Params::default()
                    }),
                ),
            ),
            (
                "h_sigma",
                VariableSpec {
                    function: None,
                    source: None,
                    params: None,
                    expression: Some("1.0 / np.sqrt(np.sum(1.0 / s_li**2))".to_string()),
                    dtype: Dtype::Float32,
                    fill_value: None,
                    attrs: Named::default(),
                },
            ),
            ("h_variance", stat(Function::Var, None)),
            ("h_q25", quantile(0.25)),
            ("h_q50", quantile(0.50)),
            ("h_q75", quantile(0.75)),
        ]
        .into_iter()
        .collect();
        AggConfig {
            data_source: DataSource {
                reader: None,
                driver: None,
                groups: ATL06_GROUPS.iter().map(|g| (*g).to_string()).collect(),
                coordinates: Coordinates {
                    latitude: lis("latitude"),
                    longitude: lis("longitude"),
                },
                variables: [("h_li", lis("h_li")), ("s_li", lis("h_li_sigma"))]
                    .into_iter()
                    .collect(),
                quality_filter: Some(QualityFilter {
                    dataset: lis("atl06_quality_summary"),
                    value: 0,
                }),
                filters: Vec::new(),
                row_search: RowSearch::AlongTrack,
                levels: crate::named::Named::default(),
                base_level: None,
                read_plan: None,
            },
            aggregation: Aggregation {
                handoff: None,
                coordinates: [(
                    "morton",
                    CoordinateSpec {
                        dtype: Dtype::Uint64,
                        fill_value: Some(FillLiteral::Int(0)),
                    },
                )]
                .into_iter()
                .collect(),
                variables,
            },
            output: Output {
                grid: GridSpec::Healpix(HealpixSpec {
                    indexing_scheme: IndexingScheme::Nested,
                    parent_order: 6,
                    child_order: 12,
                }),
                all_observations: false,
            },
        }
    }
}
