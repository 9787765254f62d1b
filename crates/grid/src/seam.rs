//! The [`Grid`] trait: what every output grid gives the rest of magg.

use magg_coverage::Moc;
use magg_morton::{Hull, LonWindow};

use crate::error::GridError;
use crate::layout::{ShardCoordinate, StoreLayout};

/// A shard's id: a HEALPix shard's mortie word, a rectilinear tile's
/// row-major index `tile_row · tiles_across + tile_col`.
pub type ShardId = u64;

/// Marks a point outside the shard in [`Grid::locate_in_shard`]'s output.
pub const NOT_IN_SHARD: u32 = u32::MAX;

/// Where a point lies: its shard and the index of its cell in the shard's
/// cell order (the order of [`Grid::shard_cells`], the order a store chunk
/// holds them in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    /// The shard.
    pub shard: ShardId,
    /// The cell's index within the shard, `0..cells_per_shard`.
    pub index: u32,
}

/// Which family a grid belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GridKind {
    /// HEALPix nested cells addressed by mortie words.
    Healpix,
    /// A regular grid in a projected CRS.
    Rectilinear,
}

/// Exact bounds on where a shard's points can be, for the along-track row
/// search and cheap pre-tests before locating points.
///
/// - `hull`: the search key ([`Hull::key`], compared with
///   [`Hull::radius`]); it falls and rises at most once along a great
///   circle, which is the model the row search in `magg-agg` bisects on.
///   A HEALPix shard's is [`Hull::of`] its word; a tile's is
///   [`Hull::around`] its enclosing ring (a tile is a quadrilateral smaller
///   than a hemisphere, which is all the hull needs).
/// - `lat_band`: geodetic latitudes its points can have (the whole-column
///   fallback of the row search reads longitude only in this band).
/// - `lon_window`: longitudes its points can have.
///
/// Every point of the shard passes all three; a point failing one is not
/// in the shard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShardBound {
    /// The hull (search key).
    pub hull: Hull,
    /// `(lowest, highest)` geodetic latitude, degrees.
    pub lat_band: (f64, f64),
    /// The longitude window.
    pub lon_window: LonWindow,
}

impl ShardBound {
    /// Whether a point passes the band and window pre-tests (`false`: it
    /// is not in the shard; `true`: locate it to know).
    #[inline]
    pub fn may_hold(&self, lat: f64, lon: f64) -> bool {
        lat >= self.lat_band.0 && lat <= self.lat_band.1 && self.lon_window.contains(lon)
    }
}

/// An output grid: how space is cut into shards (the unit of work: one
/// worker, one store chunk per array) and cells (the unit of aggregation).
///
/// Two implementations: [`HealpixGrid`](crate::HealpixGrid) (shards are
/// cells at the parent order, cells are their children at the child
/// order) and [`RectilinearGrid`](crate::RectilinearGrid) (shards are
/// `chunk_shape` tiles of a projected grid, cells its pixels). The trait is
/// object safe: the pipeline holds a `Box<dyn Grid>` / `Arc<dyn Grid>`.
///
/// Points are geodetic WGS84 `(lat, lon)` degrees throughout.
pub trait Grid: Send + Sync + std::fmt::Debug {
    /// The grid's family.
    fn kind(&self) -> GridKind;

    /// How many shards the grid has.
    fn n_shards(&self) -> u64;

    /// Every shard id, ascending.
    fn shards(&self) -> Box<dyn Iterator<Item = ShardId> + '_>;

    /// Checks that `shard` is a shard of this grid.
    fn check_shard(&self, shard: ShardId) -> Result<(), GridError>;

    /// Cells per shard (every shard has the same number; a store chunk
    /// holds this many).
    fn cells_per_shard(&self) -> u32;

    /// The cell of each point: `out[i]` = `Some(cell)`, or `None` where
    /// the point lies outside the grid. Invalid coordinates (NaN/∞, or
    /// latitudes beyond ±90) are an error naming the first one;
    /// `out[..index]` is then filled. No allocation.
    fn locate(
        &self,
        lats: &[f64],
        lons: &[f64],
        out: &mut [Option<CellRef>],
    ) -> Result<(), GridError>;

    /// The index within `shard` of each point's cell, or [`NOT_IN_SHARD`]:
    /// what a worker aggregating one shard needs. Same rules and errors as
    /// [`Grid::locate`]; `out[i]` equals `locate`'s index where its shard
    /// is `shard`.
    fn locate_in_shard(
        &self,
        shard: ShardId,
        lats: &[f64],
        lons: &[f64],
        out: &mut [u32],
    ) -> Result<(), GridError>;

    /// The grid-wide ids of a shard's cells in the shard's cell order
    /// (HEALPix: nested ids at the child order; rectilinear: row-major
    /// pixel ids `row · width + col`).
    fn shard_cells(&self, shard: ShardId) -> Result<Vec<u64>, GridError>;

    /// The HEALPix cells at `order` that meet the shard, as a MOC: a cover
    /// that holds the shard exactly on the sphere (every point of the
    /// shard lies in a listed cell). What the catalog intersects with
    /// footprints and regions.
    fn shard_cover(&self, shard: ShardId, order: u8) -> Result<Moc, GridError>;

    /// The shard's outline as geodetic `(lat, lon)` degrees, ring order, no
    /// closing repeat, for drawing and footprints. A tile's outline is the
    /// ring whose great-circle polygon holds it (see
    /// [`TileGeometry`](crate::TileGeometry)); a HEALPix shard's follows its
    /// true (curved) edges with 16 points per side.
    fn shard_outline(&self, shard: ShardId) -> Result<Vec<(f64, f64)>, GridError>;

    /// Exact bounds on where the shard's points can be.
    fn shard_bound(&self, shard: ShardId) -> Result<ShardBound, GridError>;

    /// What a store writes once for the grid: dimensions, chunking,
    /// coordinate arrays and attributes.
    fn layout(&self) -> StoreLayout;

    /// The coordinate values a store writes with each shard's chunk
    /// (HEALPix: `cell_ids` and `morton`; rectilinear: none, its `x`/`y`
    /// are written once with the layout).
    fn shard_coordinates(&self, shard: ShardId) -> Result<Vec<ShardCoordinate>, GridError>;

    /// The chunk position of a shard in a grid-wide array, when the grid
    /// fixes it (rectilinear: `[tile_row, tile_col]` of the `(y, x)`
    /// arrays); `None` when the store decides (HEALPix: chunk i = the
    /// shard map's i-th shard).
    fn chunk_position(&self, shard: ShardId) -> Result<Option<Vec<u64>>, GridError>;

    /// The shard as people read it (a mortie label, or `tile R,C`).
    fn shard_label(&self, shard: ShardId) -> String;
}
