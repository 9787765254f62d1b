//! The rectilinear grid: square (or rectangular) cells of a projected CRS,
//! cut into shards of `chunk_shape` cells, with the upstream system's
//! conventions:
//!
//! - the origin is the top-left corner `(xmin, ymax)`; row 0 is the top
//!   (north-up, as GDAL and rioxarray expect), so arrays are `(y, x)` with
//!   `y` decreasing;
//! - the grid has `ceil(span / res − 1e-9)` cells per axis (the `1e-9`
//!   keeps an exactly divisible span from rounding up), then the far edges
//!   (`xmax`, `ymin`) move out to a whole number of chunks, so every shard
//!   is a full tile; the extra cells are ordinary cells of the grid;
//! - cell of a point: `col = ⌊(x − xmin) / res_x⌋`,
//!   `row = ⌊(ymax − y) / res_y⌋`, in IEEE double arithmetic exactly as
//!   written (numpy's `//` on the same values agrees bit for bit). So
//!   cells are half-open: a cell holds its west edge and its north
//!   (top) edge, not its east or south edge; a point exactly on an inner
//!   edge belongs to the cell east of / below it. A point outside
//!   `[xmin, xmax) × (ymin, ymax]` has no cell;
//! - a cell's id is `row · width + col`; a shard's id is the row-major tile
//!   index `tile_row · tiles_across + tile_col`; a cell's index within
//!   its shard is row-major within the tile.

use magg_coverage::Moc;
use serde_json::json;

use crate::crs::Crs;
use crate::error::{GridError, check_lengths};
use crate::layout::{CoordDtype, CoordValues, CoordinateSpec, ShardCoordinate, StoreLayout, attrs};
use crate::proj::PolarStereo;
use crate::seam::{CellRef, Grid, GridKind, NOT_IN_SHARD, ShardBound, ShardId};
use crate::spec::RectilinearSpec;
use crate::tile::{DEFAULT_BUFFER_M, TileGeometry, TileRect};

/// The most cells one shard may hold (as a HEALPix shard 12 orders deep:
/// a shard's cells fit one dense table).
pub const MAX_CELLS_PER_SHARD: u64 = 1 << 24;

/// The name of the CF grid-mapping variable.
pub const GRID_MAPPING: &str = "spatial_ref";

/// A regular grid in a polar stereographic CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct RectilinearGrid {
    spec: RectilinearSpec,
    proj: PolarStereo,
    res_x: f64,
    res_y: f64,
    xmin: f64,
    ymax: f64,
    width: u64,
    height: u64,
    chunk_rows: u64,
    chunk_cols: u64,
}

