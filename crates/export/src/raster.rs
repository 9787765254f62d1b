//! A 2-D raster of one band, north-up, and where it sits on the Earth.

use magg_grid::{Crs, RectilinearGrid};

use crate::error::ExportError;

/// One band of `height` rows × `width` columns, row-major, row 0 at the
/// top (north-up, as GeoTIFF and the rectilinear grids store it).
#[derive(Debug, Clone, PartialEq)]
pub struct Raster<T> {
    width: usize,
    height: usize,
    data: Vec<T>,
}

impl<T: Copy> Raster<T> {
    /// A raster from row-major `data` (`width · height` values).
    pub fn new(width: usize, height: usize, data: Vec<T>) -> Result<Raster<T>, ExportError> {
        if width == 0 || height == 0 || width.checked_mul(height) != Some(data.len()) {
            return Err(ExportError::Input(format!(
                "raster of {width} × {height} with {} values",
                data.len()
            )));
        }
        Ok(Raster {
            width,
            height,
            data,
        })
    }

    /// A raster of `width × height` copies of `v`.
    pub fn filled(width: usize, height: usize, v: T) -> Result<Raster<T>, ExportError> {
        Raster::new(width, height, vec![v; width.saturating_mul(height)])
    }

    /// Columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The values, row-major.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The value at `(row, col)`.
    pub fn get(&self, row: usize, col: usize) -> T {
        self.data[row * self.width + col]
    }

    /// The same raster with every value mapped by `f`.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Raster<U> {
        Raster {
            width: self.width,
            height: self.height,
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }
}

/// Where a raster sits: its projected CRS (EPSG code) and GDAL's
/// geotransform `[x_left, res_x, 0, y_top, 0, −res_y]` (north-up, no
/// rotation): pixel `(col, row)`'s top-left corner is
/// `(x_left + col·res_x, y_top − row·res_y)`; pixels are areas
/// (`PixelIsArea`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoRef {
    /// The CRS.
    pub crs: Crs,
    /// The geotransform.
    pub geo_transform: [f64; 6],
}

impl GeoRef {
    /// The georeference of a rectilinear grid's full raster.
    pub fn of(grid: &RectilinearGrid) -> GeoRef {
        GeoRef {
            crs: grid.crs(),
            geo_transform: grid.geo_transform(),
        }
    }

    /// Checks it is north-up, unrotated, with finite positive pixel sizes.
    pub(crate) fn check(&self) -> Result<(), ExportError> {
        let [x0, rx, b, y0, d, ry] = self.geo_transform;
        let finite = self.geo_transform.iter().all(|v| v.is_finite());
        if !finite || rx <= 0.0 || ry >= 0.0 || b != 0.0 || d != 0.0 {
            return Err(ExportError::Input(format!(
                "geotransform {:?} is not north-up [x_left, res_x > 0, 0, y_top, 0, -res_y < 0] \
                 (origin {x0}, {y0})",
                self.geo_transform
            )));
        }
        Ok(())
    }
}
