//! The store's Zarr v3 hierarchy, built from a [`StoreSpec`] (layout
//! version 3: layout 2, "compact", plus an optional `time` dimension):
//!
//! ```text
//! zarr.json                     root group: run attributes + `magg` block (layout version, the spec)
//! {k}/zarr.json                 one group per output order k: DGGS convention attributes
//! {k}/{variable}/zarr.json      1-D array over the shards' cells only: shards × 4^(k−parent)
//!                               cells, chunk i = the i-th shard (see `ShardChunks`)
//! {k}/cell_ids/zarr.json        HEALPix nested ids (xdggs' coordinate), written with the template
//! {k}/morton/zarr.json          mortie words of the same cells, written with the template
//! ```
//!
//! With time windows (two or more) every variable is 2-D, `time × cells`,
//! chunk (w, i) = window w of shard i, and each order group also holds the
//! CF coordinates `time` (window mid-times, days since 1970-01-01,
//! proleptic Gregorian, `bounds: time_bnds`) and `time_bnds` (`time × nv`,
//! the windows' start and end), written with the template. Derived
//! variables (elevation change) are 1-D over `cells`, as without windows.
//!
//! Every group's `zarr.json` carries consolidated metadata of the nodes below
//! it (as zarr-python writes it), so `xarray.open_zarr(store, group="12")`
//! needs one read. The template never changes after creation, so the
//! consolidated copy cannot go stale.

use std::sync::Arc;

use magg_grid::CoordValues;
use serde_json::{Map, Value, json};
use zarrs::array::codec::{BytesCodec, GzipCodec};
use zarrs::array::{Array, ArrayBuilder, ArrayMetadataOptions, data_type};
use zarrs::group::GroupBuilder;
use zarrs::metadata::v3::{AdditionalFieldV3, AdditionalFieldsV3};
use zarrs::storage::AsyncReadableWritableStorageTraits;

use crate::error::{Result, StoreError};
use magg_agg::{Dtype, FillValue};

use crate::shards::ShardChunks;
use crate::spec::{Compression, StoreSpec, VariableSpec};
use crate::{BOUNDS_DIMENSION, CELL_IDS, MORTON, TIME, TIME_BOUNDS, TIME_DIMENSION};

/// The storage every array of a store shares.
pub(crate) type Storage = Arc<dyn AsyncReadableWritableStorageTraits>;
/// One array of the store.
pub(crate) type ZArray = Array<dyn AsyncReadableWritableStorageTraits>;

/// The layout this magg reads and writes, recorded as `magg.layout_version`
/// in the root group's attributes (bump on incompatible layout changes).
/// Version 1 (dense global arrays, 12·4^k cells per order, recorded as
/// `magg.format_version`) is refused with [`StoreError::Layout`]; version 2
/// (layout 3 without time windows) is opened for reading, but not resumed.
pub const LAYOUT_VERSION: u64 = 3;

/// The older layout this magg still reads: layout 3 without windows.
pub const READABLE_LAYOUT: u64 = 2;

/// Units of the `time` coordinate (CF).
pub const TIME_UNITS: &str = "days since 1970-01-01 00:00:00";

/// Name of the spatial dimension of every array.
pub const DIMENSION: &str = "cells";

/// Fill value of `cell_ids` (not a valid id). Never read from a complete
/// store: the template writes every chunk.
pub const CELL_IDS_FILL: u64 = u64::MAX;
/// Fill value of `morton` (mortie's null word). Never read from a complete
/// store: the template writes every chunk.
pub const MORTON_FILL: u64 = 0;

/// The arrays of one output order.
pub(crate) struct OrderArrays {
    /// The HEALPix order.
    pub(crate) order: u8,
    /// One array per variable, in spec order.
    pub(crate) variables: Vec<ZArray>,
    /// One array per derived variable, in spec order.
    pub(crate) derived: Vec<ZArray>,
    /// `time` and `time_bnds`, with windows.
    pub(crate) time: Option<(ZArray, ZArray)>,
    /// Nested ids (HEALPix).
    pub(crate) cell_ids: Option<ZArray>,
    /// mortie words (HEALPix).
    pub(crate) morton: Option<ZArray>,
    /// A rectilinear grid's coordinates (`y`, `x`, `spatial_ref`), with
    /// their values, written once with the template.
    pub(crate) grid_coords: Vec<(ZArray, CoordValues)>,
}

