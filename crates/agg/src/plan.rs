//! [`Plan`]: a validated config compiled into what the reduction runs: the
//! source columns, and per output variable its kernel, dtype and fill.

use crate::config::{AggConfig, ConfigError, Function, VariableSpec};
use crate::dtype::{Dtype, FillValue};
use crate::expr::Expr;
use crate::filter::RowFilter;
use magg_grid::{Grid, GridError, GridKind, GridSpec, HealpixSpec};
use std::sync::Arc;

/// Names that cannot be source variables because expressions reserve them.
const RESERVED: [&str; 6] = ["sqrt", "sum", "abs", "len", "np", "numpy"];

/// Attribute names magg writes itself, or that readers would apply to the
/// values (CF decoding), so `attrs` may not set them.
const RESERVED_ATTRS: [&str; 8] = [
    "function",
    "expression",
    "coordinates",
    "_FillValue",
    "missing_value",
    "scale_factor",
    "add_offset",
    "dimension_names",
];

/// Coordinate arrays the output may declare in `aggregation.coordinates`.
pub const COORDINATE_NAMES: [&str; 2] = ["morton", "cell_ids"];

/// The compiled, validated config (cheap to clone: shared).
#[derive(Debug, Clone)]
pub struct Plan(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    sources: Vec<String>,
    outputs: Vec<OutputPlan>,
    grid: Arc<dyn Grid>,
    parent_order: u8,
    child_order: u8,
    filters: Vec<RowFilter>,
}

/// One output variable: name, storage and how to compute it.
#[derive(Debug, Clone)]
pub(crate) struct OutputPlan {
    pub(crate) name: String,
    /// The fill value; its variant is the output's dtype.
    pub(crate) fill: FillValue,
    pub(crate) kernel: Kernel,
}

/// How one cell value is computed.
#[derive(Debug, Clone)]
pub(crate) enum Kernel {
    /// Number of observations.
    Count,
    /// A one-input statistic.
    Stat(Stat, Operand),
    /// An order statistic (`np.quantile`, `np.median`): by selection.
    Order(Order, Operand),
    /// `np.average(x, weights=w)`.
    Average(Operand, Operand),
    /// A reducing expression.
    Scalar(Expr),
}

/// One-input statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stat {
    Min,
    Max,
    Mean,
    Sum,
    /// `np.var(x, ddof=d)`.
    Var(f64),
    /// `np.std(x, ddof=d)`.
    Std(f64),
    Sigma,
}

/// Order statistics (by selection).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Order {
    /// `np.quantile(x, q)`, linear.
    Quantile(f64),
    /// `np.median(x)`.
    Median,
}

/// The per-observation input of a kernel.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    /// A source column, by index.
    Column(usize),
    /// A per-observation expression.
    Derived(Expr),
}

