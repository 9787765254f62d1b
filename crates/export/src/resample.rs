//! A HEALPix field resampled onto a polar stereographic grid, for GIS
//! export of a HEALPix store.
//!
//! **The rule:** each output pixel takes the value of the HEALPix cell (at
//! the field's order) that holds the pixel's centre: the centre is taken
//! to geodetic `(lat, lon)` by the grid's inverse projection and hashed by
//! `magg_morton::geo_to_nested` (mortie's cell, bit for bit). A pixel
//! whose cell is not in the field (no data) gets `nodata`. Nothing is
//! averaged or interpolated: every output value is a value of the field.
//! Pick the output resolution near the cell size (order 12 ≈ 1.5 km):
//! finer pixels repeat cells, coarser ones sample one cell per pixel.

use magg_grid::RectilinearGrid;
use magg_morton as morton;

use crate::error::ExportError;
use crate::raster::Raster;

/// Values of HEALPix cells at one order, by nested id (any order of
/// entries; each cell at most once). `T` is the values' type (`f64` by
/// default; any `Copy` type: an integer variable keeps its integers).
#[derive(Debug, Clone, Copy)]
pub struct HealpixField<'a, T = f64> {
    /// The cells' order.
    pub order: u8,
    /// Nested ids.
    pub cells: &'a [u64],
    /// One value per cell.
    pub values: &'a [T],
}

/// In [`pixel_cells`]' raster: the pixel's centre is in no cell of the field.
pub const NO_CELL: u32 = u32::MAX;

/// The field on `grid`'s full raster (`height × width`, row 0 at the
/// top), by the rule in the module docs.
pub fn resample_healpix<T: Copy>(
    field: &HealpixField<'_, T>,
    grid: &RectilinearGrid,
    nodata: T,
) -> Result<Raster<T>, ExportError> {
    if field.cells.len() != field.values.len() {
        return Err(ExportError::Input(format!(
            "{} cells but {} values",
            field.cells.len(),
            field.values.len()
        )));
    }
    let at = pixel_cells(field.order, field.cells, grid)?;
    Ok(at.map(|k| {
        if k == NO_CELL {
            nodata
        } else {
            field.values[k as usize]
        }
    }))
}

/// For each pixel of `grid`'s full raster, the position in `cells` (nested
/// ids at `order`, each at most once, fewer than [`NO_CELL`]) of the cell
/// holding the pixel's centre, or [`NO_CELL`]: the rule of the module docs,
/// as indexes, so a caller can count the cells that got a pixel.
pub fn pixel_cells(
    order: u8,
    cells: &[u64],
    grid: &RectilinearGrid,
) -> Result<Raster<u32>, ExportError> {
    let bad = |m: String| Err(ExportError::Input(m));
    if order > morton::MAX_ORDER {
        return bad(format!("order {order} is above 29"));
    }
    let Ok(n) = u32::try_from(cells.len()) else {
        return bad(format!("{} cells: too many", cells.len()));
    };
    if n == NO_CELL {
        return bad(format!("{n} cells: too many"));
    }
    let mut table: Vec<(u64, u32)> = cells.iter().copied().zip(0..n).collect();
    table.sort_unstable_by_key(|e| e.0);
    let n_cells = morton::n_cells(order);
    if let Some(&(c, _)) = table.iter().find(|e| e.0 >= n_cells) {
        return bad(format!("cell {c} is not a nested id at order {order}"));
    }
    if let Some(w) = table.windows(2).find(|w| w[0].0 == w[1].0) {
        return bad(format!("cell {} is given twice", w[0].0));
    }
    let (width, height) = (grid.width() as usize, grid.height() as usize);
    let proj = grid.projection();
    let mut data = Vec::with_capacity(width * height);
    let (mut lats, mut lons, mut ids) = (vec![0.0; width], vec![0.0; width], vec![0u64; width]);
    for row in 0..height as u64 {
        for (col, (lat, lon)) in lats.iter_mut().zip(lons.iter_mut()).enumerate() {
            let (x, y) = grid.cell_center(row, col as u64);
            (*lat, *lon) = proj.inverse(x, y);
        }
        morton::geo_to_nested_batch(&lats, &lons, order, &mut ids)
            .map_err(|e| ExportError::Input(format!("row {row}: {e}")))?;
        data.extend(ids.iter().map(|id| {
            table
                .binary_search_by_key(id, |e| e.0)
                .map_or(NO_CELL, |k| table[k].1)
        }));
    }
    Raster::new(width, height, data)
}
