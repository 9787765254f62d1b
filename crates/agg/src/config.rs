//! The pipeline config: where the observations are in a granule, what to
//! compute per cell, and the output grid. Same YAML shape as the upstream
//! Python system's (zagg) ATL06 config, so users can bring theirs.
//!
//! Every mapping refuses unknown keys. Errors name the file and the key path
//! (`aggregation.variables.h_mean.params.weights`). Loading also validates
//! the config as a whole ([`Plan::new`]): sources exist, expressions parse,
//! functions get the parameters they need, fill values fit their dtype.

use crate::dtype::{Dtype, FillLiteral};
use crate::levels::{LevelSpec, LinkPlan, ReadPlan};
use crate::named::Named;
use crate::plan::Plan;
use magg_grid::{GridSpec, HealpixSpec};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A config problem, naming where it came from and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{origin}: cannot read config: {source}")]
    Read {
        /// The file.
        origin: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A key is unknown, missing, of the wrong type, or its value is invalid.
    #[error("{origin}: {key}: {message}")]
    Invalid {
        /// The file, or `<string>`/`<config>` when not loaded from a file.
        origin: String,
        /// Dotted key path, e.g. `aggregation.variables.h_sigma.expression`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            origin: "<config>".to_string(),
            key: key.into(),
            message: message.into(),
        }
    }

    fn with_origin(self, origin: &str) -> ConfigError {
        match self {
            ConfigError::Invalid { key, message, .. } => ConfigError::Invalid {
                origin: origin.to_string(),
                key,
                message,
            },
            read @ ConfigError::Read { .. } => read,
        }
    }

    /// The key path of an [`Invalid`](ConfigError::Invalid) error.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } => Some(key),
            ConfigError::Read { .. } => None,
        }
    }
}

/// The whole pipeline config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggConfig {
    /// Where observations live in a granule.
    pub data_source: DataSource,
    /// What to compute per cell.
    pub aggregation: Aggregation,
    /// The output grid.
    pub output: Output,
}

/// `data_source`: HDF5 paths of the observations, with `{group}` standing
/// for each beam group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    /// Upstream's reader choice (`h5coro`); accepted for compatibility, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// Upstream's storage driver (`s3`); accepted for compatibility, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Beam groups to read (`gt1l` … `gt3r`); a group missing from a granule is skipped.
    pub groups: Vec<String>,
    /// Latitude/longitude dataset paths.
    pub coordinates: Coordinates,
    /// Source variables: name (used in `source` and expressions) → dataset path.
    pub variables: Named<String>,
    /// Keep only observations whose flag equals `value` (upstream's flat
    /// form: one `eq` filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_filter: Option<QualityFilter>,
    /// Keep only observations passing every filter (AND-ed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<FilterSpec>,
    /// How the rows of a shard are found in a beam (default `along_track`).
    #[serde(default, skip_serializing_if = "RowSearch::is_default")]
    pub row_search: RowSearch,
    /// Rates of rows of a beam, by name (upstream's multi-level reads:
    /// ATL03's photons and geolocation segments; see [`LevelSpec`]).
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub levels: Named<LevelSpec>,
    /// The level coordinates, variables and filters are read at (required
    /// with `levels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_level: Option<String>,
    /// Which level finds a shard's rows ([`ReadPlan`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_plan: Option<ReadPlan>,
}

/// `data_source.row_search`: how a beam's rows near a shard are found.
/// Both give exactly the same rows; they differ in the coordinate bytes
/// read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSearch {
    /// Read only some chunks of latitude and longitude: a row's distance to
    /// the shard (its chord to the shard's cap centre) is assumed to fall
    /// and rise at most once along a beam (a satellite ground track over
    /// less than half an orbit, like ATL06's along-track rows); chunks
    /// between two read chunks are bounded by the distances around them and
    /// skipped when the bound misses the cap. Every chunk read is checked
    /// against the assumption; a contradiction reads as `full` does
    /// (counted in the granule report). Columns not chunked in rows are
    /// read as `full` does.
    #[default]
    AlongTrack,
    /// Read the whole latitude column of every beam, and longitude where
    /// latitude is in the shard's latitude band.
    Full,
}

impl RowSearch {
    /// Whether this is the default (`along_track`).
    pub fn is_default(&self) -> bool {
        *self == RowSearch::default()
    }
}

/// `data_source.coordinates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// Geodetic latitude in degrees, e.g. `/{group}/land_ice_segments/latitude`.
    pub latitude: String,
    /// Longitude in degrees.
    pub longitude: String,
}

