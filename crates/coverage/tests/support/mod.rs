//! Brute-force reference for coverage tests: dense points in each cell
//! (cdshealpix's cell grid, kernel frame) tested against the polygon with
//! a plain crossing-number test on great-circle arcs, written here
//! independently of the crate's own side logic.

#![allow(dead_code, unreachable_pub, clippy::many_single_char_names)]

use std::collections::BTreeSet;

use cdshealpix::compass_point::Cardinal;
use cdshealpix::nested::{grid, neighbours, path_along_cell_edge};

pub type V = [f64; 3];

fn unit_rad(lon: f64, lat: f64) -> V {
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn unit_geodetic(lat: f64, lon: f64) -> V {
    let k = magg_morton::geodetic_to_authalic(lat).to_radians();
    unit_rad(lon.to_radians(), k)
}

fn dot(a: V, b: V) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: V, b: V) -> V {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn neg(a: V) -> V {
    [-a[0], -a[1], -a[2]]
}

/// Whether x (on the great circle of a, b) lies on the minor arc a-b.
fn on_arc(x: V, a: V, b: V, n: V) -> bool {
    dot(cross(a, x), n) >= 0.0 && dot(cross(x, b), n) >= 0.0
}

fn arcs_cross(a: V, b: V, c: V, d: V) -> bool {
    let n1 = cross(a, b);
    let n2 = cross(c, d);
    let x = cross(n1, n2);
    if dot(x, x) < 1e-30 {
        return false;
    }
    (on_arc(x, a, b, n1) && on_arc(x, c, d, n2))
        || (on_arc(neg(x), a, b, n1) && on_arc(neg(x), c, d, n2))
}

/// Angular distance from p to the minor arc a-b (radians).
fn dist_arc(p: V, a: V, b: V) -> f64 {
    let ang = |u: V, v: V| {
        let c = cross(u, v);
        dot(c, c).sqrt().atan2(dot(u, v))
    };
    let n = cross(a, b);
    let nn = dot(n, n).sqrt();
    let ends = ang(p, a).min(ang(p, b));
    if nn < 1e-15 {
        return ends;
    }
    let n = [n[0] / nn, n[1] / nn, n[2] / nn];
    let s = dot(p, n);
    let f = [p[0] - s * n[0], p[1] - s * n[1], p[2] - s * n[2]];
    if dot(f, f) < 1e-30 {
        return ends;
    }
    if on_arc(f, a, b, n) {
        s.abs().asin()
    } else {
        ends
    }
}

/// A polygon set (even-odd over all rings) in the kernel frame, with a
/// reference point known to be outside.
pub struct Poly {
    rings: Vec<Vec<V>>,
    outside: V,
}

impl Poly {
    /// Rings of geodetic (lat, lon); `outside` a geodetic point outside.
    pub fn new(rings: &[Vec<(f64, f64)>], outside: (f64, f64)) -> Poly {
        Poly {
            rings: rings
                .iter()
                .map(|r| r.iter().map(|&(la, lo)| unit_geodetic(la, lo)).collect())
                .collect(),
            outside: unit_geodetic(outside.0, outside.1),
        }
    }

    fn edges(&self) -> impl Iterator<Item = (V, V)> + '_ {
        self.rings
            .iter()
            .flat_map(|r| (0..r.len()).map(move |i| (r[i], r[(i + 1) % r.len()])))
    }

    pub fn contains(&self, p: V) -> bool {
        self.edges()
            .filter(|&(a, b)| arcs_cross(p, self.outside, a, b))
            .count()
            % 2
            == 1
    }

    pub fn distance(&self, p: V) -> f64 {
        self.edges()
            .map(|(a, b)| dist_arc(p, a, b))
            .fold(f64::INFINITY, f64::min)
    }
}

/// Dense points of a cell: an n×n grid including its edges.
fn samples(order: u8, hash: u64, n: u16) -> Vec<V> {
    grid(order, hash, n)
        .iter()
        .map(|&(lon, lat)| unit_rad(lon, lat))
        .collect()
}

fn edge_points(order: u8, hash: u64, n: u32) -> Vec<V> {
    path_along_cell_edge(order, hash, &Cardinal::S, true, n)
        .iter()
        .map(|&(lon, lat)| unit_rad(lon, lat))
        .collect()
}

/// What the brute force says about one cell.
pub struct Verdict {
    /// A sample point lies strictly inside (farther than 1e-9 rad from the
    /// boundary).
    pub hit: bool,
    /// Smallest distance (rad) from the cell's edge samples to the boundary.
    pub edge_distance: f64,
}

pub fn judge(poly: &Poly, order: u8, hash: u64, n: u16) -> Verdict {
    // Points on the boundary itself (a cell vertex exactly on an edge) are
    // touches, not hits.
    let hit = samples(order, hash, n)
        .into_iter()
        .any(|p| poly.contains(p) && poly.distance(p) > 1e-9);
    let edge_distance = edge_points(order, hash, u32::from(n))
        .into_iter()
        .map(|p| poly.distance(p))
        .fold(f64::INFINITY, f64::min);
    Verdict { hit, edge_distance }
}

/// Checks a cover (nested ids at `order`) against the brute force on the
/// cover and its neighbours: no cell holding an inside sample is missing,
/// and every covered cell has an inside sample or an edge within one
/// sample spacing of the boundary.
pub fn check_cover(name: &str, poly: &Poly, order: u8, cover: &[u64], n: u16) {
    let set: BTreeSet<u64> = cover.iter().copied().collect();
    let mut candidates = set.clone();
    for &c in cover {
        candidates.extend(neighbours(order, c, false).values_vec());
    }
    // One sample spacing: a cell side (~ sqrt(4π/(12·4^order))) over n.
    let side = (4.0 * std::f64::consts::PI / (12.0 * 4f64.powi(i32::from(order)))).sqrt();
    let tol = 2.0 * side / f64::from(n);
    for c in candidates {
        let v = judge(poly, order, c, n);
        if v.hit {
            assert!(
                set.contains(&c),
                "{name}: cell {c} has a point inside but is not covered"
            );
        }
        if set.contains(&c) {
            assert!(
                v.hit || v.edge_distance < tol,
                "{name}: cell {c} is covered but lies {} rad from the polygon (tol {tol})",
                v.edge_distance
            );
        }
    }
}
