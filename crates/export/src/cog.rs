//! Cloud-Optimized GeoTIFF of one band, written with the pure-Rust
//! `geotiff-writer` crate (the GDAL COG layout: header, GDAL's structural
//! metadata "ghost" block, every IFD before the data, overview tiles
//! smallest first, then the full-resolution tiles; checked by
//! `rio cogeo validate` in the tests).

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use geotiff_writer::{CogBuilder, Compression, GeoTiffBuilder, Predictor, Resampling};
use ndarray::ArrayView2;

use crate::error::ExportError;
use crate::raster::{GeoRef, Raster};

/// A band element type a COG is written in: `f32`, `f64` (deflate with
/// the floating-point predictor), `i32`, `u32`, `i64`, `u64` (deflate with
/// the horizontal predictor).
pub trait Band: geotiff_writer::NumericSample + Copy + sealed::Sealed {
    /// The nodata value as GDAL's `GDAL_NODATA` tag text.
    fn nodata_text(self) -> String;
    /// The TIFF predictor that suits the type.
    fn predictor() -> Predictor;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for i32 {}
    impl Sealed for u32 {}
    impl Sealed for i64 {}
    impl Sealed for u64 {}
}

macro_rules! float_band {
    ($t:ty) => {
        impl Band for $t {
            fn nodata_text(self) -> String {
                if self.is_nan() {
                    "nan".into()
                } else {
                    format!("{self:?}")
                }
            }
            fn predictor() -> Predictor {
                Predictor::FloatingPoint
            }
        }
    };
}
float_band!(f32);
float_band!(f64);

macro_rules! int_band {
    ($t:ty) => {
        impl Band for $t {
            fn nodata_text(self) -> String {
                self.to_string()
            }
            fn predictor() -> Predictor {
                Predictor::Horizontal
            }
        }
    };
}
int_band!(i32);
int_band!(u32);
int_band!(i64);
int_band!(u64);

/// How to write the COG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CogOptions {
    /// Tile edge, pixels (a multiple of 16; GDAL's COG default is 512, 256
    /// suits rasters of a few thousand pixels).
    pub tile_size: u32,
    /// Deflate with the type's predictor (floating-point or horizontal;
    /// else uncompressed).
    pub deflate: bool,
    /// Internal overviews (2×, 4×, … until one tile holds the raster),
    /// by nearest neighbour, so no value is invented and nodata stays
    /// nodata.
    pub overviews: bool,
}

impl Default for CogOptions {
    fn default() -> CogOptions {
        CogOptions {
            tile_size: 256,
            deflate: true,
            overviews: true,
        }
    }
}

/// The overview decimation levels for a `width × height` raster with
/// `tile`-pixel tiles: 2, 4, 8, … up to the first level whose overview fits
/// one tile (none when the raster already does), as GDAL's COG driver
/// chooses them.
pub fn overview_levels(width: usize, height: usize, tile: u32) -> Vec<u32> {
    let big = width.max(height);
    let tile = tile as usize;
    let mut levels = Vec::new();
    let mut level = 2usize;
    while big.div_ceil(level / 2) > tile {
        levels.push(level as u32);
        level *= 2;
    }
    levels
}

/// Writes `raster` as a Cloud-Optimized GeoTIFF at `path`: one band of `T`,
/// the CRS by its EPSG code (GeoKeys `ProjectedCSTypeGeoKey`), the
/// geotransform as pixel scale + tie point (`PixelIsArea`), `nodata` as
/// GDAL's nodata tag.
pub fn write_cog<T: Band>(
    path: &Path,
    raster: &Raster<T>,
    georef: &GeoRef,
    nodata: Option<T>,
    options: &CogOptions,
) -> Result<(), ExportError> {
    georef.check()?;
    let tile = options.tile_size;
    if tile == 0 || !tile.is_multiple_of(16) {
        return Err(ExportError::Input(format!(
            "tile size {tile} must be a positive multiple of 16"
        )));
    }
    let dim = |n: usize, what: &str| {
        u32::try_from(n).map_err(|_| ExportError::Input(format!("{n} {what} is too many")))
    };
    let (w, h) = (
        dim(raster.width(), "columns")?,
        dim(raster.height(), "rows")?,
    );
    let [x0, rx, _, y0, _, ry] = georef.geo_transform;
    let mut gt = GeoTiffBuilder::new(w, h)
        .tile_size(tile, tile)
        .epsg(georef.crs.epsg())
        .pixel_scale(rx, -ry)
        .origin(x0, y0);
    if options.deflate {
        gt = gt
            .compression(Compression::Deflate)
            .predictor(T::predictor());
    }
    if let Some(v) = nodata {
        gt = gt.nodata(&v.nodata_text());
    }
    let levels = if options.overviews {
        overview_levels(raster.width(), raster.height(), tile)
    } else {
        Vec::new()
    };
    let cog = CogBuilder::new(gt)
        .overview_levels(levels)
        .resampling(Resampling::NearestNeighbor);
    let view = ArrayView2::from_shape((raster.height(), raster.width()), raster.data())
        .map_err(|e| ExportError::Input(e.to_string()))?;
    let failed = |reason: String| ExportError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::create(path).map_err(|e| failed(e.to_string()))?;
    cog.write_2d_to(BufWriter::new(file), view)
        .map_err(|e| failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_levels_stop_at_one_tile() {
        assert_eq!(overview_levels(256, 100, 256), Vec::<u32>::new());
        assert_eq!(overview_levels(257, 100, 256), vec![2]);
        assert_eq!(overview_levels(900, 700, 256), vec![2, 4]);
        assert_eq!(overview_levels(1280, 1280, 256), vec![2, 4, 8]);
    }

    #[test]
    fn nodata_text_round_trips() {
        assert_eq!(f32::NAN.nodata_text(), "nan");
        assert_eq!((-9999.0f64).nodata_text(), "-9999.0");
        assert_eq!(
            f32::MAX.nodata_text().parse::<f32>().unwrap().to_bits(),
            f32::MAX.to_bits()
        );
    }
}
