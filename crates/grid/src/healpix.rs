//! The HEALPix grid: shards are cells at the parent order (mortie words),
//! cells their children at the child order, numbered in nested order
//! within the shard. Everything is `magg-morton`'s arithmetic, so cells are
//! bit-identical to `magg_morton::geo_to_nested` (and mortie).

use std::ops::Range;

use magg_coverage::Moc;
use magg_morton as morton;
use serde_json::{Value, json};

use crate::error::{GridError, check_lengths};
use crate::layout::{CoordDtype, CoordValues, CoordinateSpec, ShardCoordinate, StoreLayout, attrs};
use crate::seam::{CellRef, Grid, GridKind, NOT_IN_SHARD, ShardBound, ShardId};

/// Name of the spatial dimension of a HEALPix store's arrays.
pub const CELLS_DIM: &str = "cells";
/// The nested-id coordinate (xdggs reads it).
pub const CELL_IDS: &str = "cell_ids";
/// The mortie-word coordinate.
pub const MORTON: &str = "morton";
/// `cell_ids` in chunks no shard has written (not a valid id).
pub const CELL_IDS_FILL: u64 = u64::MAX;
/// `morton` in chunks no shard has written (mortie's null word).
pub const MORTON_FILL: u64 = 0;

/// Points of a shard outline per side.
const OUTLINE_PER_SIDE: u32 = 16;

/// Points located per block (a stack buffer of nested ids).
const BLOCK: usize = 64;

/// HEALPix nested cells on the WGS84 authalic sphere: shards at
/// `parent_order`, cells at `child_order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealpixGrid {
    parent_order: u8,
    child_order: u8,
}

impl HealpixGrid {
    /// A grid with shards at `parent_order` and cells at `child_order`:
    /// `parent_order ≤ child_order ≤ 29`, at most
    /// [`MAX_CHILD_DEPTH`](magg_morton::MAX_CHILD_DEPTH) orders apart (a
    /// shard's cells fit one dense table).
    pub fn new(parent_order: u8, child_order: u8) -> Result<HealpixGrid, GridError> {
        let spec = |key, reason: String| Err(GridError::Spec { key, reason });
        if child_order > morton::MAX_ORDER {
            return spec("child_order", format!("{child_order} is above 29"));
        }
        if parent_order > child_order {
            return spec(
                "parent_order",
                format!("{parent_order} is finer than child_order {child_order}"),
            );
        }
        if child_order - parent_order > morton::MAX_CHILD_DEPTH {
            return spec(
                "child_order",
                format!(
                    "at most {} orders below parent_order {parent_order}",
                    morton::MAX_CHILD_DEPTH
                ),
            );
        }
        Ok(HealpixGrid {
            parent_order,
            child_order,
        })
    }

    /// The shard order.
    pub fn parent_order(&self) -> u8 {
        self.parent_order
    }

    /// The cell order.
    pub fn child_order(&self) -> u8 {
        self.child_order
    }

    /// Bits of nested id between a shard and its cells.
    fn shift(self) -> u32 {
        2 * u32::from(self.child_order - self.parent_order)
    }

    /// The nested child range of a shard word, checked.
    fn children(self, shard: ShardId) -> Result<Range<u64>, GridError> {
        let bad = |reason: String| GridError::Shard { shard, reason };
        let cell = morton::decode(shard).map_err(|e| bad(e.to_string()))?;
        if cell.is_point || cell.order != self.parent_order {
            return Err(bad(format!(
                "an order-{}{} word, not an order-{} cell (the grid's parent_order)",
                cell.order,
                if cell.is_point { " point" } else { "" },
                self.parent_order
            )));
        }
        Ok(cell.nested << self.shift()..(cell.nested + 1) << self.shift())
    }

    /// The store layout of the arrays at `order` (the child order, or a
    /// coarser pyramid level down to the parent order): one `cells`
    /// dimension, one chunk per shard, `cell_ids` and `morton` written
    /// with each chunk, and the zarr-conventions `dggs` (v1) group
    /// attributes xdggs reads.
    pub fn layout_at(&self, order: u8) -> StoreLayout {
        let chunk = 1u64 << (2 * u32::from(order.saturating_sub(self.parent_order)));
        let cell_ids = CoordinateSpec {
            name: CELL_IDS.into(),
            dims: vec![CELLS_DIM.into()],
            dtype: CoordDtype::Uint64,
            fill_value: CELL_IDS_FILL.into(),
            // Exactly xdggs' own grid parameters: it reads every attribute
            // of the coordinate as one. `WGS84`: cells live on the
            // ellipsoid's authalic sphere, as mortie's do.
            attrs: attrs([
                ("grid_name", "healpix".into()),
                ("level", order.into()),
                ("indexing_scheme", "nested".into()),
                ("ellipsoid", "WGS84".into()),
            ]),
            values: CoordValues::PerShard,
        };
        let morton = CoordinateSpec {
            name: MORTON.into(),
            dims: vec![CELLS_DIM.into()],
            dtype: CoordDtype::Uint64,
            fill_value: MORTON_FILL.into(),
            attrs: attrs([
                ("long_name", "mortie morton index".into()),
                ("order", order.into()),
                (
                    "comment",
                    "mortie 1.0.0 packed word of the cell (same cell as cell_ids); \
                     chunks of shards never written hold 0"
                        .into(),
                ),
            ]),
            values: CoordValues::PerShard,
        };
        StoreLayout {
            dims: vec![CELLS_DIM.into()],
            shape: None,
            chunk_shape: vec![chunk],
            group_attrs: attrs([
                ("zarr_conventions", json!([dggs_convention()])),
                (
                    "dggs",
                    json!({
                        "name": "healpix",
                        "refinement_level": order,
                        "indexing_scheme": "nested",
                        "spatial_dimension": CELLS_DIM,
                        "coordinate": CELL_IDS,
                        "compression": "none",
                        "ellipsoid": {
                            "name": "WGS84",
                            "semi_major_axis": 6378137.0,
                            "inverse_flattening": 298.257223563
                        }
                    }),
                ),
            ]),
            variable_attrs: attrs([("coordinates", format!("{CELL_IDS} {MORTON}").into())]),
            coordinates: vec![cell_ids, morton],
        }
    }
}

