//! Granule footprints and their cover, with an explicit buffer.
//!
//! A footprint is what a catalog knows of where a granule's data lie: CMR
//! `GPolygons` (great-circle edges, possibly with holes), `Lines`,
//! `BoundingRectangles` (edges along parallels and meridians) or `Points`.
//! Catalog footprints are simplified, so [`Footprint::cover`] takes a
//! buffer: the cover includes every cell within `buffer_km` of the
//! footprint, built as the exact cover of the footprint united with, for
//! every edge, a quadrilateral whose sides are offset by the buffer (its
//! great-circle sides bow outward, so it contains the whole band), and a
//! disc of the buffer's radius at every vertex. The result is a superset
//! of the exact buffered set, never a subset.

use cdshealpix::nested::{cone_coverage_approx, hash, zone_coverage};
use magg_morton as morton;

use crate::error::Error;
use crate::moc::Moc;
use crate::region::{Polygon, ring_bmoc};
use crate::ring::{Interior, Ring};
use crate::sphere::{self, Vec3};

/// Kilometres per radian used to turn a buffer into an angle on the
/// authalic sphere: 6330 km, below WGS84's smallest radius of curvature
/// (b²/a = 6335.4 km) and the authalic mapping's scale (within 0.3 % of 1),
/// so the angular buffer is never smaller than the distance asked.
pub const BUFFER_KM_PER_RADIAN: f64 = 6330.0;

/// Lines and points get at least this half-width (radians, ~0.6 m) so a
/// zero buffer still yields the cells they pass through.
const MIN_HALF_WIDTH_RAD: f64 = 1e-7;

/// A latitude/longitude box, degrees; `west > east` crosses 180°.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLonBox {
    /// Western longitude.
    pub west: f64,
    /// Southern (geodetic) latitude.
    pub south: f64,
    /// Eastern longitude.
    pub east: f64,
    /// Northern (geodetic) latitude.
    pub north: f64,
}

/// Where a granule's data lie, as a catalog describes it.
#[derive(Debug, Clone)]
pub enum Footprint {
    /// Polygons (CMR GPolygons), each interior the smaller side.
    Polygons(Vec<Polygon>),
    /// Polylines of geodetic `(lat, lon)` points, great-circle segments.
    Lines(Vec<Vec<(f64, f64)>>),
    /// Boxes bounded by parallels and meridians.
    Rectangles(Vec<LatLonBox>),
    /// Single geodetic `(lat, lon)` points.
    Points(Vec<(f64, f64)>),
}

impl Footprint {
    /// A single polygon footprint from geodetic `(lat, lon)` vertices
    /// (either winding; the smaller side is the interior).
    pub fn polygon(name: &str, lat_lon: &[(f64, f64)]) -> Result<Footprint, Error> {
        let ring = Ring::new(name, lat_lon, Interior::Smaller)?;
        Ok(Footprint::Polygons(vec![Polygon::new(ring)]))
    }

    /// Cells of `order` within `buffer_km` of the footprint (a superset,
    /// see the module docs).
    pub fn cover(&self, order: u8, buffer_km: f64) -> Result<Moc, Error> {
        if order > morton::MAX_ORDER {
            return Err(Error::Order(order));
        }
        if !buffer_km.is_finite() || buffer_km < 0.0 {
            return Err(Error::Buffer(buffer_km));
        }
        let r = buffer_km / BUFFER_KM_PER_RADIAN;
        let mut moc = Moc::new();
        match self {
            Footprint::Polygons(polys) => {
                for p in polys {
                    moc = moc.union(&p.cover(order)?);
                    if r > 0.0 {
                        for ring in std::iter::once(&p.outer).chain(&p.holes) {
                            moc = moc.union(&band(&ring.vertices, true, order, r)?);
                        }
                    }
                }
            }
            Footprint::Lines(lines) => {
                for (i, line) in lines.iter().enumerate() {
                    let v = line_vertices(i, line)?;
                    moc = moc.union(&band(&v, false, order, r.max(MIN_HALF_WIDTH_RAD))?);
                }
            }
            Footprint::Rectangles(boxes) => {
                for b in boxes {
                    moc = moc.union(&rectangle(b, order, buffer_km)?);
                }
            }
            Footprint::Points(points) => {
                let v = line_vertices(0, points)?;
                for p in v {
                    moc = moc.union(&disc(p, order, r)?);
                }
            }
        }
        Ok(moc)
    }
}

