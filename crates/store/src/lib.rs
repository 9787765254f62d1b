//! magg's output: a Zarr v3 store on the HEALPix grid, following the
//! zarr-conventions `dggs` convention (and xdggs' own attributes on the
//! `cell_ids` coordinate), on a local path or an `s3://` prefix.
//!
//! One job: hold the aggregated grid so that workers never coordinate. The
//! [`StoreSpec`] (parent order, output orders, variables, compression, config
//! fingerprint, run attributes) becomes a template once
//! ([`OutputStore::create`]); afterwards any worker opens it by URL
//! ([`OutputStore::open`]) and writes only its own shard's chunks
//! ([`OutputStore::write_shard`]), then a small [`ShardStatus`] record
//! ([`OutputStore::write_status`]) that `--resume` and `verify` read back.
//!
//! Layout version 3 (see `template` for the details): every array spans
//! only the store's shards, chunk *i* = the *i*-th shard in nested order
//! ([`ShardChunks`], from the spec's shard list) — layout 2, "compact" —
//! and a store of several time windows gives every variable a leading
//! `time` dimension, chunk (w, i) = window w of shard i
//! ([`OutputStore::write_window`]), with CF `time` / `time_bnds`
//! coordinates, plus derived variables without it
//! ([`OutputStore::write_derived`]). Layout-2 stores are read, not resumed.
//!
//! ```text
//! zarr.json                 root: run attributes, `magg` block (layout version, the spec
//!                           with its shard list), consolidated metadata
//! 12/zarr.json              one group per order: `dggs` convention attributes
//! 12/h_mean/c/<i>           1-D arrays of shards × 4^(12−6) cells; chunk i = shard i's children
//! 12/cell_ids, 12/morton    coordinates: HEALPix nested id and mortie word of each cell,
//!                           written with the template
//! _magg/status/<shard>.json status records (ignored by zarr-python and xarray)
//! ```
//!
//! The element vocabulary — [`Dtype`], [`FillValue`], the typed columns
//! [`Column`] / [`ColumnRef`] — is `magg-agg`'s, re-exported here: the
//! aggregation produces columns of exactly the types this crate writes, so
//! nothing converts between them, and the dependency follows the data
//! (aggregate → write). The Zarr v3 JSON form of fill values is this
//! crate's.
//!
//! Open it in Python with `xarray.open_zarr(path, group="12")` and
//! `ds.pipe(xdggs.decode)`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), magg_store::StoreError> {
//! use magg_store::*;
//! let shard = 11570310392668225542; // an order-6 mortie word
//! let spec = StoreSpec {
//!     parent_order: 6,
//!     orders: vec![12],
//!     shards: vec![shard],
//!     variables: vec![VariableSpec::new("h_mean", FillValue::F32(f32::NAN)).with_attr("units", "m")],
//!     windows: Vec::new(),
//!     derived: Vec::new(),
//!     compression: Compression::default(),
//!     fingerprint: "config-sha256:…".into(),
//!     attrs: Default::default(),
//!     grid: None,
//! };
//! let store = OutputStore::create("out.zarr", &spec, CreateMode::New).await?;
//! let values = vec![f32::NAN; 4096];
//! store.write_shard(shard, 12, &[("h_mean", ColumnRef::F32(&values))]).await?;
//! store.write_status(&ShardStatus::new(shard)).await?;
//! # Ok(()) }
//! ```

mod chunks;
mod coords;
mod error;
mod fill_json;
mod location;
mod read;
mod rect;
mod shards;
mod spec;
mod status;
mod store;
mod template;

pub use error::{Result, StoreError};
pub use location::Location;
pub use magg_agg::{Column, ColumnRef, Dtype, FillValue};
pub use read::{CellsWithData, READ_CONCURRENCY};
pub use shards::ShardChunks;
pub use spec::{
    Compression, MAX_ORDER, MAX_ORDER_SPAN, RESERVED_NAMES, StoreSpec, TimeWindow, VariableSpec,
};
pub use status::{STATUS_PREFIX, ShardStatus, WindowTally, status_key};
pub use store::{CreateMode, OutputStore};
pub use template::{
    CELL_IDS_FILL, DIMENSION, LAYOUT_VERSION, MORTON_FILL, READABLE_LAYOUT, TIME_UNITS,
};

/// Name of the nested-id coordinate array in every order group.
pub const CELL_IDS: &str = "cell_ids";
/// Name of the mortie-word coordinate array in every order group.
pub const MORTON: &str = "morton";
/// Name of the time coordinate (window mid-times) and dimension, with
/// windows.
pub const TIME: &str = "time";
/// Name of the time dimension.
pub const TIME_DIMENSION: &str = "time";
/// Name of the time-bounds coordinate (`time × nv`).
pub const TIME_BOUNDS: &str = "time_bnds";
/// Name of the bounds dimension of `time_bnds`.
pub const BOUNDS_DIMENSION: &str = "nv";
/// Key of the root group's metadata document.
pub const ROOT_KEY: &str = "zarr.json";