/// `data_source.quality_filter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityFilter {
    /// Flag dataset path, e.g. `/{group}/land_ice_segments/atl06_quality_summary`.
    pub dataset: String,
    /// The flag value to keep (ATL06: 0 = best quality).
    pub value: i64,
}

/// `data_source.filters[i]`: a comparison of a flag dataset (or of one
/// column of a 2-D one) with numbers. Values are compared as float64, as
/// numpy compares them (so a NaN value fails every test but `ne`/`not_in`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// Dataset path with `{group}`, e.g. `/{group}/heights/signal_conf_ph`.
    pub dataset: String,
    /// For a 2-D dataset `[rows, k]`: which column to compare
    /// (`signal_conf_ph[:, column]`); required for 2-D, refused for 1-D.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The comparison.
    pub op: FilterOp,
    /// The number to compare with (`eq ne lt le gt ge`), or a list of
    /// numbers for `in` / `not_in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<FilterValue>,
    /// The numbers of `in` / `not_in` (upstream's spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    /// `false` keeps the observations that do *not* pass (upstream's
    /// `keep`; default `true`).
    #[serde(default = "keep_default", skip_serializing_if = "is_keep_default")]
    pub keep: bool,
}

fn keep_default() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if signature
fn is_keep_default(keep: &bool) -> bool {
    *keep
}

/// `data_source.filters[i].op`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// Equal to one of the numbers (`np.isin`).
    In,
    /// Equal to none of the numbers.
    NotIn,
}

impl FilterOp {
    /// The YAML spelling.
    pub fn name(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::Ne => "ne",
            FilterOp::Lt => "lt",
            FilterOp::Le => "le",
            FilterOp::Gt => "gt",
            FilterOp::Ge => "ge",
            FilterOp::In => "in",
            FilterOp::NotIn => "not_in",
        }
    }

    /// Whether the op takes a list of numbers.
    pub fn is_set(self) -> bool {
        matches!(self, FilterOp::In | FilterOp::NotIn)
    }
}

/// A filter's `value`: one number, or a list for `in` / `not_in`.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// One number.
    One(f64),
    /// A list of numbers.
    Many(Vec<f64>),
}

