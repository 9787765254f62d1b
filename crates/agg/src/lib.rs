//! magg-agg: turns a shard's observations into per-cell statistics.
//!
//! One job: the compute half of a shard worker, independent of I/O so it is
//! unit-testable.
//!
//! - **Config** ([`AggConfig`]): the YAML pipeline config, in the upstream
//!   zagg system's grammar: `data_source` (beam groups, coordinate and
//!   variable paths with `{group}`, `quality_filter` or `filters` — see
//!   [`FilterSpec`], compiled to [`RowFilter`]s), `aggregation.variables`
//!   (name → `function`/`source`/`params`/`expression`, `dtype`,
//!   `fill_value`, `attrs`) and `output.grid`. Unknown keys are errors
//!   naming the key path (upstream keys magg does not support also say
//!   why). [`AggConfig::atl06_default`] is the built-in ATL06 config
//!   (`configs/atl06.yaml`); [`AggConfig::load`] reads a file or a
//!   built-in config by name ([`BUILTIN_CONFIGS`]: `atl06`, `atl03`,
//!   `atl08`, `atl08_canopy`, `gedi_l2a`); [`AggConfig::fingerprint`] a stable hash of its
//!   meaning.
//! - **Expressions** ([`Expr`]): `+ - * / **`, unary minus, parentheses,
//!   numbers, source names and numpy's `sqrt abs log exp` (element-wise) and
//!   `sum mean median min max var std quantile percentile average` and `len`
//!   (over a cell's observations, with `ddof=`, `q=`, `weights=`), evaluated
//!   as numpy does on float64 arrays.
//! - **Statistics** ([`stats`]): count, min, max, sum, mean, median, var
//!   and std (with `ddof`), weighted average, inverse-variance sigma,
//!   `np.quantile` (linear) and `np.percentile`, reproducing numpy's float64
//!   results (pairwise summation, two-pass variance, selection-based order
//!   statistics).
//! - **Missing values**: a coordinate or variable value equal to its
//!   dataset's fill value (`_FillValue` in the stored type, else the HDF5
//!   fill value property) or not finite leaves its observation out
//!   (`datasets.rs` has the rule).
//! - **Reduction**: [`Plan`] (the compiled config) →
//!   [`ShardAccumulator::push`] one [`Batch`] per granule beam (filters,
//!   fill and non-finite values; child-cell indexing with
//!   `magg_morton::geo_to_nested_batch`; points outside the shard, or in
//!   child cells its [`ShardRegion`] leaves out, dropped) →
//!   [`ShardAccumulator::finish`] (counting sort by child cell) →
//!   [`GroupedShard::reduce`] at the child order or any coarser order →
//!   [`ShardGrid`]: one typed [`Column`] per output variable.
//! - **Output element types** ([`Dtype`], [`FillValue`], [`Column`],
//!   [`ColumnRef`]; [`FillLiteral`] for a config's untyped `fill_value`):
//!   the one vocabulary of the output side. `magg-store` writes these very
//!   types (and re-exports them) instead of having its own, so a reduced
//!   grid is written without conversion; they live here, upstream, so the
//!   dependency runs the way the data flows (aggregate → write) and this
//!   crate never depends on the Zarr writer.
//! - **Reading** ([`read_shard`]): for each granule (bounded concurrency)
//!   and beam, latitude first, longitude in the shard's latitude band, the
//!   other datasets only in the shard's row runs, through `magg_h5`;
//!   per-granule errors are reported, not fatal; results are pushed in
//!   granule order so outputs are deterministic.
//!
//! ```
//! use magg_agg::{AggConfig, Batch, Plan, ShardAccumulator, SourceSlice, Values};
//! let plan = Plan::new(&AggConfig::atl06_default()).unwrap();
//! let shard = magg_morton::geo_to_morton(-80.0, 120.0, 6).unwrap();
//! let (lat, lon) = ([-80.0, -80.0001], [120.0, 120.0001]);
//! let (h, s, q) = ([1000.0f32, 1002.0], [0.1f32, 0.1], [0i8, 0]);
//! let mut acc = ShardAccumulator::new(&plan, shard).unwrap();
//! acc.push(&Batch {
//!     latitude: SourceSlice::new(&lat[..]),
//!     longitude: SourceSlice::new(&lon[..]),
//!     variables: vec![SourceSlice::with_fill(&h[..], f32::MAX.into()), SourceSlice::new(&s[..])],
//!     filters: vec![Values::I8(&q)],
//! }).unwrap();
//! let grid = acc.finish().reduce(12).unwrap();
//! assert_eq!(grid.observations, 2);
//! assert_eq!(grid.populated, 1);
//! ```

// Kernels reproduce numpy bit for bit and filters match exact fill values:
// float equality is intended throughout.
#![allow(clippy::float_cmp)]

mod accumulate;
mod atl06;
mod batch;
mod builtin;
mod column;
mod config;
mod datasets;
pub mod dhdt;
mod dtype;
mod error;
mod expr;
mod filter;
mod fingerprint;
mod indexed;
mod levels;
mod linked;
mod locate;
mod named;
mod plan;
mod read;
mod reduce;
mod region;
mod rows;
mod source;
pub mod stats;
pub mod trend;
mod upstream;

pub use accumulate::{FilterStats, ShardAccumulator};
pub use atl06::{ATL06_GROUPS, ATL06_YAML};
pub use batch::{Batch, SourceSlice, Values};
pub use builtin::BUILTIN_CONFIGS;
pub use column::{Column, ColumnRef};
pub use config::{
    AggConfig, Aggregation, ConfigError, CoordinateSpec, Coordinates, DataSource, FilterOp,
    FilterSpec, FilterValue, Function, GroupPaths, Output, Params, QualityFilter, RowSearch,
    VariableSpec,
};
pub use dtype::{Dtype, FillLiteral, FillValue};
pub use error::AggError;
pub use expr::{Expr, ExprError, ExprScratch};
pub use filter::RowFilter;
pub use levels::{DEFAULT_LINK_MARGIN_M, LevelSpec, LinkPlan, LinkSpec, ReadPlan};
pub use magg_grid::{GridSpec, HealpixSpec, IndexingScheme, RectilinearSpec};
pub use named::Named;
pub use plan::{COORDINATE_NAMES, Plan};
pub use read::{
    DEFAULT_BEAM_CONCURRENCY, DEFAULT_CACHED_FILES, DEFAULT_GRANULE_CONCURRENCY,
    DEFAULT_MEMORY_BUDGET, DEFAULT_REQUESTS_IN_FLIGHT, GranuleReport, ReadOptions, ShardOutput,
    read_shard, read_shard_in_region,
};
pub use reduce::{GroupedShard, ShardGrid};
pub use region::{CellMask, ShardRegion};