impl Plan {
    /// Validates `config` and compiles it. Errors name the key.
    pub fn new(config: &AggConfig) -> Result<Plan, ConfigError> {
        let ds = &config.data_source;
        if ds.groups.is_empty() {
            return Err(ConfigError::invalid(
                "data_source.groups",
                "at least one group is needed",
            ));
        }
        for (i, g) in ds.groups.iter().enumerate() {
            if g.trim().is_empty() || g.contains('/') {
                return Err(ConfigError::invalid(
                    format!("data_source.groups[{i}]"),
                    format!("`{g}` is not a group name"),
                ));
            }
        }
        non_empty_path("data_source.coordinates.latitude", &ds.coordinates.latitude)?;
        non_empty_path(
            "data_source.coordinates.longitude",
            &ds.coordinates.longitude,
        )?;
        crate::levels::link_plan(ds)?;
        let filters = crate::filter::compile(ds)?;
        let sources: Vec<String> = ds.variables.names().map(str::to_string).collect();
        for (name, path) in ds.variables.iter() {
            let key = format!("data_source.variables.{name}");
            if !is_identifier(name) || RESERVED.contains(&name) {
                return Err(ConfigError::invalid(
                    key,
                    format!(
                        "`{name}` cannot name a source variable (use letters, digits and _, not {})",
                        RESERVED.join("/")
                    ),
                ));
            }
            non_empty_path(&key, path)?;
        }

        for (name, spec) in config.aggregation.coordinates.iter() {
            let key = format!("aggregation.coordinates.{name}");
            if !COORDINATE_NAMES.contains(&name) {
                return Err(ConfigError::invalid(
                    key,
                    format!(
                        "unknown coordinate (known: {})",
                        COORDINATE_NAMES.join(", ")
                    ),
                ));
            }
            if !matches!(spec.dtype, Dtype::Uint64 | Dtype::Int64) {
                return Err(ConfigError::invalid(
                    format!("{key}.dtype"),
                    "must be uint64 or int64",
                ));
            }
            if let Some(fill) = spec.fill_value {
                spec.dtype
                    .check_fill(fill)
                    .map_err(|m| ConfigError::invalid(format!("{key}.fill_value"), m))?;
            }
        }

        let vars = &config.aggregation.variables;
        if vars.is_empty() {
            return Err(ConfigError::invalid(
                "aggregation.variables",
                "at least one output variable is needed",
            ));
        }
        let mut outputs = Vec::with_capacity(vars.len());
        for (name, spec) in vars.iter() {
            let key = format!("aggregation.variables.{name}");
            if !is_output_name(name) || COORDINATE_NAMES.contains(&name) {
                return Err(ConfigError::invalid(
                    key,
                    format!(
                        "`{name}` cannot name an output array (letters, digits, _ . -; not morton/cell_ids)"
                    ),
                ));
            }
            let fill = spec
                .dtype
                .fill_value(spec.fill_value.unwrap_or(spec.dtype.default_fill()))
                .map_err(|m| ConfigError::invalid(format!("{key}.fill_value"), m))?;
            let kernel = compile_kernel(&key, spec, &sources)?;
            check_attrs(&key, spec)?;
            outputs.push(OutputPlan {
                name: name.to_string(),
                fill,
                kernel,
            });
        }

        let (parent_order, child_order) = match &config.output.grid {
            GridSpec::Healpix(h) => {
                check_healpix(*h)?;
                (h.parent_order, h.child_order)
            }
            GridSpec::Rectilinear(_) => (0, 0),
        };
        let grid = config.output.grid.build().map_err(|e| match e {
            GridError::Spec { key, reason } => {
                ConfigError::invalid(format!("output.grid.{key}"), reason)
            }
            other => ConfigError::invalid("output.grid", other.to_string()),
        })?;

        Ok(Plan(Arc::new(Inner {
            sources,
            outputs,
            grid,
            parent_order,
            child_order,
            filters,
        })))
    }

    /// Source variable names, in the order batches pass their columns.
    pub fn sources(&self) -> &[String] {
        &self.0.sources
    }

    /// Output variable names, in output order.
    pub fn output_names(&self) -> impl Iterator<Item = &str> {
        self.0.outputs.iter().map(|o| o.name.as_str())
    }

    /// Output variables as (name, fill value); the fill value's variant
    /// is the output's dtype.
    pub fn output_types(&self) -> impl Iterator<Item = (&str, FillValue)> {
        self.0.outputs.iter().map(|o| (o.name.as_str(), o.fill))
    }

    /// The output grid, built and checked.
    pub fn grid(&self) -> &Arc<dyn Grid> {
        &self.0.grid
    }

    /// Whether the grid is HEALPix (the orders below mean something).
    pub fn is_healpix(&self) -> bool {
        self.0.grid.kind() == GridKind::Healpix
    }

    /// The shard order of a HEALPix grid (0 for a rectilinear one: check
    /// [`Plan::is_healpix`]).
    pub fn parent_order(&self) -> u8 {
        self.0.parent_order
    }

    /// The output cell order of a HEALPix grid (0 for a rectilinear one).
    pub fn child_order(&self) -> u8 {
        self.0.child_order
    }

