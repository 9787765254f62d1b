//! Geodetic coordinates ⇄ cells (MORTON.md §4).
//!
//! The hash is the `healpix` crate 0.3.3 — the crate mortie's compiled core
//! links — called exactly as mortie calls it (`hash(Degrees(lon, β))` with β
//! the authalic latitude in degrees), so cells are bit-identical at every
//! order, including ties on cell edges (which follow the sign of lon: do
//! not normalise longitude before hashing).
//!
//! Where magg is stricter than mortie: NaN/∞ coordinates (mortie returns
//! the null word 0) and |lat| > 90 (mortie hashes junk) are errors here.

use healpix::coords::Degrees;

use crate::authalic::geodetic_to_authalic_checked;
use crate::word::{check_order, decode, pack};
use crate::{BatchError, Error, MAX_ORDER, authalic_to_geodetic};

#[inline]
fn check_point(lat: f64, lon: f64) -> Result<(), Error> {
    // One test for the common case: false for NaN/∞ latitude too.
    if lat.abs() <= 90.0 && lon.is_finite() {
        return Ok(());
    }
    if lat.is_finite() && lon.is_finite() {
        Err(Error::LatitudeOutOfRange(lat))
    } else {
        Err(Error::NonFinite { lat, lon })
    }
}

/// The nested id at `order` of a geodetic point, with `layer` prefetched.
#[inline]
fn hash(layer: &healpix::Layer, lat: f64, lon: f64) -> Result<u64, Error> {
    check_point(lat, lon)?;
    Ok(layer.hash(Degrees(lon, geodetic_to_authalic_checked(lat))))
}

/// NESTED pixel id at `order` of a WGS84 geodetic point (degrees).
pub fn geo_to_nested(lat: f64, lon: f64, order: u8) -> Result<u64, Error> {
    check_order(order)?;
    hash(healpix::get(order), lat, lon)
}

/// mortie's `geo2mort(lat, lon, order=order)`: the area word of the cell.
pub fn geo_to_morton(lat: f64, lon: f64, order: u8) -> Result<u64, Error> {
    geo_to_nested(lat, lon, order).map(|n| pack(order, n, false))
}

/// mortie's bare `geo2mort(lat, lon)`: the order-29 *point* word.
pub fn geo_to_point(lat: f64, lon: f64) -> Result<u64, Error> {
    geo_to_nested(lat, lon, MAX_ORDER).map(|n| pack(MAX_ORDER, n, true))
}

fn batch(
    lats: &[f64],
    lons: &[f64],
    order: u8,
    out: &mut [u64],
    finish: impl Fn(u64) -> u64,
) -> Result<(), BatchError> {
    let at = |index, error| BatchError { index, error };
    check_order(order).map_err(|e| at(0, e))?;
    let n = lats.len();
    if lons.len() != n || out.len() != n {
        let error = Error::LengthMismatch {
            lats: n,
            lons: lons.len(),
            out: out.len(),
        };
        return Err(at(n.min(lons.len()).min(out.len()), error));
    }
    let layer = healpix::get(order);
    // Two passes per block of points: all authalic latitudes, then all
    // hashes. The arithmetic is the scalar path's, call for call (so cells
    // stay bit-identical); the split only lets the CPU overlap the libm
    // calls of neighbouring points, whose dependency chains are otherwise
    // one long serial chain per point.
    let mut beta = [0.0f64; BLOCK];
    let blocks = out
        .chunks_mut(BLOCK)
        .zip(lats.chunks(BLOCK).zip(lons.chunks(BLOCK)));
    for (b, (out, (lats, lons))) in blocks.enumerate() {
        let mut bad = None;
        for (k, ((beta, &lat), &lon)) in beta.iter_mut().zip(lats).zip(lons).enumerate() {
            if let Err(e) = check_point(lat, lon) {
                bad = Some((k, e));
                break;
            }
            *beta = geodetic_to_authalic_checked(lat);
        }
        // The points before a bad one are still encoded (callers write them).
        let good = bad.as_ref().map_or(out.len(), |(k, _)| *k);
        for ((o, &beta), &lon) in out[..good].iter_mut().zip(&beta).zip(lons) {
            *o = finish(layer.hash(Degrees(lon, beta)));
        }
        if let Some((k, e)) = bad {
            return Err(at(b * BLOCK + k, e));
        }
    }
    Ok(())
}

/// Points per block of the batch encoders (a stack buffer of authalic
/// latitudes).
const BLOCK: usize = 64;