impl Serialize for FilterValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FilterValue::One(v) => s.serialize_f64(*v),
            FilterValue::Many(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for FilterValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = FilterValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, or a list of numbers for `in` / `not_in`")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FilterValue, E> {
                Ok(FilterValue::One(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FilterValue, E> {
                Ok(FilterValue::One(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<FilterValue, E> {
                Ok(FilterValue::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FilterValue, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    out.push(v);
                }
                Ok(FilterValue::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `aggregation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    /// Upstream's in-memory carrier (`arrow`/`pandas`); accepted, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<String>,
    /// Coordinate arrays of the output (`morton`, `cell_ids`) and their types.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub coordinates: Named<CoordinateSpec>,
    /// Output variables, written in this order.
    pub variables: Named<VariableSpec>,
}

/// `aggregation.coordinates.<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinateSpec {
    /// Element type.
    pub dtype: Dtype,
    /// Value for cells without data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_value: Option<FillLiteral>,
}

/// The statistic of an output variable (`function:`). numpy's functions
/// may also be spelled `np.NAME` or `numpy.NAME`, as upstream resolves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Function {
    /// Number of observations (`len(x)`).
    Len,
    /// Number of observations (same as `len`: invalid values are dropped before).
    Count,
    /// `np.min`.
    #[serde(alias = "np.min", alias = "numpy.min")]
    Min,
    /// `np.max`.
    #[serde(alias = "np.max", alias = "numpy.max")]
    Max,
    /// `np.mean`.
    #[serde(alias = "np.mean", alias = "numpy.mean")]
    Mean,
    /// `np.average`, weighted by `params.weights` when given.
    #[serde(alias = "np.average", alias = "numpy.average")]
    Average,
    /// `np.median`.
    #[serde(alias = "np.median", alias = "numpy.median")]
    Median,
    /// `np.var`, population unless `params.ddof`.
    #[serde(alias = "np.var", alias = "numpy.var")]
    Var,
    /// `np.std`, population unless `params.ddof`.
    #[serde(alias = "np.std", alias = "numpy.std")]
    Std,
    /// `np.quantile` at `params.q` in [0, 1], linear interpolation.
    #[serde(alias = "np.quantile", alias = "numpy.quantile")]
    Quantile,
    /// `np.percentile` at `params.q` in [0, 100] (`np.quantile` at q / 100).
    #[serde(alias = "np.percentile", alias = "numpy.percentile")]
    Percentile,
    /// `np.sum`.
    #[serde(alias = "np.sum", alias = "numpy.sum")]
    Sum,
    /// Inverse-variance error `1/sqrt(sum(1/x**2))` of per-observation errors `x`.
    Sigma,
}

impl Function {
    /// The YAML spelling.
    pub fn name(self) -> &'static str {
        match self {
            Function::Len => "len",
            Function::Count => "count",
            Function::Min => "min",
            Function::Max => "max",
            Function::Mean => "mean",
            Function::Average => "average",
            Function::Median => "median",
            Function::Var => "var",
            Function::Std => "std",
            Function::Quantile => "quantile",
            Function::Percentile => "percentile",
            Function::Sum => "sum",
            Function::Sigma => "sigma",
        }
    }
}

/// `aggregation.variables.<name>`: one output array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    /// The statistic; absent when `expression` alone gives the cell value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<Function>,
    /// The source variable the function reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Function parameters (`weights`, `q`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Params>,
    /// With `function`: per-observation values to use instead of `source`.
    /// Alone: a reducing expression giving the cell value, e.g.
    /// `1.0 / np.sqrt(np.sum(1.0 / s_li**2))`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Output element type.
    pub dtype: Dtype,
    /// Value for cells without data (default NaN for floats, 0 for integers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_value: Option<FillLiteral>,
    /// Attributes of the output array in the store (`units`, `long_name`,
    /// ...), written as given.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub attrs: Named<serde_json::Value>,
}

/// `aggregation.variables.<name>.params`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `average`: per-observation weights, an expression such as `1.0 / s_li**2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<String>,
    /// `quantile`: the probability in [0, 1]; `percentile`: the
    /// percentage in [0, 100].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<f64>,
    /// `var` / `std`: delta degrees of freedom (divide by `n - ddof`;
    /// default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ddof: Option<f64>,
}

/// `output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// The grid (`magg-grid`'s [`GridSpec`]: `type: healpix` with
    /// `parent_order`/`child_order`, or `type: rectilinear` with `crs`,
    /// `resolution`, `bounds`, `chunk_shape`, as upstream).
    pub grid: GridSpec,
    /// `output.all_observations` (default `false`): aggregate every
    /// observation of each listed shard, also those whose child cell lies
    /// outside the region; by default only the observations whose child
    /// cell touches the region count. Part of the fingerprint.
    #[serde(default)]
    pub all_observations: bool,
}

impl Output {
    /// The HEALPix grid's spec, or `None` for a rectilinear grid.
    pub fn healpix(&self) -> Option<&HealpixSpec> {
        match &self.grid {
            GridSpec::Healpix(h) => Some(h),
            GridSpec::Rectilinear(_) => None,
        }
    }
}

impl AggConfig {
    /// Parses and validates YAML text.
    pub fn from_yaml_str(text: &str) -> Result<AggConfig, ConfigError> {
        Self::parse(text, "<string>")
    }

    /// Reads, parses and validates a YAML file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<AggConfig, ConfigError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            origin: origin.clone(),
            source,
        })?;
        Self::parse(&text, &origin)
    }

    pub(crate) fn parse_named(text: &str, origin: &str) -> Result<AggConfig, ConfigError> {
        Self::parse(text, origin)
    }

    fn parse(text: &str, origin: &str) -> Result<AggConfig, ConfigError> {
        let de = serde_norway::Deserializer::from_str(text);
        let config: AggConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let key = if path == "." {
                "(top level)".to_string()
            } else {
                path
            };
            let message = strip_path_prefix(&e.into_inner().to_string(), &key);
            let (key, message) = grid_key(key, message);
            let message = crate::upstream::explain(&message);
            ConfigError::Invalid {
                origin: origin.to_string(),
                key,
                message,
            }
        })?;
        config.validate().map_err(|e| e.with_origin(origin))?;
        Ok(config)
    }

    /// Checks the config as a whole (what [`Plan::new`] needs).
    pub fn validate(&self) -> Result<(), ConfigError> {
        Plan::new(self).map(|_| ())
    }

    /// Dataset paths for one beam group: (latitude, longitude, variables in
    /// config order, filter datasets in [`Plan::filters`] order).
    pub fn paths_for_group(&self, group: &str) -> GroupPaths {
        let ds = &self.data_source;
        let sub = |p: &str| p.replace("{group}", group);
        let quality = ds.quality_filter.iter().map(|q| (sub(&q.dataset), None));
        let filters = ds.filters.iter().map(|f| (sub(&f.dataset), f.column));
        GroupPaths {
            link: self.link_plan().map(|l| l.for_group(group)),
            latitude: sub(&ds.coordinates.latitude),
            longitude: sub(&ds.coordinates.longitude),
            variables: ds.variables.0.iter().map(|(_, p)| sub(p)).collect(),
            filters: quality.chain(filters).collect(),
        }
    }
}

