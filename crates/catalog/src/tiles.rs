//! Shards of a rectilinear grid (`magg-grid`'s tiles) for the catalog.
//!
//! A tile is listed for a granule when the tile meets the region and the
//! granule may have an observation in it:
//!
//! - from granule files ([`point_tiles`]): one of its points lies in the
//!   tile (located as the run locates it: exact);
//! - from catalog footprints ([`footprint_tiles`]): the footprint's cover
//!   (buffered) meets the tile's cover on the sphere.
//!
//! "Meets the region" is the tile's cover ([`Grid::shard_cover`], which
//! holds the tile exactly although its edges are straight in the
//! projection) against the region's cover, both at
//! [`cover_order`] (never finer than the match order: a coarser cover
//! holds the finer one, so no tile that meets the region is lost).
//! Every observation of a listed tile counts (the `all_observations` rule:
//! the tiles are the unit, as shards are for HEALPix with that rule).

use magg_coverage::{Footprint, Moc};
use magg_grid::{Grid, GridError, RectilinearGrid, RectilinearSpec, ShardId};

use crate::error::Error;

/// The finest order tile covers are computed at (a 1280 km tile at order
/// 10 has a cover 1.2 % larger than the tile: `magg-grid`'s README).
pub const TILE_COVER_ORDER: u8 = 10;

/// The order tiles are tested against regions and footprints at: the
/// match order, at most [`TILE_COVER_ORDER`].
pub fn cover_order(match_order: u8) -> u8 {
    match_order.min(TILE_COVER_ORDER)
}

fn grid_error(e: &GridError) -> Error {
    Error::Parameter(e.to_string())
}

/// Builds the grid of a spec (its errors name the `output.grid` key).
pub fn grid_of(spec: &RectilinearSpec) -> Result<RectilinearGrid, Error> {
    RectilinearGrid::new(spec).map_err(|e| grid_error(&e))
}

/// Whether `tile`'s cover at `order` meets `moc` (taken to `order`).
fn tile_meets(grid: &RectilinearGrid, tile: ShardId, moc: &Moc, order: u8) -> Result<bool, Error> {
    let cover = grid.shard_cover(tile, order).map_err(|e| grid_error(&e))?;
    Ok(!cover.intersection(&moc.degrade(order)?).is_empty())
}

/// The tiles holding at least one of the points, that meet the region
/// (ascending). Points outside the grid have no tile.
pub fn point_tiles(
    grid: &RectilinearGrid,
    lats: &[f64],
    lons: &[f64],
    region_moc: &Moc,
    match_order: u8,
) -> Result<Vec<ShardId>, Error> {
    let mut cells = vec![None; lats.len()];
    grid.locate(lats, lons, &mut cells)
        .map_err(|e| grid_error(&e))?;
    let mut tiles: Vec<ShardId> = cells.into_iter().flatten().map(|c| c.shard).collect();
    tiles.sort_unstable();
    tiles.dedup();
    let order = cover_order(match_order);
    let mut out = Vec::with_capacity(tiles.len());
    for t in tiles {
        if tile_meets(grid, t, region_moc, order)? {
            out.push(t);
        }
    }
    Ok(out)
}

/// The tiles meeting the region (ascending): what [`footprint_tiles`]
/// tests footprints against.
pub fn region_tiles(
    grid: &RectilinearGrid,
    region_moc: &Moc,
    match_order: u8,
) -> Result<Vec<(ShardId, Moc)>, Error> {
    let order = cover_order(match_order);
    let region = region_moc.degrade(order)?;
    let mut out = Vec::new();
    for t in grid.shards() {
        let cover = grid.shard_cover(t, order).map_err(|e| grid_error(&e))?;
        if !cover.intersection(&region).is_empty() {
            out.push((t, cover));
        }
    }
    Ok(out)
}

/// The tiles of `region_tiles` (with their covers) that the footprint,
/// covered at the match order with `buffer_km`, meets.
pub fn footprint_tiles(
    fp: &Footprint,
    region_tiles: &[(ShardId, Moc)],
    match_order: u8,
    buffer_km: f64,
) -> Result<Vec<ShardId>, Error> {
    let cover = fp
        .cover(match_order, buffer_km)?
        .degrade(cover_order(match_order))?;
    Ok(region_tiles
        .iter()
        .filter(|(_, tile)| !tile.intersection(&cover).is_empty())
        .map(|(t, _)| *t)
        .collect())
}