/// Batch [`geo_to_nested`]: `out[i]` = nested id of `(lats[i], lons[i])`.
///
/// All three slices must have one length. Stops at the first bad point and
/// reports its index, with `out[..index]` encoded; no allocation.
pub fn geo_to_nested_batch(
    lats: &[f64],
    lons: &[f64],
    order: u8,
    out: &mut [u64],
) -> Result<(), BatchError> {
    batch(lats, lons, order, out, |n| n)
}

/// Batch [`geo_to_morton`].
pub fn geo_to_morton_batch(
    lats: &[f64],
    lons: &[f64],
    order: u8,
    out: &mut [u64],
) -> Result<(), BatchError> {
    batch(lats, lons, order, out, |n| pack(order, n, false))
}

/// Longitude in degrees, wrapped to (-180, 180].
fn wrap_lon(lon: f64) -> f64 {
    let l = lon.rem_euclid(360.0);
    if l > 180.0 { l - 360.0 } else { l }
}

/// Cell centre as geodetic (lat, lon) degrees, lon in (-180, 180]
/// (mortie's `mort2geo`).
pub fn center(word: u64) -> Result<(f64, f64), Error> {
    let cell = decode(word)?;
    let c = healpix::get(cell.order).center(cell.nested);
    Ok((
        authalic_to_geodetic(c.lat.to_degrees()),
        wrap_lon(c.lon.to_degrees()),
    ))
}

/// The longitudes a cell's points can have: a window around the cell's
/// centre meridian, wide enough for its corners.
///
/// A cheap, exact pre-test before hashing: a point whose longitude is
/// outside the window is not in the cell. Why the corners bound it: a
/// HEALPix cell is the image of a square (u, v) of its base cell's
/// projection, and longitude is monotonic in u and in v (linear in
/// `u − v` in the equatorial zone, `(u − v)/(u + v)` times the quadrant
/// width in the polar caps), so its extremes over the cell are at corners.
/// Cells with a corner on a pole span every longitude: their window is
/// the whole circle. A margin of 1e-7° covers rounding in the hash.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LonWindow {
    center: f64,
    half_width: f64,
}

impl LonWindow {
    /// The window of `word`'s cell.
    pub fn of(word: u64) -> Result<Self, Error> {
        let cell = decode(word)?;
        let layer = healpix::get(cell.order);
        let center = wrap_lon(layer.center(cell.nested).lon.to_degrees());
        let vertices = layer.vertices(cell.nested);
        let polar = vertices
            .iter()
            .any(|v| v.lat.abs() >= std::f64::consts::FRAC_PI_2 - 1e-12);
        let half_width = if polar {
            f64::INFINITY
        } else {
            vertices
                .iter()
                .map(|v| wrap_lon(v.lon.to_degrees() - center).abs())
                .fold(0.0, f64::max)
                + 1e-7
        };
        Ok(Self { center, half_width })
    }

    /// A window of `half_width` degrees either side of the meridian
    /// `center` (degrees; any finite value): for regions other than cells,
    /// such as a projected grid's tile. A half width of 180 or more (or
    /// infinity) is the whole circle.
    pub fn new(center: f64, half_width: f64) -> Self {
        Self {
            center: wrap_lon(center),
            half_width: half_width.max(0.0),
        }
    }

    /// The window of every longitude (a region holding a pole).
    pub fn whole() -> Self {
        Self {
            center: 0.0,
            half_width: f64::INFINITY,
        }
    }

    /// Whether a point at longitude `lon` (degrees, any finite value) may
    /// lie in the cell. `false` means it does not.
    #[inline]
    pub fn contains(&self, lon: f64) -> bool {
        let mut d = lon - self.center;
        if !(-180.0..=180.0).contains(&d) {
            d = wrap_lon(d);
        }
        // -180 and 180 are the same meridian.
        d.abs() <= self.half_width || 360.0 - d.abs() <= self.half_width
    }
}

/// A spherical cap that holds a cell, in geodetic coordinates: the points
/// whose (geodetic latitude, longitude), taken as a point on the unit
/// sphere, lie within a chord ([`Cap::radius`]) of the cell's centre.
///
/// Unlike [`LonWindow`], it bounds a cell in every direction with one
/// number, so the distance of a point to the cap's centre ([`Cap::key`]) is
/// a scalar that a near-great-circle track (a satellite ground track over
/// less than half an orbit) sees fall and rise at most once: the along-track
/// row search in `magg-agg` bisects on it.
///
/// How it is made, and why it holds the whole cell: the cell's edge is
/// sampled (64 points per side, the HEALPix edge curves themselves, from the
/// `healpix` crate), each sample mapped to geodetic latitude; the radius is
/// the largest sample chord plus 0.55 of the largest chord between
/// neighbouring samples (a point of the edge is within half the arc between
/// its two samples of one of them, and at this sampling an arc exceeds its
/// chord by far less than 10 %), plus 1e-9 against rounding. The edge lies
/// in the cap, and the cell (smaller than a hemisphere) with it. Property
/// tests hash random points and points next to corners and check the cap
/// holds them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cap {
    center: [f64; 3],
    radius: f64,
}

