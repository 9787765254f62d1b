//! What a map draws ([`MapField`]), and its second implementation beside
//! HEALPix cells ([`CellField`](crate::CellField)): the cells of a
//! rectilinear projected grid ([`GridField`], a rectilinear store's
//! `(y, x)` array). A grid cell is a square in its projection, drawn by its
//! four corners; on a map in the same projection (EPSG:3031 / 3413 are the
//! maps' own) that is the cell exactly, a pixel per cell or, where cells
//! are smaller than pixels, a pixel holding the mean of the cells in it.

use magg_grid::{RectilinearGrid, RectilinearSpec};

use crate::error::VizError;
use crate::proj::Hemisphere;
use crate::view::View;

/// The cells a map draws, with a value each (non-finite: no data).
pub trait MapField {
    /// One value per cell.
    fn values(&self) -> &[f64];
    /// The geodetic centre `(lat, lon)` of cell `i` (framing, hemisphere).
    fn centre(&self, i: usize) -> Result<(f64, f64), VizError>;
    /// Cell `i`'s outline in pixels of `view`, or `None` where the view's
    /// projection cannot show it (the other hemisphere).
    fn ring_px(&self, view: &View, i: usize) -> Result<Option<Vec<(f64, f64)>>, VizError>;
    /// The hemisphere the cells belong to, when the field fixes it.
    fn hemisphere(&self) -> Option<Hemisphere> {
        None
    }
    /// The cells' size for a title: `order 12 cells (~1.6 km)`.
    fn cell_note(&self) -> String;
    /// Checks the field is well formed (as many values as cells).
    fn check(&self) -> Result<(), VizError> {
        Ok(())
    }
}

/// Cells of a rectilinear grid: `(row, col)` and a value each.
#[derive(Debug, Clone)]
pub struct GridField {
    grid: RectilinearGrid,
    /// `(row, col)` of each cell.
    pub cells: Vec<(u64, u64)>,
    /// One value per cell.
    pub values: Vec<f64>,
}

impl GridField {
    /// An empty field on the grid `spec`.
    pub fn new(spec: &RectilinearSpec) -> Result<GridField, VizError> {
        Ok(GridField {
            grid: RectilinearGrid::new(spec).map_err(|e| VizError::Invalid(e.to_string()))?,
            cells: Vec::new(),
            values: Vec::new(),
        })
    }

    /// The grid.
    pub fn grid(&self) -> &RectilinearGrid {
        &self.grid
    }

    /// The projected corners of cell `i`, counter-clockwise from bottom
    /// left.
    fn corners(&self, i: usize) -> [(f64, f64); 4] {
        let (row, col) = self.cells[i];
        let (x, y) = self.grid.cell_center(row, col);
        let (hx, hy) = {
            let (rx, ry) = self.grid.resolution();
            (rx / 2.0, ry / 2.0)
        };
        [
            (x - hx, y - hy),
            (x + hx, y - hy),
            (x + hx, y + hy),
            (x - hx, y + hy),
        ]
    }
}

impl MapField for GridField {
    fn values(&self) -> &[f64] {
        &self.values
    }

    fn centre(&self, i: usize) -> Result<(f64, f64), VizError> {
        let (row, col) = self.cells[i];
        let (x, y) = self.grid.cell_center(row, col);
        Ok(self.grid.projection().inverse(x, y))
    }

    fn ring_px(&self, view: &View, i: usize) -> Result<Option<Vec<(f64, f64)>>, VizError> {
        let own = self.grid.projection();
        let corners = self.corners(i);
        if view.proj == own {
            return Ok(Some(
                corners.iter().map(|&(x, y)| view.to_px(x, y)).collect(),
            ));
        }
        // Another projection: through geodetic coordinates (edges then
        // only approximately straight).
        let sign = view.proj.hemisphere().sign();
        let geo: Vec<(f64, f64)> = corners.iter().map(|&(x, y)| own.inverse(x, y)).collect();
        if geo.iter().any(|p| p.0 * sign < 0.0) {
            return Ok(None);
        }
        Ok(Some(
            geo.iter()
                .map(|&(lat, lon)| view.geo_to_px(lat, lon))
                .collect(),
        ))
    }

    fn hemisphere(&self) -> Option<Hemisphere> {
        Some(self.grid.projection().hemisphere())
    }

    fn cell_note(&self) -> String {
        let (rx, _) = self.grid.resolution();
        let size = if rx >= 1000.0 {
            format!("{} km", rx / 1000.0)
        } else {
            format!("{rx} m")
        };
        format!("{size} {} cells", self.grid.spec().crs)
    }

    fn check(&self) -> Result<(), VizError> {
        if self.cells.len() != self.values.len() {
            return Err(VizError::Invalid(format!(
                "{} cells but {} values",
                self.cells.len(),
                self.values.len()
            )));
        }
        let (h, w) = (self.grid.height(), self.grid.width());
        if let Some(&(r, c)) = self.cells.iter().find(|&&(r, c)| r >= h || c >= w) {
            return Err(VizError::Invalid(format!(
                "cell ({r}, {c}) outside the {h} × {w} grid"
            )));
        }
        Ok(())
    }
}
