//! A tile's geometry on the sphere.
//!
//! A tile is a rectangle in the projection: its edges are straight lines
//! there, not great circles, while the catalog's polygons
//! (`magg-coverage`) have great-circle edges (in the authalic frame, where
//! cells are hashed). [`TileGeometry`] gives a ring of great-circle edges
//! that provably holds the tile:
//!
//! 1. The tile's rectangle is grown by a buffer `b` (projected metres) on
//!    every side; each side of the grown rectangle is cut into `n` equal
//!    segments, and their ends, mapped to geodetic `(lat, lon)` by the
//!    inverse projection, are the ring's vertices.
//! 2. Between two vertices the ring follows the great circle (authalic
//!    frame). Its image in the projection bows away from the straight
//!    segment by the *sagitta*; it is measured on every segment at 15
//!    interior points (the distance of the projected arc point to the
//!    segment's line, and that its foot stays on the segment), and `n`
//!    doubles until `1.5 × the largest sagitta` is at most `b`.
//! 3. Why the ring then holds the tile: each arc stays within the sagitta
//!    `s < b` of its straight segment, which lies at distance `b` from the
//!    tile; moving every arc point straight to its foot on the segment is a
//!    deformation of the ring onto the grown rectangle's boundary that
//!    never touches the tile, so the ring winds around every tile point
//!    exactly as the rectangle does: once. The projection maps the
//!    hemisphere one-to-one onto the plane, so on the sphere the tile lies
//!    on the side of the ring that holds the tile's centre
//!    ([`Interior::Containing`]).
//!
//! The factor 1.5 covers the sagitta between the 15 samples: the bow is a
//! smooth curve, nearly a parabola over a segment of ≤ 10 km (its curvature
//! changes by well under 1 % along it), whose peak is at the middle sample.
//! `tests/tile_cover.rs` checks the result by brute force against pyproj.

use magg_coverage::{Interior, Moc, Polygon, Ring};
use magg_morton::{self as morton, Hull, LonWindow};

use crate::proj::PolarStereo;
use crate::seam::ShardBound;

/// The default buffer around a tile, projected metres: far below any cell
/// a catalog intersects at (order 12 is ~1.5 km; order 20 ~6 m).
pub const DEFAULT_BUFFER_M: f64 = 1.0;

/// The longest first segment, projected metres (then halved as needed).
const MAX_SEGMENT_M: f64 = 10_000.0;

/// The most segments per side before giving up (a buffer too small for
/// double arithmetic).
const MAX_SEGMENTS_PER_SIDE: usize = 1 << 14;

/// Interior samples per segment where the sagitta is measured.
const SAGITTA_SAMPLES: usize = 15;

/// WGS84's smallest radius of curvature (the meridian's, at the equator:
/// `a (1 − e²)`), metres: an arc of length `L` changes latitude by at most
/// `L / this` radians.
const MIN_RADIUS_M: f64 = 6_335_439.0;

/// A tile's rectangle in the projection, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileRect {
    /// West edge.
    pub x0: f64,
    /// South edge (the bottom, lower y).
    pub y0: f64,
    /// East edge.
    pub x1: f64,
    /// North edge (the top, higher y).
    pub y1: f64,
}

impl TileRect {
    /// The rectangle grown by `b` on every side.
    #[must_use]
    pub fn grown(&self, b: f64) -> TileRect {
        TileRect {
            x0: self.x0 - b,
            y0: self.y0 - b,
            x1: self.x1 + b,
            y1: self.y1 + b,
        }
    }

    /// Whether it holds the projection's origin (the pole).
    pub fn holds_pole(&self) -> bool {
        self.x0 <= 0.0 && 0.0 <= self.x1 && self.y0 <= 0.0 && 0.0 <= self.y1
    }

    /// Its centre.
    pub fn center(&self) -> (f64, f64) {
        (
            f64::midpoint(self.x0, self.x1),
            f64::midpoint(self.y0, self.y1),
        )
    }

    /// Its corners counter-clockwise from the bottom-left.
    pub fn corners(&self) -> [(f64, f64); 4] {
        [
            (self.x0, self.y0),
            (self.x1, self.y0),
            (self.x1, self.y1),
            (self.x0, self.y1),
        ]
    }
}