impl RectilinearGrid {
    /// Builds and checks a grid: finite positive resolution, finite
    /// bounds with `xmax > xmin` and `ymax > ymin`, chunk dimensions ≥ 1
    /// holding at most [`MAX_CELLS_PER_SHARD`] cells, and every corner of
    /// the (padded) grid in the projection's own hemisphere (a polar
    /// stereographic grid reaching across the equator is refused).
    pub fn new(spec: &RectilinearSpec) -> Result<RectilinearGrid, GridError> {
        let err = |key, reason: String| Err(GridError::Spec { key, reason });
        let (res_x, res_y) = spec.resolution.xy();
        if !(res_x.is_finite() && res_y.is_finite() && res_x > 0.0 && res_y > 0.0) {
            return err(
                "resolution",
                format!("{res_x}, {res_y}: must be finite and > 0"),
            );
        }
        let [xmin, ymin, xmax, ymax] = spec.bounds;
        if spec.bounds.iter().any(|b| !b.is_finite()) || xmax <= xmin || ymax <= ymin {
            return err(
                "bounds",
                format!(
                    "{:?}: must be finite [xmin, ymin, xmax, ymax] with xmax > xmin and ymax > ymin",
                    spec.bounds
                ),
            );
        }
        let [rows, cols] = spec.chunk_shape.map(u64::from);
        if rows == 0 || cols == 0 || rows * cols > MAX_CELLS_PER_SHARD {
            return err(
                "chunk_shape",
                format!(
                    "{:?}: both must be >= 1, at most {MAX_CELLS_PER_SHARD} cells per shard",
                    spec.chunk_shape
                ),
            );
        }
        let cells = |span: f64, res: f64, chunk: u64| {
            let raw = (span / res - 1e-9).ceil().max(1.0);
            (raw < 2f64.powi(40)).then(|| (raw as u64).div_ceil(chunk) * chunk)
        };
        // Cell ids `row · width + col` stay below 2^53, exact as doubles
        // (for Python users) and far from u64 overflow.
        let (Some(width), Some(height)) = (
            cells(xmax - xmin, res_x, cols),
            cells(ymax - ymin, res_y, rows),
        ) else {
            return err("resolution", format!("{res_x}, {res_y}: too many cells"));
        };
        if width.checked_mul(height).is_none_or(|n| n > 1 << 53) {
            return err(
                "resolution",
                format!("{res_x}, {res_y}: {width} × {height} cells, more than 2^53"),
            );
        }
        let grid = RectilinearGrid {
            spec: *spec,
            proj: spec.crs.projection(),
            res_x,
            res_y,
            xmin,
            ymax,
            width,
            height,
            chunk_rows: rows,
            chunk_cols: cols,
        };
        let [x0, y0, x1, y1] = grid.bounds();
        let s = grid.proj.hemisphere().sign();
        for (x, y) in [(x0, y0), (x0, y1), (x1, y0), (x1, y1)] {
            let (lat, _) = grid.proj.inverse(x, y);
            if lat.is_nan() || lat * s <= 0.0 {
                return err(
                    "bounds",
                    format!(
                        "corner ({x}, {y}) of the grid is at latitude {lat}: outside the hemisphere of {}",
                        spec.crs
                    ),
                );
            }
        }
        Ok(grid)
    }

    /// The spec it was built from.
    pub fn spec(&self) -> &RectilinearSpec {
        &self.spec
    }

    /// Its CRS.
    pub fn crs(&self) -> Crs {
        self.spec.crs
    }

    /// Its projection.
    pub fn projection(&self) -> PolarStereo {
        self.proj
    }

    /// Cells per row (x).
    pub fn width(&self) -> u64 {
        self.width
    }

    /// Cells per column (y).
    pub fn height(&self) -> u64 {
        self.height
    }

    /// `(res_x, res_y)`.
    pub fn resolution(&self) -> (f64, f64) {
        (self.res_x, self.res_y)
    }

    /// `[rows, cols]` of cells per shard.
    pub fn chunk_shape(&self) -> [u64; 2] {
        [self.chunk_rows, self.chunk_cols]
    }

    /// Tiles (shards) per row of tiles.
    pub fn tiles_across(&self) -> u64 {
        self.width / self.chunk_cols
    }

    /// Rows of tiles.
    pub fn tiles_down(&self) -> u64 {
        self.height / self.chunk_rows
    }

    /// The grid's bounds after padding: `[xmin, ymin, xmax, ymax]`.
    pub fn bounds(&self) -> [f64; 4] {
        [
            self.xmin,
            self.ymax - self.height as f64 * self.res_y,
            self.xmin + self.width as f64 * self.res_x,
            self.ymax,
        ]
    }

    /// GDAL's geotransform `[xmin, res_x, 0, ymax, 0, −res_y]`: pixel
    /// `(col, row)`'s top-left corner is `(xmin + col·res_x, ymax − row·res_y)`.
    pub fn geo_transform(&self) -> [f64; 6] {
        [self.xmin, self.res_x, 0.0, self.ymax, 0.0, -self.res_y]
    }

    /// The `(row, col)` of the cell holding projected `(x, y)`, if any
    /// (the half-open rule in the module docs).
    #[inline]
    pub fn cell_of_xy(&self, x: f64, y: f64) -> Option<(u64, u64)> {
        let c = ((x - self.xmin) / self.res_x).floor();
        let r = ((self.ymax - y) / self.res_y).floor();
        // False for NaN too.
        let inside = c >= 0.0 && c < self.width as f64 && r >= 0.0 && r < self.height as f64;
        inside.then_some((r as u64, c as u64))
    }