impl AggConfig {
    /// The linked read the config asks for (`data_source.read_plan` naming a
    /// level with a `link`), paths with `{group}`; `None` reads the
    /// coordinates' own rows. The config was validated when loaded.
    pub fn link_plan(&self) -> Option<LinkPlan> {
        crate::levels::link_plan(&self.data_source).ok().flatten()
    }

    /// The coordinates that say where a granule's observations are for a
    /// catalog: the spatial index level's with a linked read (small: one
    /// row per segment), else `data_source.coordinates`; and the margin
    /// (metres) by which an observation may lie away from them (0: they
    /// are the observations').
    pub fn spatial_coordinates(&self) -> (String, String, f64) {
        match self.link_plan() {
            Some(l) => (l.latitude, l.longitude, l.margin_m),
            None => (
                self.data_source.coordinates.latitude.clone(),
                self.data_source.coordinates.longitude.clone(),
                0.0,
            ),
        }
    }

    /// What a chunk index for this config describes: its beam groups,
    /// coordinates, variables and filter datasets (`magg-index`), with
    /// summaries at `summary_order`.
    pub fn index_spec(&self, summary_order: u8) -> magg_index::IndexSpec {
        let ds = &self.data_source;
        let mut datasets: Vec<String> = ds.variables.0.iter().map(|(_, p)| p.clone()).collect();
        datasets.extend(ds.quality_filter.iter().map(|q| q.dataset.clone()));
        datasets.extend(ds.filters.iter().map(|f| f.dataset.clone()));
        // With a linked read, the index summarizes the spatial index
        // level (what the catalog reads) and describes the base level's
        // coordinates and the link's datasets too: the reader finds the
        // rows through the link with every dataset from the entry.
        // It also summarizes the base level's blocks through the link
        // (`magg_index::BeamIndex::base`), so a shard reads its photon
        // chunks directly.
        let link = self.link_plan().map(|l| {
            datasets.extend([
                ds.coordinates.latitude.clone(),
                ds.coordinates.longitude.clone(),
                l.index_beg.clone(),
                l.count,
            ]);
            magg_index::IndexLink {
                base_latitude: ds.coordinates.latitude.clone(),
                index_beg: l.index_beg,
                index_base: l.index_base,
                pad: l.pad,
                margin_m: l.margin_m,
            }
        });
        let (latitude, longitude, _) = self.spatial_coordinates();
        magg_index::IndexSpec {
            groups: ds.groups.clone(),
            latitude,
            longitude,
            datasets,
            summary_order,
            link,
        }
    }
}

/// `output.grid`'s whole-mapping checks (`magg-grid`'s `GridSpec`) say
/// `KEY: why`: name the key in the path, as every other error does.
fn grid_key(key: String, message: String) -> (String, String) {
    if key == "output.grid"
        && let Some((k, why)) = message.split_once(": ")
        && !k.is_empty()
        && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return (format!("{key}.{k}"), why.to_string());
    }
    (key, message)
}

/// serde_norway prefixes its messages with the path of the mapping
/// (`a.b: unknown field ...`); the key is reported separately, so drop it.
fn strip_path_prefix(message: &str, key: &str) -> String {
    match message.split_once(": ") {
        Some((prefix, rest)) if key.starts_with(prefix) => rest.to_string(),
        _ => message.to_string(),
    }
}

/// The dataset paths of one beam group, `{group}` substituted.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPaths {
    /// Latitude dataset.
    pub latitude: String,
    /// Longitude dataset.
    pub longitude: String,
    /// Source variable datasets, in `data_source.variables` order.
    pub variables: Vec<String>,
    /// Filter datasets (the quality flag, then `filters`), each with the
    /// column a 2-D one is compared on.
    pub filters: Vec<(String, Option<u64>)>,
    /// The linked read (`data_source.read_plan` through a linked level),
    /// if any, with this group's paths.
    pub link: Option<LinkPlan>,
}
