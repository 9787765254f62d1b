//! The grid seam: how magg cuts space into shards (the unit of work) and
//! cells (the unit of aggregation), behind one trait, [`Grid`], with two
//! implementations:
//!
//! - [`HealpixGrid`]: shards are HEALPix cells at the parent order
//!   (mortie words), cells their children at the child order, bit-exact
//!   with `magg-morton` (and so with mortie);
//! - [`RectilinearGrid`]: a regular grid in a polar stereographic CRS
//!   ([`Crs`]: EPSG:3031, EPSG:3413) configured as the upstream system does
//!   ([`GridSpec`]: `type: rectilinear`, `crs`, `resolution`, `bounds`,
//!   `chunk_shape`), shards are `chunk_shape` tiles, cells its pixels.
//!
//! What every grid gives (see [`Grid`]): its shards; the cell of a point
//! (batch, no allocation); the cells of a shard; a cover of each shard on
//! the sphere for the catalog (a MOC that holds it exactly; a tile's comes
//! from [`TileGeometry`], a ring of great-circle edges that provably holds
//! the tile although the tile's edges are straight in the projection);
//! exact bounds for the along-track row search ([`ShardBound`]); and the
//! coordinates and attributes a store writes ([`StoreLayout`]: HEALPix
//! `cell_ids`/`morton` and the DGGS convention; rectilinear `x`/`y` cell
//! centres and a CF `grid_mapping` with `crs_wkt`, EPSG code and
//! GeoTransform).
//!
//! [`proj::PolarStereo`] is the ellipsoidal polar stereographic projection
//! (Snyder 1987), checked against pyproj to < 1 mm over the grids'
//! extent.
//!
//! ```
//! use magg_grid::{Grid, GridSpec};
//! let spec: GridSpec = serde_json::from_str(r#"{"type": "rectilinear", "crs": "EPSG:3031",
//!     "resolution": 5000, "bounds": [-3200000, -3200000, 3200000, 3200000],
//!     "chunk_shape": [256, 256]}"#).unwrap();
//! let grid = spec.build().unwrap();
//! assert_eq!(grid.n_shards(), 25);
//! let mut out = [None];
//! grid.locate(&[-90.0], &[0.0], &mut out).unwrap();
//! // The pole is the middle of the middle tile (row 2, col 2), on the
//! // corner of four cells: the half-open rule puts it in the one below and
//! // right of it.
//! let cell = out[0].unwrap();
//! assert_eq!((cell.shard, cell.index), (12, 128 * 256 + 128));
//! ```

// Geometry code: x, y, a, b, t are the formulas' own names.
#![allow(clippy::many_single_char_names)]
#![cfg_attr(test, allow(clippy::float_cmp))]

mod crs;
mod error;
mod healpix;
mod layout;
pub mod proj;
mod rect;
mod seam;
mod spec;
mod tile;

pub use crs::Crs;
pub use error::GridError;
pub use healpix::{
    CELL_IDS, CELL_IDS_FILL, CELLS_DIM, HealpixGrid, MORTON, MORTON_FILL, cell_ring,
    dggs_convention,
};
pub use layout::{CoordDtype, CoordValues, CoordinateSpec, ShardCoordinate, StoreLayout};
pub use rect::{GRID_MAPPING, MAX_CELLS_PER_SHARD, RectilinearGrid};
pub use seam::{CellRef, Grid, GridKind, NOT_IN_SHARD, ShardBound, ShardId};
pub use spec::{
    DEFAULT_CHUNK_SHAPE, GridSpec, HealpixSpec, IndexingScheme, RectilinearSpec, Resolution,
};
pub use tile::{DEFAULT_BUFFER_M, TileGeometry, TileRect};
