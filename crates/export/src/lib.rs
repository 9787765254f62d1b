//! GIS export: what a glaciologist opens in QGIS or rasterio.
//!
//! - [`write_cog`]: one 2-D band ([`Raster`] of `f32`, `f64`, `i32`,
//!   `u32`, `i64` or `u64`) as a
//!   Cloud-Optimized GeoTIFF with its CRS (EPSG code), geotransform and
//!   nodata ([`GeoRef`], [`CogOptions`]: 256-pixel tiles, deflate with
//!   the floating-point predictor, nearest-neighbour internal overviews).
//!   The file layout is the `geotiff-writer` crate's (pure Rust);
//!   `tests/cog_rasterio.rs` checks it with rasterio (GDAL) and
//!   `rio cogeo validate`.
//! - [`resample_healpix`]: a HEALPix field at one order onto a polar
//!   stereographic grid's raster, each pixel the value of the cell holding
//!   its centre — how a HEALPix store is exported.
//! - [`export_geotiff`]: `magg export --format geotiff`: one variable of a
//!   HEALPix store at one order ([`read_cells`]) on a polar stereographic
//!   raster with defaults for CRS, resolution and bounds
//!   ([`ExportOptions`], [`ExportSummary`]; the rules in the module docs of
//!   `store_tiff`); a rectilinear store's variable is written as it is, on
//!   the store's own grid (`rect_tiff`).
//!
//! ```no_run
//! use magg_export::{CogOptions, GeoRef, HealpixField, resample_healpix, write_cog};
//! use magg_grid::{Crs, RectilinearGrid, RectilinearSpec, Resolution};
//! let grid = RectilinearGrid::new(&RectilinearSpec {
//!     crs: Crs::Epsg3031,
//!     resolution: Resolution::Square(2000.0),
//!     bounds: [-3.2e6, -3.2e6, 3.2e6, 3.2e6],
//!     chunk_shape: [256, 256],
//! })?;
//! let (cells, values) = (vec![0u64; 0], vec![0.0; 0]); // from a store
//! let field = HealpixField { order: 12, cells: &cells, values: &values };
//! let raster = resample_healpix(&field, &grid, f64::NAN)?.map(|v| v as f32);
//! write_cog("h_mean.tif".as_ref(), &raster, &GeoRef::of(&grid), Some(f32::NAN), &CogOptions::default())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cells;
mod cog;
mod error;
mod raster;
mod rect_tiff;
mod resample;
mod store_tiff;

pub use cells::{Sample, StoreCells, read_cells};
pub use cog::{Band, CogOptions, overview_levels, write_cog};
pub use error::ExportError;
pub use raster::{GeoRef, Raster};
pub use resample::{HealpixField, NO_CELL, pixel_cells, resample_healpix};
pub use store_tiff::{
    ExportOptions, ExportSummary, MAX_PIXELS, cell_edge_m, crs_of_shards, data_bounds,
    default_resolution, export_geotiff, raster_size,
};