/// Unit vector of a geodetic (lat, lon) in degrees, as on a sphere.
#[inline]
fn unit(lat: f64, lon: f64) -> [f64; 3] {
    let (sl, cl) = lat.to_radians().sin_cos();
    let (so, co) = lon.to_radians().sin_cos();
    [cl * co, cl * so, sl]
}

/// The unit vector of a valid geodetic point (|lat| ≤ 90, finite lon).
#[inline]
fn valid_unit(lat: f64, lon: f64) -> Option<[f64; 3]> {
    (lat.abs() <= 90.0 && lon.is_finite()).then(|| unit(lat, lon))
}

#[inline]
fn chord2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// Samples along a cell's edge per side (the edge's corners among them).
const EDGE_SAMPLES_PER_SIDE: usize = 64;

/// The edge of `word`'s cell, sampled on its HEALPix edge curves (the
/// `healpix` crate's own, starting at a corner), mapped to geodetic
/// latitude on the unit sphere; and the largest chord between neighbouring
/// samples.
fn sampled_edge(word: u64) -> Result<(Vec<[f64; 3]>, f64), Error> {
    use healpix::dir::Cardinal;
    let cell = decode(word)?;
    let edge: Vec<[f64; 3]> = healpix::get(cell.order)
        .path_along_cell_edge(
            cell.nested,
            Cardinal::S,
            false,
            EDGE_SAMPLES_PER_SIDE as u32,
        )
        .iter()
        .map(|p| unit(authalic_to_geodetic(p.lat.to_degrees()), p.lon.to_degrees()))
        .collect();
    let step = largest_step(&edge);
    Ok((edge, step))
}

/// The largest chord between neighbouring samples of a closed ring.
fn largest_step(edge: &[[f64; 3]]) -> f64 {
    edge.iter()
        .zip(edge.iter().cycle().skip(1))
        .map(|(a, b)| chord2(a, b))
        .fold(0.0, f64::max)
        .sqrt()
}

/// The unit vector of `word`'s cell centre (geodetic, as on a sphere).
fn centre_of(word: u64) -> Result<[f64; 3], Error> {
    let cell = decode(word)?;
    let c = healpix::get(cell.order).center(cell.nested);
    Ok(unit(
        authalic_to_geodetic(c.lat.to_degrees()),
        c.lon.to_degrees(),
    ))
}

impl Cap {
    /// The cap of `word`'s cell.
    pub fn of(word: u64) -> Result<Self, Error> {
        let (edge, step) = sampled_edge(word)?;
        Ok(Self::holding(centre_of(word)?, &edge, step))
    }

    /// The cap centred at `center` that holds the edge sampled as `edge`
    /// (largest neighbouring-sample chord `step`).
    fn holding(center: [f64; 3], edge: &[[f64; 3]], step: f64) -> Self {
        let far = edge
            .iter()
            .map(|p| chord2(p, &center))
            .fold(0.0, f64::max)
            .sqrt();
        Self {
            center,
            radius: far + 0.55 * step + 1e-9,
        }
    }

    /// The chord from the cap's centre to a geodetic point (degrees; on
    /// the unit sphere, so nearly the angle in radians for small ones), NaN
    /// when the point is not valid (latitude beyond ±90 or not finite,
    /// longitude not finite). Compare with [`Cap::radius`].
    #[inline]
    pub fn key(&self, lat: f64, lon: f64) -> f64 {
        valid_unit(lat, lon).map_or(f64::NAN, |p| self.chord(&p))
    }

    /// The chord from the cap's centre to a unit vector.
    #[inline]
    fn chord(&self, p: &[f64; 3]) -> f64 {
        chord2(p, &self.center).sqrt()
    }

    /// The chord radius: a point whose [`Cap::key`] exceeds it is not in
    /// the cell.
    pub fn radius(&self) -> f64 {
        self.radius
    }

    /// Whether a geodetic point (degrees) may lie in the cell. `false`
    /// means it does not.
    #[inline]
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        self.key(lat, lon) <= self.radius
    }
}

