//! The store's Zarr v3 hierarchy, built from a [`StoreSpec`] (layout
//! version 2, "compact"):
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
//! Every group's `zarr.json` carries consolidated metadata of the nodes below
//! it (as zarr-python writes it), so `xarray.open_zarr(store, group="12")`
//! needs one read. The template never changes after creation, so the
//! consolidated copy cannot go stale.

use std::sync::Arc;

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
use crate::{CELL_IDS, MORTON};

/// The storage every array of a store shares.
pub(crate) type Storage = Arc<dyn AsyncReadableWritableStorageTraits>;
/// One array of the store.
pub(crate) type ZArray = Array<dyn AsyncReadableWritableStorageTraits>;

/// The layout this magg reads and writes, recorded as `magg.layout_version`
/// in the root group's attributes (bump on incompatible layout changes).
/// Version 1 (dense global arrays, 12·4^k cells per order, recorded as
/// `magg.format_version`) is refused with [`StoreError::Layout`].
pub const LAYOUT_VERSION: u64 = 2;

/// Name of the spatial dimension of every array.
pub const DIMENSION: &str = "cells";

/// Fill value of `cell_ids` (not a valid id). Never read from a complete
/// store: the template writes every chunk.
pub const CELL_IDS_FILL: u64 = u64::MAX;
/// Fill value of `morton` (mortie's null word). Never read from a complete
/// store: the template writes every chunk.
pub const MORTON_FILL: u64 = 0;

/// The zarr-conventions `dggs` convention declaration (v1).
fn dggs_convention() -> Value {
    json!({
        "schema_url": "https://raw.githubusercontent.com/zarr-conventions/dggs/refs/tags/v1/schema.json",
        "spec_url": "https://github.com/zarr-conventions/dggs/blob/v1/README.md",
        "uuid": "7b255807-140c-42ca-97f6-7a1cfecdbc38",
        "name": "dggs",
        "description": "Discrete Global Grid Systems convention for zarr"
    })
}

/// The arrays of one output order.
pub(crate) struct OrderArrays {
    /// The HEALPix order.
    pub(crate) order: u8,
    /// One array per variable, in spec order.
    pub(crate) variables: Vec<ZArray>,
    /// Nested ids.
    pub(crate) cell_ids: ZArray,
    /// mortie words.
    pub(crate) morton: ZArray,
}

impl OrderArrays {
    /// The array of the variable called `name`.
    pub(crate) fn variable(&self, spec: &StoreSpec, name: &str) -> Option<&ZArray> {
        spec.variables
            .iter()
            .position(|v| v.name == name)
            .map(|i| &self.variables[i])
    }

    /// `cell_ids` or `morton`, when `name` is one of them.
    pub(crate) fn coordinate(&self, name: &str) -> Option<&ZArray> {
        match name {
            CELL_IDS => Some(&self.cell_ids),
            MORTON => Some(&self.morton),
            _ => None,
        }
    }

    /// Every array with its name: variables, then `cell_ids`, then `morton`.
    fn all(&self) -> impl Iterator<Item = (&str, &ZArray)> {
        self.variables
            .iter()
            .chain([&self.cell_ids, &self.morton])
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

/// Builds (without I/O) one 1-D array of order `order` over every shard's
/// cells, cut into chunks of `chunk` cells.
fn build_array(
    storage: &Storage,
    spec: &StoreSpec,
    (cells, chunk): (u64, u64),
    order: u8,
    var: &VariableSpec,
) -> Result<ZArray> {
    let mut builder = ArrayBuilder::new(
        vec![cells],
        vec![chunk],
        zarr_dtype(var.dtype),
        builder_fill(var.fill_value),
    );
    builder
        .array_to_bytes_codec(Arc::new(BytesCodec::little()))
        .dimension_names(Some([DIMENSION]))
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

/// Builds (without I/O) every array of the store.
pub(crate) fn build_arrays(
    storage: &Storage,
    spec: &StoreSpec,
    chunks: &ShardChunks,
) -> Result<Vec<OrderArrays>> {
    let coordinates = Value::from(format!("{CELL_IDS} {MORTON}"));
    spec.orders
        .iter()
        .map(|&order| {
            let cells = chunks.cells(order);
            // Variables: one chunk per shard (workers write them).
            let per_shard = (cells, chunks.chunk_len(order));
            let coordinate = (
                cells,
                chunks.chunk_len(order) * coordinate_chunk_shards(chunks, order),
            );
            let variables = spec
                .variables
                .iter()
                .map(|v| {
                    let mut v = v.clone();
                    v.attrs.insert("coordinates".into(), coordinates.clone());
                    build_array(storage, spec, per_shard, order, &v)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(OrderArrays {
                order,
                variables,
                cell_ids: build_array(storage, spec, coordinate, order, &cell_ids_spec(order))?,
                morton: build_array(storage, spec, coordinate, order, &morton_spec(order))?,
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

/// Rebuilds the spec from the root group's attributes.
pub(crate) fn spec_from_root_attrs(attrs: &Map<String, Value>) -> Result<StoreSpec, RootProblem> {
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
    if version != LAYOUT_VERSION {
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
    let mut attrs = spec.attrs.clone();
    attrs.insert("zarr_conventions".into(), json!([dggs_convention()]));
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
        crate::coords::write_coordinates(arrays, chunks, url).await?;
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