/// The zarr-conventions `dggs` convention declaration (v1), declared by
/// every HEALPix store group.
#[must_use]
pub fn dggs_convention() -> Value {
    json!({
        "schema_url": "https://raw.githubusercontent.com/zarr-conventions/dggs/refs/tags/v1/schema.json",
        "spec_url": "https://github.com/zarr-conventions/dggs/blob/v1/README.md",
        "uuid": "7b255807-140c-42ca-97f6-7a1cfecdbc38",
        "name": "dggs",
        "description": "Discrete Global Grid Systems convention for zarr"
    })
}

/// A point error from a morton batch error at `offset + index`.
fn point_error(e: &morton::BatchError, offset: usize, lats: &[f64], lons: &[f64]) -> GridError {
    let i = offset + e.index;
    GridError::Point {
        index: i,
        lat: lats.get(i).copied().unwrap_or(f64::NAN),
        lon: lons.get(i).copied().unwrap_or(f64::NAN),
        reason: e.error.to_string(),
    }
}

impl HealpixGrid {
    /// Hashes the points in blocks and hands each nested id (child order)
    /// with its point index to `f`.
    fn each_nested(
        self,
        lats: &[f64],
        lons: &[f64],
        mut f: impl FnMut(usize, u64),
    ) -> Result<(), GridError> {
        let mut buf = [0u64; BLOCK];
        for (b, (la, lo)) in lats.chunks(BLOCK).zip(lons.chunks(BLOCK)).enumerate() {
            let out = &mut buf[..la.len()];
            let r = morton::geo_to_nested_batch(la, lo, self.child_order, out);
            let good = r.as_ref().map_or_else(|e| e.index, |()| la.len());
            for (k, &n) in out[..good].iter().enumerate() {
                f(b * BLOCK + k, n);
            }
            r.map_err(|e| point_error(&e, b * BLOCK, lats, lons))?;
        }
        Ok(())
    }
}

impl Grid for HealpixGrid {
    fn kind(&self) -> GridKind {
        GridKind::Healpix
    }

    fn n_shards(&self) -> u64 {
        morton::n_cells(self.parent_order)
    }