fn line_vertices(i: usize, line: &[(f64, f64)]) -> Result<Vec<Vec3>, Error> {
    if line.is_empty() {
        return Err(Error::Line(format!("{i} has no points")));
    }
    line.iter()
        .map(|&(lat, lon)| {
            if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 {
                Ok(sphere::unit(morton::geodetic_to_authalic(lat), lon))
            } else {
                Err(Error::Line(format!("{i} has a bad point ({lat}, {lon})")))
            }
        })
        .collect()
}

/// Cells within `r` radians of the polyline `v` (closed if `closed`).
fn band(pts: &[Vec3], closed: bool, order: u8, radius: f64) -> Result<Moc, Error> {
    let mut moc = Moc::new();
    for &p in pts {
        moc = moc.union(&disc(p, order, radius)?);
    }
    let len = pts.len();
    let edges = if closed { len } else { len.saturating_sub(1) };
    for i in 0..edges {
        let (a, b) = (pts[i], pts[(i + 1) % len]);
        let axis = sphere::cross(a, b);
        if sphere::norm(axis) < 1e-12 {
            continue; // a zero-length edge: the discs cover it
        }
        let nrm = sphere::normalized(axis);
        let (sin_r, cos_r) = radius.sin_cos();
        let off = |p: Vec3, sign: f64| {
            sphere::add(sphere::scale(p, cos_r), sphere::scale(nrm, sign * sin_r))
        };
        let quad = [off(a, 1.0), off(b, 1.0), off(b, -1.0), off(a, -1.0)];
        let ring = Ring::from_kernel(quad.to_vec(), Interior::Smaller);
        moc = moc.union(&Moc::from_bmoc(&ring_bmoc(&ring, order)?));
    }
    Ok(moc)
}

/// Cells within `r` radians of the point `p` (at least its own cell).
fn disc(p: Vec3, order: u8, r: f64) -> Result<Moc, Error> {
    let (lon, lat) = sphere::lonlat_rad(p);
    let own = Moc::from_cells(order, [hash(order, lon, lat)])?;
    if r <= 0.0 {
        return Ok(own);
    }
    Ok(own.union(&Moc::from_bmoc(&cone_coverage_approx(order, lon, lat, r))))
}

/// Cells meeting a lat/lon box widened by `buffer_km` on every side.
fn rectangle(b: &LatLonBox, order: u8, buffer_km: f64) -> Result<Moc, Error> {
    let ok = [b.west, b.east, b.south, b.north]
        .iter()
        .all(|x| x.is_finite())
        && -90.0 <= b.south
        && b.south <= b.north
        && b.north <= 90.0;
    if !ok {
        return Err(Error::Rectangle(format!("{b:?}")));
    }
    let r_deg = (buffer_km / BUFFER_KM_PER_RADIAN).to_degrees();
    let south = morton::geodetic_to_authalic((b.south - r_deg).max(-90.0));
    let north = morton::geodetic_to_authalic((b.north + r_deg).min(90.0));
    let span = b.east - b.west;
    let mut width = span.rem_euclid(360.0);
    if width < 1e-12 && span.abs() >= 360.0 - 1e-12 {
        width = 360.0; // e.g. -180..180
    }
    // Widen in longitude by the buffer at the box's most poleward edge.
    let far = south.abs().max(north.abs()).min(89.999_999);
    let dlon = r_deg / far.to_radians().cos();
    let full = width + 2.0 * dlon >= 360.0 || north >= 89.999_999 || south <= -89.999_999;
    let tau = std::f64::consts::TAU;
    let (lon_min, lon_max) = if full {
        (0.0, tau)
    } else {
        let w = (b.west - dlon).to_radians().rem_euclid(tau);
        let mut e = (b.west + width + dlon).to_radians().rem_euclid(tau);
        if e == 0.0 {
            e = tau;
        }
        (w, e)
    };
    // Zones need lat_min < lat_max and lat_min < π/2.
    let lat_min = south.to_radians().min(std::f64::consts::FRAC_PI_2 - 1e-12);
    let lat_max = north.to_radians().max(lat_min + 1e-12);
    Ok(Moc::from_bmoc(&zone_coverage(
        order, lon_min, lat_min, lon_max, lat_max,
    )))
}