/// A cell's [`Cap`] narrowed by four more caps, one along each edge: a
/// tighter bound than the cap alone (about 1.05-1.08 times the cell, where
/// a cap around HEALPix's diamond-shaped cells holds 1.9-2.8 times it),
/// with a key that keeps the cap key's shape along a great circle, so the
/// along-track row search in `magg-agg` can bisect on it the same way.
///
/// Each edge cap is centred 20° inside the midpoint between the edge's
/// corners, on the great circle that halves the edge at right angles, so
/// its rim runs close along the edge; its radius bounds every sample of
/// the whole cell edge as [`Cap::of`] does
/// (largest sample chord, plus 0.55 of the largest sample step, plus
/// 1e-9). Every cap holds the cell, so their intersection does.
///
/// The key is `max(k₀, max over edges of min(kᵢ, c) + r₀)` where `k₀` is
/// the cap's chord key, `kᵢ` an edge cap's chord key minus its radius, `r₀`
/// the cap's radius and `c` a clamp level above the band (`c = r₀ / 4`):
/// - a point of the cell has every term ≤ `r₀`: key ≤ [`Hull::radius`];
/// - where the key exceeds `r₀ + c` it equals the cap key `k₀`;
/// - below that level, its sublevel sets on a great circle are
///   intersections of caps smaller than a hemisphere with that circle,
///   i.e. of arcs shorter than a half circle, and so are single arcs.
///
/// So along a great circle the key has one valley (inside the chord
/// `r₀ + c` of the cap's centre, so within about `1.25 r₀` of arc from
/// where the cap key has its own) and one peak (the cap key's, half a
/// circle from that), and falls and rises at most once on an arc shorter
/// than a half circle minus `1.25 r₀` (at order 6, 178°; an ATL06 granule
/// spans about 26°): the model the search relies on. A cell too large for
/// edge caps well under a hemisphere keeps the cap alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hull {
    cap: Cap,
    edges: [Cap; 4],
    n_edges: usize,
    clamp: f64,
}

/// How far inside an edge's midpoint its cap is centred (degrees): far
/// enough that the cap's rim is nearly straight along a cell edge (a rim of
/// radius 20° sags about 0.5 km from a straight 100 km chord), near enough
/// that the caps stay well under a hemisphere.
const EDGE_CAP_DEG: f64 = 20.0;

impl Hull {
    /// The hull of `word`'s cell.
    pub fn of(word: u64) -> Result<Self, Error> {
        let (edge, step) = sampled_edge(word)?;
        Ok(Self::holding(
            centre_of(word)?,
            &edge,
            step,
            EDGE_SAMPLES_PER_SIDE,
        ))
    }

    /// The hull of any quadrilateral region smaller than a hemisphere
    /// (for example a projected grid's tile), from a point inside it and
    /// its boundary sampled densely: geodetic `(lat, lon)` degrees, in ring
    /// order (either winding), no closing repeat, `4·k` samples with the
    /// corners at indices `0, k, 2k, 3k`.
    ///
    /// The bound is made as for a cell ([`Hull::of`]): every cap holds
    /// every sample plus 0.55 of the largest step between neighbouring
    /// samples, which holds the whole boundary when each stretch between
    /// neighbouring samples is nearly straight (its length within 10 % of
    /// its chord): sample edges of a few hundred km every few km or finer.
    /// A region too large for edge caps well under a hemisphere keeps the
    /// cap alone, as a cell does.
    pub fn around(center: (f64, f64), boundary: &[(f64, f64)]) -> Result<Self, Error> {
        let bad = |reason| Err(Error::BadBoundary { reason });
        if boundary.len() < 8 || !boundary.len().is_multiple_of(4) {
            return bad("needs 4·k samples (k >= 2), the corners at 0, k, 2k, 3k");
        }
        let point = |(lat, lon): (f64, f64)| {
            check_point(lat, lon)?;
            Ok(unit(lat, lon))
        };
        let edge = boundary
            .iter()
            .map(|&p| point(p))
            .collect::<Result<Vec<_>, Error>>()?;
        let step = largest_step(&edge);
        let hull = Self::holding(point(center)?, &edge, step, boundary.len() / 4);
        if hull.cap.radius >= std::f64::consts::SQRT_2 {
            return bad("the region is not smaller than a hemisphere around its centre");
        }
        Ok(hull)
    }