    /// The observation filters, in the order batches pass their columns
    /// (the quality flag, then `data_source.filters`).
    pub fn filters(&self) -> &[RowFilter] {
        &self.0.filters
    }

    pub(crate) fn outputs(&self) -> &[OutputPlan] {
        &self.0.outputs
    }
}

fn non_empty_path(key: &str, path: &str) -> Result<(), ConfigError> {
    if path.trim().is_empty() {
        return Err(ConfigError::invalid(key, "dataset path is empty"));
    }
    Ok(())
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_output_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn check_attrs(key: &str, spec: &VariableSpec) -> Result<(), ConfigError> {
    for (name, value) in spec.attrs.iter() {
        let akey = format!("{key}.attrs.{name}");
        if RESERVED_ATTRS.contains(&name) || name.starts_with('_') {
            return Err(ConfigError::invalid(
                akey,
                format!(
                    "`{name}` is written by magg or changes how readers decode the values \
                     (reserved: {}, and names starting with `_`)",
                    RESERVED_ATTRS.join(", ")
                ),
            ));
        }
        if value.is_null() {
            return Err(ConfigError::invalid(akey, "has no value"));
        }
    }
    Ok(())
}

fn parse_expr(key: &str, text: &str, sources: &[String]) -> Result<Expr, ConfigError> {
    Expr::parse(text, sources).map_err(|e| ConfigError::invalid(key, format!("`{text}` {e}")))
}

fn compile_kernel(
    key: &str,
    spec: &VariableSpec,
    sources: &[String],
) -> Result<Kernel, ConfigError> {
    let params = spec.params.clone().unwrap_or_default();
    let Some(function) = spec.function else {
        let Some(text) = &spec.expression else {
            return Err(ConfigError::invalid(
                key,
                "needs a `function` (with `source`) or an `expression`",
            ));
        };
        for (present, field) in [
            (spec.source.is_some(), "source"),
            (spec.params.is_some(), "params"),
        ] {
            if present {
                return Err(ConfigError::invalid(
                    format!("{key}.{field}"),
                    "only used with a `function`",
                ));
            }
        }
        let ekey = format!("{key}.expression");
        let expr = parse_expr(&ekey, text, sources)?;
        if expr.is_per_point() {
            return Err(ConfigError::invalid(
                ekey,
                format!(
                    "`{text}` gives one value per observation, not per cell: wrap variables in sum(...) or add a `function`"
                ),
            ));
        }
        return Ok(Kernel::Scalar(expr));
    };

    for (present, param, users) in [
        (
            params.weights.is_some(),
            "weights",
            &[Function::Average][..],
        ),
        (
            params.q.is_some(),
            "q",
            &[Function::Quantile, Function::Percentile][..],
        ),
        (
            params.ddof.is_some(),
            "ddof",
            &[Function::Var, Function::Std][..],
        ),
    ] {
        if present && !users.contains(&function) {
            let names: Vec<&str> = users.iter().map(|f| f.name()).collect();
            return Err(ConfigError::invalid(
                format!("{key}.params.{param}"),
                format!(
                    "only used by function `{}`, not `{}`",
                    names.join("` / `"),
                    function.name()
                ),
            ));
        }
    }
    let ddof = params.ddof.unwrap_or(0.0);
    if !ddof.is_finite() {
        return Err(ConfigError::invalid(
            format!("{key}.params.ddof"),
            format!("{ddof} is not a finite number"),
        ));
    }

    let operand = match (&spec.source, &spec.expression) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::invalid(
                format!("{key}.expression"),
                "give either `source` or `expression`, not both",
            ));
        }
        (Some(source), None) => match sources.iter().position(|s| s == source) {
            Some(i) => Some(Operand::Column(i)),
            None => {
                return Err(ConfigError::invalid(
                    format!("{key}.source"),
                    format!(
                        "`{source}` is not in data_source.variables ({})",
                        sources.join(", ")
                    ),
                ));
            }
        },
        (None, Some(text)) => {
            let ekey = format!("{key}.expression");
            let expr = parse_expr(&ekey, text, sources)?;
            if !expr.is_per_point() {
                return Err(ConfigError::invalid(
                    ekey,
                    format!(
                        "`{text}` gives one value per cell; function `{}` needs one per observation",
                        function.name()
                    ),
                ));
            }
            Some(Operand::Derived(expr))
        }
        (None, None) => None,
    };
    let need = |operand: Option<Operand>| {
        operand.ok_or_else(|| {
            ConfigError::invalid(
                format!("{key}.source"),
                format!(
                    "missing: function `{}` needs a `source` or `expression`",
                    function.name()
                ),
            )
        })
    };
    Ok(match function {
        Function::Len | Function::Count => Kernel::Count,
        Function::Min => Kernel::Stat(Stat::Min, need(operand)?),
        Function::Max => Kernel::Stat(Stat::Max, need(operand)?),
        Function::Mean => Kernel::Stat(Stat::Mean, need(operand)?),
        Function::Sum => Kernel::Stat(Stat::Sum, need(operand)?),
        Function::Var => Kernel::Stat(Stat::Var(ddof), need(operand)?),
        Function::Std => Kernel::Stat(Stat::Std(ddof), need(operand)?),
        Function::Sigma => Kernel::Stat(Stat::Sigma, need(operand)?),
        Function::Median => Kernel::Order(Order::Median, need(operand)?),
        Function::Quantile | Function::Percentile => {
            let qkey = format!("{key}.params.q");
            let (name, top) = (
                function.name(),
                if function == Function::Quantile {
                    1.0
                } else {
                    100.0
                },
            );
            let Some(q) = params.q else {
                return Err(ConfigError::invalid(
                    qkey,
                    format!("missing: function `{name}` needs `params: {{q: ...}}`"),
                ));
            };
            if !(0.0..=top).contains(&q) {
                return Err(ConfigError::invalid(
                    qkey,
                    format!("{q} is outside [0, {top}]"),
                ));
            }
            // numpy's percentile: np.quantile at np.true_divide(q, 100).
            let q = if function == Function::Quantile {
                q
            } else {
                q / 100.0
            };
            Kernel::Order(Order::Quantile(q), need(operand)?)
        }
        Function::Average => {
            let x = need(operand)?;
            match &params.weights {
                None => Kernel::Stat(Stat::Mean, x),
                Some(text) => {
                    let wkey = format!("{key}.params.weights");
                    let w = parse_expr(&wkey, text, sources)?;
                    if !w.is_per_point() {
                        return Err(ConfigError::invalid(
                            wkey,
                            format!("`{text}` must give one weight per observation"),
                        ));
                    }
                    let w = match w.variables() {
                        // A bare variable name reads the column directly.
                        [i] if w.canonical() == sources[*i] => Operand::Column(*i),
                        _ => Operand::Derived(w),
                    };
                    Kernel::Average(x, w)
                }
            }
        }
    })
}

/// The HEALPix orders' checks, with the messages magg has always given.
fn check_healpix(grid: HealpixSpec) -> Result<(), ConfigError> {
    if grid.child_order > magg_morton::MAX_ORDER {
        return Err(ConfigError::invalid(
            "output.grid.child_order",
            format!(
                "{} is above the finest order {}",
                grid.child_order,
                magg_morton::MAX_ORDER
            ),
        ));
    }
    if grid.parent_order > grid.child_order {
        return Err(ConfigError::invalid(
            "output.grid.parent_order",
            format!(
                "{} is finer than child_order {}",
                grid.parent_order, grid.child_order
            ),
        ));
    }
    if grid.child_order - grid.parent_order > magg_morton::MAX_CHILD_DEPTH {
        return Err(ConfigError::invalid(
            "output.grid.child_order",
            format!(
                "at most {} orders below parent_order {} (a shard's cells must fit one dense table)",
                magg_morton::MAX_CHILD_DEPTH,
                grid.parent_order
            ),
        ));
    }
    Ok(())
}