/// A tile's geometry on the sphere: a ring of great-circle edges that
/// holds it (module docs), its cover and its search bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct TileGeometry {
    /// The tile in the projection.
    pub rect: TileRect,
    /// The ring's vertices, geodetic `(lat, lon)` degrees, counter-clockwise
    /// in the projection from the grown rectangle's bottom-left corner,
    /// `4 · per_side` of them (corners at `0, per_side, 2·per_side,
    /// 3·per_side`), no closing repeat.
    pub ring: Vec<(f64, f64)>,
    /// Segments per side.
    pub per_side: usize,
    /// The buffer `b`, projected metres.
    pub buffer_m: f64,
    /// The largest measured sagitta, projected metres (≤ `b / 1.5`).
    pub sagitta_m: f64,
    /// The tile's centre, geodetic `(lat, lon)`.
    pub center: (f64, f64),
}

impl TileGeometry {
    /// The geometry of `rect` with buffer `buffer_m` (> 0) under `proj`.
    /// Fails (with the reason) only for a buffer too small for double
    /// arithmetic to reach.
    pub fn new(proj: &PolarStereo, rect: TileRect, buffer_m: f64) -> Result<TileGeometry, String> {
        if !(buffer_m.is_finite() && buffer_m > 0.0) {
            return Err(format!("tile buffer {buffer_m} m must be finite and > 0"));
        }
        let grown = rect.grown(buffer_m);
        let longest = (grown.x1 - grown.x0).max(grown.y1 - grown.y0);
        let mut per_side = ((longest / MAX_SEGMENT_M).ceil() as usize).max(2);
        loop {
            let xy = ring_xy(&grown, per_side);
            let ring: Vec<(f64, f64)> = xy.iter().map(|&(x, y)| proj.inverse(x, y)).collect();
            let sagitta = largest_sagitta(proj, &xy, &ring);
            if 1.5 * sagitta <= buffer_m {
                let (cx, cy) = rect.center();
                return Ok(TileGeometry {
                    rect,
                    ring,
                    per_side,
                    buffer_m,
                    sagitta_m: sagitta,
                    center: proj.inverse(cx, cy),
                });
            }
            if per_side >= MAX_SEGMENTS_PER_SIDE {
                return Err(format!(
                    "a {buffer_m} m buffer is out of reach: sagitta {sagitta} m at {per_side} segments per side"
                ));
            }
            per_side *= 2;
        }
    }

    /// The ring as a `magg-coverage` ring, its interior the side holding
    /// the tile's centre.
    pub fn coverage_ring(&self) -> Result<Ring, magg_coverage::Error> {
        let (lat, lon) = self.center;
        Ring::new("tile", &self.ring, Interior::Containing { lat, lon })
    }

    /// Every HEALPix cell at `order` that meets the ring's polygon (so
    /// every cell holding a point of the tile), as a MOC.
    pub fn cover(&self, order: u8) -> Result<Moc, magg_coverage::Error> {
        Polygon::new(self.coverage_ring()?).cover(order)
    }

    /// The search bounds of the tile: the hull around the ring
    /// ([`Hull::around`]), the latitude band (the grown rectangle's
    /// latitudes lie between its boundary's, unless it holds the pole:
    /// latitude falls with distance from the pole; widened by the most
    /// latitude can change between neighbouring vertices), and the
    /// longitude window (from the grown rectangle's corners: seen from the
    /// pole, a rectangle not holding it spans the angles between its
    /// extreme corners; the whole circle when it holds it).
    pub fn bound(&self, proj: &PolarStereo) -> Result<ShardBound, morton::Error> {
        let hull = Hull::around(self.center, &self.ring)?;
        let grown = self.rect.grown(self.buffer_m);
        let seg = ((grown.x1 - grown.x0).max(grown.y1 - grown.y0)) / self.per_side as f64;
        let k_min = proj.scale_factor(90.0 * proj.hemisphere().sign());
        let slack = (seg / k_min / MIN_RADIUS_M).to_degrees() + 1e-9;
        let lo = self.ring.iter().map(|p| p.0).fold(f64::INFINITY, f64::min) - slack;
        let hi = self
            .ring
            .iter()
            .map(|p| p.0)
            .fold(f64::NEG_INFINITY, f64::max)
            + slack;
        let pole = grown.holds_pole();
        let lat_band = match (pole, proj.hemisphere().sign() > 0.0) {
            (true, true) => (lo, 90.0),
            (true, false) => (-90.0, hi),
            (false, _) => (lo.max(-90.0), hi.min(90.0)),
        };
        let lon_window = if pole {
            LonWindow::whole()
        } else {
            let lons = grown.corners().map(|(x, y)| proj.inverse(x, y).1);
            let d = lons.map(|l| wrap(l - lons[0]));
            let lo = d.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            LonWindow::new(lons[0] + f64::midpoint(lo, hi), (hi - lo) / 2.0 + 1e-7)
        };
        Ok(ShardBound {
            hull,
            lat_band,
            lon_window,
        })
    }
}