impl OrderArrays {
    /// The array of the variable (per window or derived) called `name`.
    pub(crate) fn variable(&self, spec: &StoreSpec, name: &str) -> Option<&ZArray> {
        spec.variables
            .iter()
            .position(|v| v.name == name)
            .map(|i| &self.variables[i])
            .or_else(|| {
                spec.derived
                    .iter()
                    .position(|v| v.name == name)
                    .map(|i| &self.derived[i])
            })
    }

    /// `cell_ids` or `morton`, when `name` is one of them.
    pub(crate) fn coordinate(&self, name: &str) -> Option<&ZArray> {
        match name {
            CELL_IDS => self.cell_ids.as_ref(),
            MORTON => self.morton.as_ref(),
            _ => None,
        }
    }

    /// Every array with its name: variables, derived variables, then
    /// `cell_ids`, `morton`, and `time`, `time_bnds` with windows.
    fn all(&self) -> impl Iterator<Item = (&str, &ZArray)> {
        self.variables
            .iter()
            .chain(&self.derived)
            .chain(self.cell_ids.iter().chain(&self.morton))
            .chain(self.time.iter().flat_map(|(t, b)| [t, b]))
            .chain(self.grid_coords.iter().map(|(a, _)| a))
            .map(|a| (a.path().as_str().rsplit('/').next().unwrap_or_default(), a))
    }
}

fn metadata_options() -> ArrayMetadataOptions {
    ArrayMetadataOptions::default().with_include_zarrs_metadata(false)
}

fn zarr_dtype(dtype: Dtype) -> zarrs::array::DataType {
    match dtype {
        Dtype::Float32 => data_type::float32(),
        Dtype::Float64 => data_type::float64(),
        Dtype::Int32 => data_type::int32(),
        Dtype::Int64 => data_type::int64(),
        Dtype::Uint32 => data_type::uint32(),
        Dtype::Uint64 => data_type::uint64(),
    }
}

fn builder_fill(fill: FillValue) -> zarrs::array::builder::ArrayBuilderFillValue {
    match fill {
        FillValue::F32(v) => v.into(),
        FillValue::F64(v) => v.into(),
        FillValue::I32(v) => v.into(),
        FillValue::I64(v) => v.into(),
        FillValue::U32(v) => v.into(),
        FillValue::U64(v) => v.into(),
    }
}

/// Cells per chunk of the coordinate arrays, at most (2 MB of u64).
const COORDINATE_CHUNK_CELLS: u64 = 1 << 18;

/// Shards per chunk of the coordinate arrays (`cell_ids`, `morton`) at
/// `order`: as many as fit in [`COORDINATE_CHUNK_CELLS`], at least one, at
/// most all. The template writes the coordinates once, so they need not
/// follow the one-chunk-per-shard cut of the variables that workers write;
/// 64 shards per chunk at order 12 under order 6 make a 1,427-shard store's
/// `cell_ids` 23 objects instead of 1,427, which halves the CPU time of
/// `xdggs.decode` (it reads `cell_ids` whole) and makes the template 46
/// writes instead of 2,854 (BENCHMARKS.md).
pub(crate) fn coordinate_chunk_shards(chunks: &ShardChunks, order: u8) -> u64 {
    (COORDINATE_CHUNK_CELLS / chunks.chunk_len(order)).clamp(1, (chunks.len() as u64).max(1))
}

/// The shape of an array: its extent, chunk and dimension names.
pub(crate) struct Shape {
    pub(crate) extent: Vec<u64>,
    pub(crate) chunk: Vec<u64>,
    pub(crate) dims: Vec<String>,
}

impl Shape {
    /// 1-D over every shard's cells, chunks of `chunk` cells.
    fn cells(cells: u64, chunk: u64) -> Shape {
        Shape {
            extent: vec![cells],
            chunk: vec![chunk],
            dims: vec![DIMENSION.to_string()],
        }
    }
}