    fn shards(&self) -> Box<dyn Iterator<Item = ShardId> + '_> {
        let order = self.parent_order;
        Box::new(
            (0..morton::n_cells(order))
                .map(move |n| morton::encode(order, n).expect("nested id below n_cells")),
        )
    }

    fn check_shard(&self, shard: ShardId) -> Result<(), GridError> {
        self.children(shard).map(|_| ())
    }

    fn cells_per_shard(&self) -> u32 {
        1u32 << self.shift()
    }

    fn locate(
        &self,
        lats: &[f64],
        lons: &[f64],
        out: &mut [Option<CellRef>],
    ) -> Result<(), GridError> {
        check_lengths(lats.len(), lons.len(), out.len())?;
        let (shift, parent) = (self.shift(), self.parent_order);
        let mask = (1u64 << shift) - 1;
        self.each_nested(lats, lons, |i, n| {
            out[i] = Some(CellRef {
                shard: morton::encode(parent, n >> shift).expect("a hashed cell's parent"),
                index: (n & mask) as u32,
            });
        })
    }

    fn locate_in_shard(
        &self,
        shard: ShardId,
        lats: &[f64],
        lons: &[f64],
        out: &mut [u32],
    ) -> Result<(), GridError> {
        check_lengths(lats.len(), lons.len(), out.len())?;
        let children = self.children(shard)?;
        self.each_nested(lats, lons, |i, n| {
            out[i] = if children.contains(&n) {
                (n - children.start) as u32
            } else {
                NOT_IN_SHARD
            };
        })
    }

    fn shard_cells(&self, shard: ShardId) -> Result<Vec<u64>, GridError> {
        Ok(self.children(shard)?.collect())
    }

    fn shard_cover(&self, shard: ShardId, order: u8) -> Result<Moc, GridError> {
        self.check_shard(shard)?;
        let cover = |e| GridError::Cover { shard, source: e };
        Moc::from_words(&[shard])
            .and_then(|m| m.degrade(order))
            .map_err(cover)
    }

    fn shard_outline(&self, shard: ShardId) -> Result<Vec<(f64, f64)>, GridError> {
        self.check_shard(shard)?;
        cell_ring(shard, OUTLINE_PER_SIDE)
    }

    fn shard_bound(&self, shard: ShardId) -> Result<ShardBound, GridError> {
        self.check_shard(shard)?;
        Ok(ShardBound {
            hull: morton::Hull::of(shard)?,
            lat_band: morton::lat_band(shard)?,
            lon_window: morton::LonWindow::of(shard)?,
        })
    }

    fn layout(&self) -> StoreLayout {
        self.layout_at(self.child_order)
    }

    fn shard_coordinates(&self, shard: ShardId) -> Result<Vec<ShardCoordinate>, GridError> {
        let children = self.children(shard)?;
        let words = children
            .clone()
            .map(|n| morton::encode(self.child_order, n))
            .collect::<Result<Vec<u64>, _>>()?;
        Ok(vec![
            ShardCoordinate {
                name: CELL_IDS.into(),
                values: children.collect(),
            },
            ShardCoordinate {
                name: MORTON.into(),
                values: words,
            },
        ])
    }

    fn chunk_position(&self, shard: ShardId) -> Result<Option<Vec<u64>>, GridError> {
        self.check_shard(shard)?;
        Ok(None)
    }

    fn shard_label(&self, shard: ShardId) -> String {
        morton::to_label(shard).unwrap_or_else(|_| shard.to_string())
    }
}

/// The boundary of the cell `word` as geodetic `(lat, lon)` degrees,
/// following its true (curved) HEALPix edges with `per_side` points per
/// side (`cdshealpix::nested::path_along_cell_edge`, in the authalic frame
/// where the cells live, each vertex converted to geodetic latitude),
/// starting at the north corner and running N → W → S → E (mortie's
/// corner order), no closing repeat. Longitudes are continuous along the
/// ring (no jump at ±180°).
pub fn cell_ring(word: u64, per_side: u32) -> Result<Vec<(f64, f64)>, GridError> {
    use cdshealpix::compass_point::Cardinal;
    let cell = morton::decode(word)?;
    if cell.is_point {
        return Err(GridError::Shard {
            shard: word,
            reason: "a point word, not a cell".into(),
        });
    }
    let path = cdshealpix::nested::path_along_cell_edge(
        cell.order,
        cell.nested,
        &Cardinal::N,
        false,
        per_side.max(1),
    );
    let mut out = Vec::with_capacity(path.len());
    let mut last_lon: Option<f64> = None;
    for &(lon, lat) in &*path {
        let mut lon = lon.to_degrees();
        if let Some(prev) = last_lon {
            while lon - prev > 180.0 {
                lon -= 360.0;
            }
            while prev - lon > 180.0 {
                lon += 360.0;
            }
        }
        last_lon = Some(lon);
        out.push((morton::authalic_to_geodetic(lat.to_degrees()), lon));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_orders_and_shards() {
        assert!(HealpixGrid::new(7, 6).is_err());
        assert!(HealpixGrid::new(6, 30).is_err());
        assert!(HealpixGrid::new(2, 15).is_err());
        let g = HealpixGrid::new(6, 12).unwrap();
        let at8 = morton::geo_to_morton(-70.0, 10.0, 8).unwrap();
        let e = g.check_shard(at8).unwrap_err().to_string();
        assert!(e.contains("order-8") && e.contains("parent_order"), "{e}");
        assert!(g.check_shard(0).is_err());
        assert!(
            g.check_shard(morton::geo_to_point(1.0, 2.0).unwrap())
                .is_err()
        );
    }

    #[test]
    fn outline_latitudes_stay_in_the_band() {
        let g = HealpixGrid::new(6, 12).unwrap();
        for (lat, lon) in [(-89.9, 3.0), (-75.0, 120.0), (0.5, -179.9), (41.8, 45.0)] {
            let w = morton::geo_to_morton(lat, lon, 6).unwrap();
            let b = g.shard_bound(w).unwrap();
            for (la, lo) in g.shard_outline(w).unwrap() {
                assert!(b.lat_band.0 <= la && la <= b.lat_band.1, "{w}: {la}");
                assert!(b.lon_window.contains(lo), "{w}: {lo}");
            }
        }
    }

    #[test]
    fn shards_are_every_parent_cell_ascending() {
        let g = HealpixGrid::new(2, 5).unwrap();
        let s: Vec<u64> = g.shards().collect();
        assert_eq!(s.len() as u64, g.n_shards());
        assert_eq!(s.len(), 192);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!(s.iter().all(|&w| g.check_shard(w).is_ok()));
        assert_eq!(g.cells_per_shard(), 64);
    }
}