    /// The `(row, col)` of the cell holding a geodetic point, if any;
    /// `None` for invalid coordinates too.
    #[inline]
    pub fn cell_of(&self, lat: f64, lon: f64) -> Option<(u64, u64)> {
        if !(lat.abs() <= 90.0 && lon.is_finite()) {
            return None;
        }
        let (x, y) = self.proj.forward(lat, lon);
        self.cell_of_xy(x, y)
    }

    /// The projected centre of cell `(row, col)`.
    pub fn cell_center(&self, row: u64, col: u64) -> (f64, f64) {
        (
            self.xmin + (col as f64 + 0.5) * self.res_x,
            self.ymax - (row as f64 + 0.5) * self.res_y,
        )
    }

    /// The `x` coordinate of every column's centre (increasing).
    pub fn x_centers(&self) -> Vec<f64> {
        (0..self.width).map(|c| self.cell_center(0, c).0).collect()
    }

    /// The `y` coordinate of every row's centre (decreasing).
    pub fn y_centers(&self) -> Vec<f64> {
        (0..self.height).map(|r| self.cell_center(r, 0).1).collect()
    }

    /// `(tile_row, tile_col)` of a shard, checked.
    pub fn tile(&self, shard: ShardId) -> Result<(u64, u64), GridError> {
        if shard >= self.n_shards() {
            return Err(GridError::Shard {
                shard,
                reason: format!(
                    "not a tile of this {}×{} grid of tiles",
                    self.tiles_down(),
                    self.tiles_across()
                ),
            });
        }
        Ok((shard / self.tiles_across(), shard % self.tiles_across()))
    }

    /// The projected rectangle of a shard's tile.
    pub fn tile_rect(&self, shard: ShardId) -> Result<TileRect, GridError> {
        let (tr, tc) = self.tile(shard)?;
        let x0 = self.xmin + (tc * self.chunk_cols) as f64 * self.res_x;
        let y1 = self.ymax - (tr * self.chunk_rows) as f64 * self.res_y;
        Ok(TileRect {
            x0,
            y0: y1 - self.chunk_rows as f64 * self.res_y,
            x1: x0 + self.chunk_cols as f64 * self.res_x,
            y1,
        })
    }

    /// A shard's geometry on the sphere with the default buffer
    /// ([`DEFAULT_BUFFER_M`]).
    pub fn tile_geometry(&self, shard: ShardId) -> Result<TileGeometry, GridError> {
        self.tile_geometry_buffered(shard, DEFAULT_BUFFER_M)
    }

    /// A shard's geometry on the sphere, its ring `buffer_m` projected
    /// metres outside the tile.
    pub fn tile_geometry_buffered(
        &self,
        shard: ShardId,
        buffer_m: f64,
    ) -> Result<TileGeometry, GridError> {
        let rect = self.tile_rect(shard)?;
        TileGeometry::new(&self.proj, rect, buffer_m)
            .map_err(|reason| GridError::Shard { shard, reason })
    }

    /// Runs `f(index, row, col)` on every valid point inside the grid.
    fn each_cell(
        &self,
        lats: &[f64],
        lons: &[f64],
        mut f: impl FnMut(usize, Option<(u64, u64)>),
    ) -> Result<(), GridError> {
        for (i, (&lat, &lon)) in lats.iter().zip(lons).enumerate() {
            if !(lat.abs() <= 90.0 && lon.is_finite()) {
                let reason = if lat.is_finite() && lon.is_finite() {
                    "latitude outside [-90, 90]"
                } else {
                    "coordinate is not finite"
                };
                return Err(GridError::Point {
                    index: i,
                    lat,
                    lon,
                    reason: reason.into(),
                });
            }
            let (x, y) = self.proj.forward(lat, lon);
            f(i, self.cell_of_xy(x, y));
        }
        Ok(())
    }
}

