//! Exact coverage of regions and footprints by HEALPix cells, on the sphere.
//!
//! One job: given a region (polygons with holes, any size: non-convex,
//! around a pole, across the antimeridian) or a granule footprint, return
//! every cell of an order whose area meets it, as a [`Moc`] (multi-order
//! coverage) so unions and intersections are cheap.
//!
//! - [`Ring`]: one closed ring of great-circle edges. Vertices are geodetic
//!   (lat, lon) degrees; they are converted to the authalic frame, where
//!   cells are hashed (see `magg-morton`). Which side is inside is never a
//!   guess: [`Interior`] says the smaller side (default, mortie's
//!   `normalize=True`), the left of the directed edges, or the side holding
//!   a control point, and the ring works out from exact signed spherical
//!   areas whether that side holds the south pole. [`Ring::vertices`]
//!   gives the cleaned vertices back in geodetic (lat, lon) degrees.
//! - [`Polygon`] (outer ring + holes) and [`Region`] (a union of polygons,
//!   [`Region::from_geojson`] for GeoJSON Polygon/MultiPolygon): the cover
//!   is cdshealpix's exact polygon coverage of each outer ring, minus the
//!   cells lying wholly inside a hole. A cell that only touches the region
//!   at one point is in the cover (mortie's and mocpy's tie rule).
//! - [`Footprint`]: CMR-style GPolygons, lines, bounding rectangles or
//!   points, covered with an explicit buffer in km
//!   ([`Footprint::cover`]); the buffered cover is a superset of the
//!   cells within the buffer, never a subset. [`Footprint::bounding_box`]
//!   gives its lat/lon box, counting edge bulges and poles.
//! - [`Moc`]: sorted order-29 ranges; [`Moc::cells`]/[`Moc::words`] list
//!   the touched cells at an order (nested ids or mortie words),
//!   [`Moc::to_words`] the compact mixed-order form.
//!
//! ```
//! use magg_coverage::{Interior, Polygon, Region, Ring};
//! // A ring at 80°S: the smaller side is the polar cap.
//! let pts: Vec<(f64, f64)> = (0..36).map(|i| (-80.0, f64::from(i) * 10.0)).collect();
//! let cap = Region::new("cap", vec![Polygon::new(Ring::new("cap", &pts, Interior::Smaller)?)]);
//! let cells = cap.cover(6)?.words(6)?;
//! assert_eq!(cells.len(), 420); // mortie.morton_coverage gives the same 420 words
//! # Ok::<(), magg_coverage::Error>(())
//! ```

mod bbox;
mod error;
mod footprint;
mod geojson;
mod moc;
mod region;
mod ring;
mod sphere;

pub use error::Error;
pub use footprint::{BUFFER_KM_PER_RADIAN, Footprint, LatLonBox};
pub use moc::Moc;
pub use region::{AUTHALIC_RADIUS_KM, Polygon, Region};
pub use ring::{Interior, Ring};