    /// The hull centred at `center` around the boundary sampled as `edge`
    /// (`4 · per_side` samples, corners every `per_side`; largest
    /// neighbouring-sample chord `step`).
    fn holding(center: [f64; 3], edge: &[[f64; 3]], step: f64, per_side: usize) -> Self {
        // A cap whose chord radius plus the clamp stays below this is well
        // under a hemisphere (chord √2).
        const MAX_CHORD: f64 = 1.3;
        let cap = Cap::holding(center, edge, step);
        let clamp = cap.radius / 4.0;
        let mut hull = Self {
            cap,
            edges: [cap; 4],
            n_edges: 0,
            clamp,
        };
        if edge.len() != 4 * per_side {
            return hull;
        }
        let (sa, ca) = EDGE_CAP_DEG.to_radians().sin_cos();
        let mut edges = [cap; 4];
        for (side, slot) in edges.iter_mut().enumerate() {
            // The great circle through the edge's corners, its pole on the
            // cell's side; the centre lies on the edge's perpendicular
            // bisector, so the rim runs symmetrically along the edge.
            let (a, b) = (
                edge[side * per_side],
                edge[(side + 1) * per_side % edge.len()],
            );
            let n = cross(&a, &b);
            let nn = dot(&n, &n).sqrt();
            if nn <= 1e-15 || nn.is_nan() {
                return hull;
            }
            let sign = if dot(&n, &cap.center) < 0.0 {
                -1.0
            } else {
                1.0
            };
            let n = n.map(|x| sign * x / nn);
            let m = normalize([a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
            let edge_cap = Cap::holding(
                normalize([0, 1, 2].map(|i| ca * m[i] + sa * n[i])),
                edge,
                step,
            );
            if edge_cap.radius + clamp >= MAX_CHORD || edge_cap.radius.is_nan() {
                return hull;
            }
            *slot = edge_cap;
        }
        hull.edges = edges;
        hull.n_edges = 4;
        hull
    }

    /// The key of a geodetic point (degrees), NaN when the point is not
    /// valid (as [`Cap::key`]); compare with [`Hull::radius`].
    #[inline]
    pub fn key(&self, lat: f64, lon: f64) -> f64 {
        let Some(p) = valid_unit(lat, lon) else {
            return f64::NAN;
        };
        let r0 = self.cap.radius;
        self.edges[..self.n_edges]
            .iter()
            .map(|e| (e.chord(&p) - e.radius).min(self.clamp) + r0)
            .fold(self.cap.chord(&p), f64::max)
    }

    /// The key's bound: a point whose [`Hull::key`] exceeds it is not in
    /// the cell.
    pub fn radius(&self) -> f64 {
        self.cap.radius
    }

    /// Whether a geodetic point (degrees) may lie in the cell. `false`
    /// means it does not.
    #[inline]
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        self.key(lat, lon) <= self.cap.radius
    }
}

#[inline]
fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[inline]
fn cross(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[inline]
fn normalize(a: [f64; 3]) -> [f64; 3] {
    let n = dot(&a, &a).sqrt();
    [a[0] / n, a[1] / n, a[2] / n]
}

/// The geodetic latitude band `(lo, hi)` of the cell `word`, from its
/// corners: HEALPix cell edges are monotonic in latitude between corners
/// (magg-grid's `outline_latitudes_stay_in_the_band` and agg's row search
/// tests check it on sampled edges). Widened by 1e-6° against rounding.
pub fn lat_band(word: u64) -> Result<(f64, f64), Error> {
    let corners = boundary(word)?;
    let lo = corners.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
    let hi = corners
        .iter()
        .map(|c| c.0)
        .fold(f64::NEG_INFINITY, f64::max);
    Ok((lo - 1e-6, hi + 1e-6))
}

/// The four cell corners as geodetic (lat, lon) degrees in mortie's order
/// N, W, S, E (`mort2polygon` without the closing repeat). Longitudes are
/// in (-180, 180], except that a cell straddling ±180 keeps its corners on
/// one side (the side most of them are on), so the ring does not jump.
pub fn boundary(word: u64) -> Result<[(f64, f64); 4], Error> {
    let cell = decode(word)?;
    // healpix order: S, E, N, W; mortie's: N, W, S, E.
    let v = healpix::get(cell.order).vertices(cell.nested);
    let mut out = [0, 1, 2, 3].map(|i| {
        let p = v[(i + 2) % 4];
        (
            authalic_to_geodetic(p.lat.to_degrees()),
            wrap_lon(p.lon.to_degrees()),
        )
    });
    let east = out.iter().filter(|p| p.1 > 0.0).count();
    let spans = out.iter().any(|p| p.1 > 90.0) && out.iter().any(|p| p.1 < -90.0);
    if spans {
        for p in &mut out {
            if east >= 2 && p.1 < 0.0 {
                p.1 += 360.0;
            } else if east < 2 && p.1 > 0.0 {
                p.1 -= 360.0;
            }
        }
    }
    Ok(out)
}
