//! Pictures of magg's grids and runs, for people: maps a glaciologist can
//! read, the shard map, and a run report.
//!
//! One job: turn cells and run records into images and pages. The parts:
//!
//! - [`PolarStereo`]: EPSG:3031 / EPSG:3413 polar stereographic on WGS84
//!   (Snyder 1987), forward, inverse and scale factor; re-exported from
//!   `magg-grid`, where it is checked against pyproj.
//! - [`cell_ring`]: a HEALPix cell's true boundary (edges followed, not just
//!   corners, for coarse cells), geodetic.
//! - [`Raster`]: cells filled by their projected boundary into pixels
//!   (sub-pixel cells get a minimum footprint; shared pixels show the mean).
//! - [`render_map`]: a whole map from a [`MapField`] — HEALPix cells
//!   ([`CellField`]) or a rectilinear grid's ([`GridField`]) — and [`MapOptions`]:
//!   ocean, the region ([`Outline`]) grey where there is no data (empty
//!   cells and the pole hole), the cells coloured by a [`Colormap`]
//!   (viridis, cividis, diverging), graticule with labels, scale bar, colour
//!   bar with units and out-of-range arrows, title. [`Canvas::write_png`]
//!   saves it (text in the bundled Go font; pure Rust, no system fonts).
//! - [`read_field`]: a store variable at an order, from every completed
//!   shard, with the attributes that title the map ([`StoreField`]);
//!   [`read_grid_field_at`]: the same of a rectilinear store (its tiles).
//! - [`shard_field`] / [`shard_map_options`]: a shard map coloured by
//!   granule count.
//! - [`report`]: a results JSON as a self-contained HTML page with inline
//!   SVG charts.
//!
//! ```no_run
//! # async fn demo() -> Result<(), magg_viz::VizError> {
//! use magg_viz::*;
//! let store = magg_store::OutputStore::open("magg-demo/atl06.zarr").await?;
//! let f = read_field(&store, "h_mean", None).await?;
//! let opts = MapOptions {
//!     title: f.title(),
//!     subtitle: f.subtitle(),
//!     label: f.label(Some("m")),
//!     outline: Some(Outline::load("antarctica")?),
//!     ..MapOptions::default()
//! };
//! render_map(&f.field, &opts)?.canvas.write_png("map.png".as_ref())?;
//! # Ok(()) }
//! ```

// Geometry code: x, y, a, b, t are the formulas' own names.
#![allow(clippy::many_single_char_names)]
#![cfg_attr(test, allow(clippy::float_cmp))]

mod canvas;
mod cell;
mod cmap;
#[rustfmt::skip]
mod cmap_tables;
mod error;
mod graticule;
mod grid_field;
mod legend;
mod load;
mod map;
mod outline;
mod raster;
pub mod report;
mod shards;
mod text;
mod view;

// The projection lives in magg-grid (projected grids use it too).
use magg_grid::proj;

pub use canvas::{BLACK, Canvas, Rect, Rgba, WHITE, scan_polygon};
pub use cell::{cell_ring, segments_per_side};
pub use cmap::{ColorScale, Colormap};
pub use error::VizError;
pub use graticule::degree_label;
pub use grid_field::{GridField, MapField};
pub use legend::{format_tick, nice_ticks};
pub use load::{
    StoreField, cell_size_km, format_km, group_thousands, read_field, read_field_at,
    read_grid_field_at,
};
pub use map::{CellField, Extent, MapOptions, NO_DATA, OCEAN, RenderedMap, render_map};
pub use outline::Outline;
pub use proj::{Hemisphere, PolarStereo};
pub use raster::{Raster, project_cell};
pub use shards::{SHARD_EDGE, shard_field, shard_map_options};
pub use text::{Anchor, VAlign, has_glyphs, text_width};
pub use view::{BoxM, LatLonBox, View};