/// Builds (without I/O) one array of order `order`.
pub(crate) fn build_array(
    storage: &Storage,
    spec: &StoreSpec,
    shape: Shape,
    order: u8,
    var: &VariableSpec,
) -> Result<ZArray> {
    let mut builder = ArrayBuilder::new(
        shape.extent,
        shape.chunk,
        zarr_dtype(var.dtype),
        builder_fill(var.fill_value),
    );
    builder
        .array_to_bytes_codec(Arc::new(BytesCodec::little()))
        .dimension_names(Some(shape.dims))
        .attributes(var.attrs.clone());
    if let Compression::Gzip { level } = spec.compression {
        let gzip = GzipCodec::new(level).map_err(|e| StoreError::Spec(e.to_string()))?;
        builder.bytes_to_bytes_codecs(vec![Arc::new(gzip)]);
    }
    let path = format!("/{order}/{}", var.name);
    let mut array = builder
        .build(Arc::clone(storage), &path)
        .map_err(|e| StoreError::Spec(format!("array {path}: {e}")))?;
    array.set_metadata_options(metadata_options());
    Ok(array)
}

/// The `cell_ids` coordinate's spec at `order`: exactly xdggs' own grid
/// parameters (`grid_name`, `level`, `indexing_scheme`, `ellipsoid`), since
/// xdggs reads every attribute of the coordinate as one. `WGS84` tells
/// healpix-geo that cells live on the ellipsoid's authalic sphere, as
/// mortie's do.
fn cell_ids_spec(order: u8) -> VariableSpec {
    VariableSpec::new(CELL_IDS, FillValue::U64(CELL_IDS_FILL))
        .with_attr("grid_name", "healpix")
        .with_attr("level", order)
        .with_attr("indexing_scheme", "nested")
        .with_attr("ellipsoid", "WGS84")
}

/// The `morton` coordinate's spec at `order`.
fn morton_spec(order: u8) -> VariableSpec {
    VariableSpec::new(MORTON, FillValue::U64(MORTON_FILL))
        .with_attr("long_name", "mortie morton index")
        .with_attr("order", order)
        .with_attr(
            "comment",
            "mortie 1.0.0 packed word of the cell (same cell as cell_ids)",
        )
}

/// The `time` coordinate's spec: CF, window mid-times in days.
fn time_spec(spec: &StoreSpec) -> VariableSpec {
    let labels: Vec<Value> = spec
        .windows
        .iter()
        .map(|w| Value::from(w.label.clone()))
        .collect();
    VariableSpec::new(TIME, FillValue::F64(f64::NAN))
        .with_attr("standard_name", "time")
        .with_attr("long_name", "middle of the time window")
        .with_attr("units", TIME_UNITS)
        .with_attr("calendar", "proleptic_gregorian")
        .with_attr("bounds", TIME_BOUNDS)
        .with_attr("window_labels", Value::Array(labels))
}

/// The `time_bnds` coordinate's spec: each window's `[start, end)`.
fn time_bounds_spec() -> VariableSpec {
    VariableSpec::new(TIME_BOUNDS, FillValue::F64(f64::NAN))
        .with_attr("long_name", "time window start and end")
        .with_attr("units", TIME_UNITS)
        .with_attr("calendar", "proleptic_gregorian")
}

/// The CF `time` and `time_bnds` coordinates of order `order`'s group,
/// when the store has windows (the same for every grid).
pub(crate) fn time_arrays(
    storage: &Storage,
    spec: &StoreSpec,
    order: u8,
) -> Result<Option<(ZArray, ZArray)>> {
    let windows = spec.windows.len() as u64;
    if windows == 0 {
        return Ok(None);
    }
    let t = Shape {
        extent: vec![windows],
        chunk: vec![windows],
        dims: vec![TIME_DIMENSION.to_string()],
    };
    let b = Shape {
        extent: vec![windows, 2],
        chunk: vec![windows, 2],
        dims: vec![TIME_DIMENSION.to_string(), BOUNDS_DIMENSION.to_string()],
    };
    Ok(Some((
        build_array(storage, spec, t, order, &time_spec(spec))?,
        build_array(storage, spec, b, order, &time_bounds_spec())?,
    )))
}