impl Grid for RectilinearGrid {
    fn kind(&self) -> GridKind {
        GridKind::Rectilinear
    }

    fn n_shards(&self) -> u64 {
        self.tiles_across() * self.tiles_down()
    }

    fn shards(&self) -> Box<dyn Iterator<Item = ShardId> + '_> {
        Box::new(0..self.n_shards())
    }

    fn check_shard(&self, shard: ShardId) -> Result<(), GridError> {
        self.tile(shard).map(|_| ())
    }

    fn cells_per_shard(&self) -> u32 {
        (self.chunk_rows * self.chunk_cols) as u32
    }

    fn locate(
        &self,
        lats: &[f64],
        lons: &[f64],
        out: &mut [Option<CellRef>],
    ) -> Result<(), GridError> {
        check_lengths(lats.len(), lons.len(), out.len())?;
        let (cr, cc, across) = (self.chunk_rows, self.chunk_cols, self.tiles_across());
        self.each_cell(lats, lons, |i, cell| {
            out[i] = cell.map(|(r, c)| CellRef {
                shard: (r / cr) * across + c / cc,
                index: ((r % cr) * cc + c % cc) as u32,
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
        let (tr, tc) = self.tile(shard)?;
        let (cr, cc) = (self.chunk_rows, self.chunk_cols);
        let (r0, c0) = (tr * cr, tc * cc);
        self.each_cell(lats, lons, |i, cell| {
            out[i] = match cell {
                Some((r, c)) if (r0..r0 + cr).contains(&r) && (c0..c0 + cc).contains(&c) => {
                    ((r - r0) * cc + (c - c0)) as u32
                }
                _ => NOT_IN_SHARD,
            };
        })
    }

    fn shard_cells(&self, shard: ShardId) -> Result<Vec<u64>, GridError> {
        let (tr, tc) = self.tile(shard)?;
        let (cr, cc) = (self.chunk_rows, self.chunk_cols);
        Ok((tr * cr..(tr + 1) * cr)
            .flat_map(|r| (tc * cc..(tc + 1) * cc).map(move |c| r * self.width + c))
            .collect())
    }

    fn shard_cover(&self, shard: ShardId, order: u8) -> Result<Moc, GridError> {
        self.tile_geometry(shard)?
            .cover(order)
            .map_err(|source| GridError::Cover { shard, source })
    }

    fn shard_outline(&self, shard: ShardId) -> Result<Vec<(f64, f64)>, GridError> {
        Ok(self.tile_geometry(shard)?.ring)
    }

    fn shard_bound(&self, shard: ShardId) -> Result<ShardBound, GridError> {
        let g = self.tile_geometry(shard)?;
        g.bound(&self.proj).map_err(|e| GridError::Shard {
            shard,
            reason: e.to_string(),
        })
    }

    fn layout(&self) -> StoreLayout {
        let (rx, ry) = (self.res_x, self.res_y);
        let axis = |name: &str, std: &str, long: &str, values: Vec<f64>| CoordinateSpec {
            name: name.into(),
            dims: vec![name.into()],
            dtype: CoordDtype::Float64,
            fill_value: json!("NaN"),
            attrs: attrs([
                ("standard_name", std.into()),
                ("long_name", long.into()),
                ("units", "m".into()),
                ("axis", name.to_uppercase().into()),
                ("comment", "cell centres".into()),
            ]),
            values: CoordValues::Float64(values),
        };
        let gt = self.geo_transform();
        let mut mapping = self.crs().cf_grid_mapping();
        mapping.insert(
            "GeoTransform".into(),
            gt.map(|v| format!("{v:?}")).join(" ").into(),
        );
        let [x0, y0, x1, y1] = self.bounds();
        StoreLayout {
            dims: vec!["y".into(), "x".into()],
            shape: Some(vec![self.height, self.width]),
            chunk_shape: vec![self.chunk_rows, self.chunk_cols],
            group_attrs: attrs([
                ("crs", self.crs().to_string().into()),
                ("resolution", json!([rx, ry])),
                ("bounds", json!([x0, y0, x1, y1])),
                ("chunk_shape", json!([self.chunk_rows, self.chunk_cols])),
            ]),
            // `coordinates` too, so a plain `xr.open_zarr` makes the
            // grid mapping a coordinate, where rioxarray looks for it.
            variable_attrs: attrs([
                ("grid_mapping", GRID_MAPPING.into()),
                ("coordinates", GRID_MAPPING.into()),
            ]),
            coordinates: vec![
                axis(
                    "y",
                    "projection_y_coordinate",
                    "y coordinate of projection",
                    self.y_centers(),
                ),
                axis(
                    "x",
                    "projection_x_coordinate",
                    "x coordinate of projection",
                    self.x_centers(),
                ),
                CoordinateSpec {
                    name: GRID_MAPPING.into(),
                    dims: vec![],
                    dtype: CoordDtype::Int64,
                    fill_value: json!(0),
                    attrs: mapping,
                    values: CoordValues::ScalarInt64(0),
                },
            ],
        }
    }

    fn shard_coordinates(&self, shard: ShardId) -> Result<Vec<ShardCoordinate>, GridError> {
        self.check_shard(shard)?;
        Ok(Vec::new())
    }

    fn chunk_position(&self, shard: ShardId) -> Result<Option<Vec<u64>>, GridError> {
        let (tr, tc) = self.tile(shard)?;
        Ok(Some(vec![tr, tc]))
    }

    fn shard_label(&self, shard: ShardId) -> String {
        match self.tile(shard) {
            Ok((r, c)) => format!("tile {r},{c}"),
            Err(_) => shard.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Resolution;

    fn spec(crs: Crs, res: f64, bounds: [f64; 4], chunk: [u32; 2]) -> RectilinearSpec {
        RectilinearSpec {
            crs,
            resolution: Resolution::Square(res),
            bounds,
            chunk_shape: chunk,
        }
    }

    #[test]
    fn upstream_polar_grid_has_5x5_tiles() {
        let g = RectilinearGrid::new(&spec(
            Crs::Epsg3031,
            5000.0,
            [-3.2e6, -3.2e6, 3.2e6, 3.2e6],
            [256, 256],
        ))
        .unwrap();
        assert_eq!((g.width(), g.height()), (1280, 1280));
        assert_eq!((g.tiles_down(), g.tiles_across()), (5, 5));
        assert_eq!(
            g.geo_transform(),
            [-3.2e6, 5000.0, 0.0, 3.2e6, 0.0, -5000.0]
        );
        assert_eq!(g.cells_per_shard(), 65536);
    }

    #[test]
    fn far_edges_pad_to_whole_chunks() {
        let g = RectilinearGrid::new(&spec(
            Crs::Epsg3413,
            1000.0,
            [-10_500.0, -3000.0, 0.0, 2000.0],
            [4, 3],
        ))
        .unwrap();
        // 10.5 cells → 11 → 12 (whole chunks of 3); 5 rows → 8.
        assert_eq!((g.width(), g.height()), (12, 8));
        assert_eq!(g.bounds(), [-10_500.0, -6000.0, 1500.0, 2000.0]);
        assert_eq!(g.n_shards(), 8);
    }

    #[test]
    fn edges_are_half_open() {
        let g = RectilinearGrid::new(&spec(
            Crs::Epsg3031,
            100.0,
            [0.0, 0.0, 1000.0, 1000.0],
            [5, 5],
        ))
        .unwrap();
        // West and top edges belong to the cell; east and bottom do not.
        assert_eq!(g.cell_of_xy(0.0, 1000.0), Some((0, 0)));
        assert_eq!(g.cell_of_xy(100.0, 900.0), Some((1, 1)));
        assert_eq!(g.cell_of_xy(99.999, 900.001), Some((0, 0)));
        assert_eq!(g.cell_of_xy(1000.0, 500.0), None);
        assert_eq!(g.cell_of_xy(500.0, 0.0), None);
        assert_eq!(g.cell_of_xy(500.0, 1_000.000_001), None);
        assert_eq!(g.cell_of_xy(-1e-9, 500.0), None);
        assert_eq!(g.cell_of_xy(f64::NAN, 500.0), None);
        assert_eq!(g.cell_of_xy(999.999, 0.001), Some((9, 9)));
    }

    #[test]
    fn refuses_bad_specs() {
        let ok = spec(Crs::Epsg3031, 5000.0, [-1e6, -1e6, 1e6, 1e6], [256, 256]);
        for (s, key) in [
            (
                RectilinearSpec {
                    resolution: Resolution::Square(0.0),
                    ..ok
                },
                "resolution",
            ),
            (
                RectilinearSpec {
                    resolution: Resolution::Xy([1.0, f64::NAN]),
                    ..ok
                },
                "resolution",
            ),
            (
                RectilinearSpec {
                    bounds: [1.0, 0.0, 1.0, 5.0],
                    ..ok
                },
                "bounds",
            ),
            (
                RectilinearSpec {
                    bounds: [0.0, f64::INFINITY, 1.0, 5.0],
                    ..ok
                },
                "bounds",
            ),
            (
                RectilinearSpec {
                    chunk_shape: [0, 5],
                    ..ok
                },
                "chunk_shape",
            ),
            (
                RectilinearSpec {
                    chunk_shape: [8192, 8192],
                    ..ok
                },
                "chunk_shape",
            ),
            // Reaching across the equator (ρ(0°) ≈ 12.7e6 m in EPSG:3031).
            (
                RectilinearSpec {
                    bounds: [-2e7, -1e6, 1e6, 1e6],
                    ..ok
                },
                "bounds",
            ),
            (
                RectilinearSpec {
                    resolution: Resolution::Square(1e-6),
                    ..ok
                },
                "resolution",
            ),
            (
                RectilinearSpec {
                    resolution: Resolution::Square(0.01),
                    ..ok
                },
                "resolution",
            ),
        ] {
            let e = RectilinearGrid::new(&s).unwrap_err();
            assert!(
                e.to_string().starts_with(&format!("output.grid.{key}:")),
                "{e}"
            );
        }
    }

    #[test]
    fn shard_cells_and_locate_agree() {
        let g = RectilinearGrid::new(&spec(
            Crs::Epsg3031,
            20_000.0,
            [-200_000.0, -100_000.0, 100_000.0, 140_000.0],
            [4, 5],
        ))
        .unwrap();
        for shard in g.shards() {
            let cells = g.shard_cells(shard).unwrap();
            assert_eq!(cells.len(), g.cells_per_shard() as usize);
            for (k, &id) in cells.iter().enumerate() {
                let (r, c) = (id / g.width(), id % g.width());
                let (x, y) = g.cell_center(r, c);
                let (lat, lon) = g.projection().inverse(x, y);
                let mut out = [None];
                g.locate(&[lat], &[lon], &mut out).unwrap();
                assert_eq!(
                    out[0],
                    Some(CellRef {
                        shard,
                        index: k as u32
                    })
                );
                let mut inside = [0];
                g.locate_in_shard(shard, &[lat], &[lon], &mut inside)
                    .unwrap();
                assert_eq!(inside[0], k as u32);
                let other = (shard + 1) % g.n_shards();
                g.locate_in_shard(other, &[lat], &[lon], &mut inside)
                    .unwrap();
                assert_eq!(inside[0], NOT_IN_SHARD);
            }
        }
        assert_eq!(
            g.chunk_position(g.n_shards() - 1).unwrap(),
            Some(vec![2, 2])
        );
        assert!(g.check_shard(g.n_shards()).is_err());
        let mut out = [None; 2];
        let e = g
            .locate(&[-80.0, f64::NAN], &[0.0, 1.0], &mut out)
            .unwrap_err();
        assert!(matches!(e, GridError::Point { index: 1, .. }), "{e}");
        // Outside the grid: no cell; the north pole from a south grid too.
        g.locate(&[-60.0, 90.0], &[0.0, 0.0], &mut out).unwrap();
        assert_eq!(out, [None, None]);
    }
}