/// Longitude difference into (−180, 180].
fn wrap(d: f64) -> f64 {
    let l = d.rem_euclid(360.0);
    if l > 180.0 { l - 360.0 } else { l }
}

/// The grown rectangle's boundary, `per_side` segments per side,
/// counter-clockwise from the bottom-left corner, no closing repeat.
fn ring_xy(r: &TileRect, per_side: usize) -> Vec<(f64, f64)> {
    let corners = r.corners();
    let n = per_side as f64;
    (0..4)
        .flat_map(|side| {
            let (a, b) = (corners[side], corners[(side + 1) % 4]);
            (0..per_side).map(move |k| {
                let t = k as f64 / n;
                // Exact at the corners (t = 0); the far corner is the next
                // side's first vertex.
                (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
            })
        })
        .collect()
}

/// Unit vector of a geodetic point in the authalic frame (where
/// `magg-coverage`'s great circles live).
fn authalic_unit(lat: f64, lon: f64) -> [f64; 3] {
    let beta = morton::geodetic_to_authalic(lat).to_radians();
    let (sb, cb) = beta.sin_cos();
    let (so, co) = lon.to_radians().sin_cos();
    [cb * co, cb * so, sb]
}

/// Geodetic `(lat, lon)` of an authalic-frame vector.
fn geodetic_of(v: [f64; 3]) -> (f64, f64) {
    let beta = v[2].atan2(v[0].hypot(v[1])).to_degrees();
    (
        morton::authalic_to_geodetic(beta),
        v[1].atan2(v[0]).to_degrees(),
    )
}

/// The largest sagitta over the ring's segments, projected metres
/// (infinite when an arc's foot leaves its segment).
fn largest_sagitta(proj: &PolarStereo, xy: &[(f64, f64)], ring: &[(f64, f64)]) -> f64 {
    let n = xy.len();
    let mut worst = 0.0f64;
    for i in 0..n {
        let (p, q) = (xy[i], xy[(i + 1) % n]);
        let (a, b) = (
            authalic_unit(ring[i].0, ring[i].1),
            authalic_unit(ring[(i + 1) % n].0, ring[(i + 1) % n].1),
        );
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let len2 = dx * dx + dy * dy;
        for j in 1..=SAGITTA_SAMPLES {
            let t = j as f64 / (SAGITTA_SAMPLES + 1) as f64;
            let v = [0, 1, 2].map(|k| (1.0 - t) * a[k] + t * b[k]);
            let (lat, lon) = geodetic_of(v);
            let (x, y) = proj.forward(lat, lon);
            let (ux, uy) = (x - p.0, y - p.1);
            let along = (ux * dx + uy * dy) / len2;
            if !(0.0..=1.0).contains(&along) {
                return f64::INFINITY;
            }
            let off = (ux * dy - uy * dx).abs() / len2.sqrt();
            worst = worst.max(off);
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sagitta_shrinks_with_segments() {
        let p = PolarStereo::antarctic();
        let r = TileRect {
            x0: 1.0e6,
            y0: 1.0e6,
            x1: 2.28e6,
            y1: 2.28e6,
        };
        let xy = ring_xy(&r, 8);
        let ring: Vec<_> = xy.iter().map(|&(x, y)| p.inverse(x, y)).collect();
        let coarse = largest_sagitta(&p, &xy, &ring);
        let xy = ring_xy(&r, 16);
        let ring: Vec<_> = xy.iter().map(|&(x, y)| p.inverse(x, y)).collect();
        let fine = largest_sagitta(&p, &xy, &ring);
        // A bow is quadratic in the segment length: a quarter per halving.
        assert!(coarse > 50.0, "{coarse}");
        assert!((fine / coarse - 0.25).abs() < 0.02, "{coarse} {fine}");
    }

    #[test]
    fn geometry_meets_its_bound() {
        let p = PolarStereo::arctic();
        let r = TileRect {
            x0: -640_000.0,
            y0: -640_000.0,
            x1: 640_000.0,
            y1: 640_000.0,
        };
        let g = TileGeometry::new(&p, r, DEFAULT_BUFFER_M).unwrap();
        assert!(1.5 * g.sagitta_m <= g.buffer_m);
        assert_eq!(g.ring.len(), 4 * g.per_side);
        let b = g.bound(&p).unwrap();
        assert_eq!(b.lat_band.1, 90.0);
        assert!(b.lon_window.contains(123.0) && b.lon_window.contains(-170.0));
        assert!(TileGeometry::new(&p, r, 0.0).is_err());
    }
}