/// Builds (without I/O) every array of the store.
pub(crate) fn build_arrays(
    storage: &Storage,
    spec: &StoreSpec,
    chunks: &ShardChunks,
) -> Result<Vec<OrderArrays>> {
    if let Some(grid) = &spec.grid {
        return Ok(vec![crate::rect::build_arrays(storage, spec, grid)?]);
    }
    let coordinates = Value::from(format!("{CELL_IDS} {MORTON}"));
    let windows = spec.windows.len() as u64;
    spec.orders
        .iter()
        .map(|&order| {
            let cells = chunks.cells(order);
            let chunk = chunks.chunk_len(order);
            // Variables: one chunk per shard, and per window with windows
            // (workers write them).
            let per_shard = || {
                if windows == 0 {
                    Shape::cells(cells, chunk)
                } else {
                    Shape {
                        extent: vec![windows, cells],
                        chunk: vec![1, chunk],
                        dims: vec![TIME_DIMENSION.to_string(), DIMENSION.to_string()],
                    }
                }
            };
            let coordinate = || Shape::cells(cells, chunk * coordinate_chunk_shards(chunks, order));
            let with_coordinates = |v: &VariableSpec| {
                let mut v = v.clone();
                v.attrs.insert("coordinates".into(), coordinates.clone());
                v
            };
            let variables = spec
                .variables
                .iter()
                .map(|v| build_array(storage, spec, per_shard(), order, &with_coordinates(v)))
                .collect::<Result<Vec<_>>>()?;
            let derived = spec
                .derived
                .iter()
                .map(|v| {
                    let shape = Shape::cells(cells, chunk);
                    build_array(storage, spec, shape, order, &with_coordinates(v))
                })
                .collect::<Result<Vec<_>>>()?;
            let time = time_arrays(storage, spec, order)?;
            Ok(OrderArrays {
                order,
                variables,
                derived,
                time,
                cell_ids: Some(build_array(
                    storage,
                    spec,
                    coordinate(),
                    order,
                    &cell_ids_spec(order),
                )?),
                morton: Some(build_array(
                    storage,
                    spec,
                    coordinate(),
                    order,
                    &morton_spec(order),
                )?),
                grid_coords: Vec::new(),
            })
        })
        .collect()
}

/// The root group's attributes: the run attributes plus the `magg` block
/// that lets [`spec_from_root_attrs`] rebuild the spec.
pub(crate) fn root_attrs(spec: &StoreSpec) -> Map<String, Value> {
    let mut attrs = spec.attrs.clone();
    let mut layout = serde_json::to_value(spec).expect("a spec serializes");
    if let Value::Object(m) = &mut layout {
        m.remove("attrs");
    }
    attrs.insert(
        "magg".into(),
        json!({ "layout_version": LAYOUT_VERSION, "spec": layout }),
    );
    attrs
}

/// Why a root `zarr.json` does not give a store this magg can use.
#[derive(Debug)]
pub(crate) enum RootProblem {
    /// Not magg's (no `magg` block), or a `magg` block that does not parse.
    Invalid(String),
    /// A magg store of another layout version.
    Layout(u64),
}

/// Rebuilds the spec from the root group's attributes; a layout-2 store
/// (no windows: the same arrays) only when `readable_older` (reading, not
/// resuming).
pub(crate) fn spec_from_root_attrs(
    attrs: &Map<String, Value>,
    readable_older: bool,
) -> Result<StoreSpec, RootProblem> {
    let invalid = |m: &str| RootProblem::Invalid(m.to_string());
    let magg = attrs
        .get("magg")
        .ok_or_else(|| invalid("no `magg` attribute block: not a magg store"))?;
    // Layout 1 recorded its version as `format_version`.
    let version = magg
        .get("layout_version")
        .or_else(|| magg.get("format_version"))
        .ok_or_else(|| invalid("no `magg.layout_version`"))?
        .as_u64()
        .ok_or_else(|| invalid("`magg.layout_version` is not a whole number"))?;
    if version != LAYOUT_VERSION && !(readable_older && version == READABLE_LAYOUT) {
        return Err(RootProblem::Layout(version));
    }
    let mut layout = magg
        .get("spec")
        .cloned()
        .ok_or_else(|| invalid("no `magg.spec`"))?;
    let mut run = attrs.clone();
    run.remove("magg");
    if let Value::Object(m) = &mut layout {
        m.insert("attrs".into(), Value::Object(run));
    }
    let spec: StoreSpec = serde_json::from_value(layout)
        .map_err(|e| RootProblem::Invalid(format!("magg.spec: {e}")))?;
    spec.normalized()
        .map_err(|e| RootProblem::Invalid(e.to_string()))
}

