//! What a store writes for a grid: dimensions, chunking, coordinates and
//! attributes, as plain data (no Zarr library here), so the store crate
//! turns any grid into arrays the same way.

use serde::Serialize;
use serde_json::{Map, Value};

/// A grid's store layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreLayout {
    /// Dimension names of a data variable, outermost first (`["cells"]`,
    /// or `["y", "x"]`).
    pub dims: Vec<String>,
    /// The grid-wide shape of a data variable when the grid fixes it
    /// (rectilinear: `[height, width]`); `None` when the store decides
    /// (HEALPix: the shard map's shards × cells per shard).
    pub shape: Option<Vec<u64>>,
    /// The chunk shape: one chunk per shard.
    pub chunk_shape: Vec<u64>,
    /// Attributes of the group holding the grid's arrays.
    pub group_attrs: Map<String, Value>,
    /// Attributes every data variable carries (`coordinates`,
    /// `grid_mapping`).
    pub variable_attrs: Map<String, Value>,
    /// The coordinate arrays.
    pub coordinates: Vec<CoordinateSpec>,
}

/// One coordinate array (or CF grid-mapping scalar).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoordinateSpec {
    /// Array name.
    pub name: String,
    /// Its dimensions (`[]`: a scalar).
    pub dims: Vec<String>,
    /// Element type.
    pub dtype: CoordDtype,
    /// Fill value (JSON, as Zarr v3 writes it).
    pub fill_value: Value,
    /// Array attributes.
    pub attrs: Map<String, Value>,
    /// Its values.
    pub values: CoordValues,
}

/// Element type of a coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CoordDtype {
    /// IEEE double.
    Float64,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 64-bit integer.
    Uint64,
}

/// Where a coordinate's values come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordValues {
    /// Written with each shard's chunk ([`Grid::shard_coordinates`](crate::Grid::shard_coordinates)).
    PerShard,
    /// Written once, whole: these values.
    Float64(Vec<f64>),
    /// A scalar, written once.
    ScalarInt64(i64),
}

/// One coordinate's values for one shard's chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShardCoordinate {
    /// The coordinate's name (a [`CoordinateSpec::name`]).
    pub name: String,
    /// Its values in the shard's cell order.
    pub values: Vec<u64>,
}

/// A string-keyed JSON map from pairs.
pub(crate) fn attrs<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