/// The attributes of the group of order `order`: the run attributes plus the
/// zarr-conventions `dggs` convention (v1).
fn order_group_attrs(spec: &StoreSpec, order: u8) -> Map<String, Value> {
    if let Some(grid) = &spec.grid {
        return crate::rect::group_attrs(spec, grid);
    }
    let mut attrs = spec.attrs.clone();
    attrs.insert(
        "zarr_conventions".into(),
        json!([magg_grid::dggs_convention()]),
    );
    attrs.insert(
        "dggs".into(),
        json!({
            "name": "healpix",
            "refinement_level": order,
            "indexing_scheme": "nested",
            "spatial_dimension": DIMENSION,
            "coordinate": CELL_IDS,
            "compression": "none",
            "ellipsoid": {
                "name": "WGS84",
                "semi_major_axis": 6378137.0,
                "inverse_flattening": 298.257223563
            }
        }),
    );
    attrs
}

/// A consolidated-metadata block as zarr-python writes it.
fn consolidated(entries: Map<String, Value>) -> AdditionalFieldsV3 {
    let mut field = Map::new();
    field.insert("kind".into(), "inline".into());
    field.insert("metadata".into(), Value::Object(entries));
    let field = AdditionalFieldV3::new(field, false);
    AdditionalFieldsV3::from([("consolidated_metadata".to_string(), field)])
}

/// A group's entry in its parent's consolidated metadata: zarr-python
/// records child groups with an empty consolidated block of their own.
fn group_doc(attrs: &Map<String, Value>) -> Value {
    let mut doc = json!({ "zarr_format": 3, "node_type": "group" });
    if !attrs.is_empty() {
        doc["attributes"] = Value::Object(attrs.clone());
    }
    doc["consolidated_metadata"] =
        json!({ "kind": "inline", "must_understand": false, "metadata": {} });
    doc
}

fn array_doc(array: &ZArray) -> Value {
    serde_json::to_value(array.metadata_opt(&metadata_options()))
        .expect("array metadata serializes")
}

/// Writes every `zarr.json` and the coordinate chunks: arrays first, then
/// `cell_ids` / `morton` chunks, then order groups, the root last, so a
/// root `zarr.json` means the template is complete.
pub(crate) async fn write_template(
    storage: &Storage,
    spec: &StoreSpec,
    chunks: &ShardChunks,
    orders: &[OrderArrays],
    url: &str,
) -> Result<()> {
    let failed = |key: String| {
        move |e: zarrs::storage::StorageError| StoreError::Storage {
            url: url.to_string(),
            key,
            source: e.into(),
        }
    };
    let options = metadata_options();
    let mut root_entries = Map::new();
    for arrays in orders {
        let k = arrays.order;
        let mut entries = Map::new();
        let writes = arrays.all().map(|(name, a)| {
            entries.insert(name.to_string(), array_doc(a));
            root_entries.insert(format!("{k}/{name}"), array_doc(a));
            a.async_store_metadata_opt(&options)
        });
        let results = futures::future::join_all(writes.collect::<Vec<_>>()).await;
        for (r, (name, _)) in results.into_iter().zip(arrays.all()) {
            r.map_err(failed(format!("{k}/{name}/zarr.json")))?;
        }
        if arrays.cell_ids.is_some() {
            crate::coords::write_coordinates(arrays, chunks, url).await?;
        }
        crate::rect::write_coordinates(arrays, url).await?;
        crate::coords::write_time(arrays, spec, url).await?;
        let attrs = order_group_attrs(spec, k);
        root_entries.insert(k.to_string(), group_doc(&attrs));
        let group = GroupBuilder::new()
            .attributes(attrs)
            .additional_fields(consolidated(entries))
            .build(Arc::clone(storage), &format!("/{k}"))
            .map_err(|e| StoreError::Spec(e.to_string()))?;
        group
            .async_store_metadata()
            .await
            .map_err(failed(format!("{k}/zarr.json")))?;
    }
    let root = GroupBuilder::new()
        .attributes(root_attrs(spec))
        .additional_fields(consolidated(root_entries))
        .build(Arc::clone(storage), "/")
        .map_err(|e| StoreError::Spec(e.to_string()))?;
    root.async_store_metadata()
        .await
        .map_err(failed(crate::ROOT_KEY.to_string()))
}
