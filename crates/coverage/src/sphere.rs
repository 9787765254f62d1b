//! Unit-sphere vector geometry in the kernel (authalic) frame.
//!
//! Everything here works on unit vectors: a great-circle edge is the minor
//! arc between two vertices, and the two sides of a closed ring are told
//! apart by signed spherical areas, with no projection and no heuristic.

use std::f64::consts::PI;

/// A 3-D vector (unit length where it stands for a point on the sphere).
pub(crate) type Vec3 = [f64; 3];

/// Unit vector of (latitude, longitude) in degrees.
pub(crate) fn unit(lat_deg: f64, lon_deg: f64) -> Vec3 {
    let (sla, cla) = lat_deg.to_radians().sin_cos();
    let (slo, clo) = lon_deg.to_radians().sin_cos();
    [cla * clo, cla * slo, sla]
}

/// (latitude, longitude) in radians of a (not necessarily unit) vector,
/// longitude in [0, 2π) as cdshealpix wants it.
pub(crate) fn lonlat_rad(v: Vec3) -> (f64, f64) {
    let v = normalized(v);
    let lat = v[2].clamp(-1.0, 1.0).asin();
    let mut lon = v[1].atan2(v[0]);
    if lon < 0.0 {
        lon += 2.0 * PI;
    }
    if lon >= 2.0 * PI {
        lon = 0.0;
    }
    (lon, lat)
}

pub(crate) fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub(crate) fn scale(a: Vec3, s: f64) -> Vec3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

pub(crate) fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub(crate) fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

pub(crate) fn normalized(a: Vec3) -> Vec3 {
    let n = norm(a);
    scale(a, 1.0 / n)
}

/// Angle between two unit vectors, radians (robust for small angles).
pub(crate) fn angle(a: Vec3, b: Vec3) -> f64 {
    norm(cross(a, b)).atan2(dot(a, b))
}

/// Signed area (steradians) of the spherical triangle `(a, b, c)` with
/// minor-arc edges: positive when `a → b → c` turns counter-clockwise seen
/// from outside the sphere (Van Oosterom & Strackee, 1983).
fn triangle_signed_area(a: Vec3, b: Vec3, c: Vec3) -> f64 {
    let det = dot(a, cross(b, c));
    let den = 1.0 + dot(a, b) + dot(b, c) + dot(c, a);
    2.0 * det.atan2(den)
}

/// What a closed ring says about the sphere, seen from a probe point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sides {
    /// Area (sr) of the region to the left of the directed edges.
    pub(crate) left_area: f64,
    /// Whether the probe point lies in the left region.
    pub(crate) probe_in_left: bool,
    /// Whether the probe point is (numerically) on the ring itself.
    pub(crate) probe_on_ring: bool,
}

/// Sides of the closed ring `ring` (implicit closing edge) as seen from
/// `probe`.
///
/// The fan of triangles `(−probe, vᵢ, vᵢ₊₁)` sums to the signed area of the
/// side *not* containing `probe` (`−probe` is the fan's apex; the side
/// containing `probe`, the apex's antipode, is never swept): positive
/// when that side is on the left. Exact up to rounding, any ring size.
pub(crate) fn sides(ring: &[Vec3], probe: Vec3) -> Sides {
    let apex = scale(probe, -1.0);
    let n = ring.len();
    let mut sum = 0.0;
    let mut on_ring = false;
    for i in 0..n {
        let a = ring[i];
        let b = ring[(i + 1) % n];
        if distance_to_arc(probe, a, b) < 1e-12 {
            on_ring = true;
        }
        sum += triangle_signed_area(apex, a, b);
    }
    if sum >= 0.0 {
        Sides {
            left_area: sum,
            probe_in_left: false,
            probe_on_ring: on_ring,
        }
    } else {
        Sides {
            left_area: 4.0 * PI + sum,
            probe_in_left: true,
            probe_on_ring: on_ring,
        }
    }
}

/// Angular distance (radians) from `p` to the minor arc `a → b`.
pub(crate) fn distance_to_arc(p: Vec3, a: Vec3, b: Vec3) -> f64 {
    let n = cross(a, b);
    let nn = norm(n);
    let end = angle(p, a).min(angle(p, b));
    if nn < 1e-15 {
        return end;
    }
    let n = scale(n, 1.0 / nn);
    // Foot of the perpendicular from p on the great circle.
    let foot = add(p, scale(n, -dot(p, n)));
    let fnorm = norm(foot);
    if fnorm < 1e-15 {
        return PI / 2.0;
    }
    let foot = scale(foot, 1.0 / fnorm);
    // Is the foot inside the arc? (same side of a as b, and of b as a)
    if dot(cross(a, foot), n) >= 0.0 && dot(cross(foot, b), n) >= 0.0 {
        dot(p, n).abs().asin()
    } else {
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_ccw_triangle_has_its_area_on_the_left() {
        let ring = [unit(0.0, 0.0), unit(0.0, 1.0), unit(1.0, 0.0)];
        let s = sides(&ring, unit(-90.0, 0.0));
        assert!(!s.probe_in_left);
        let flat = (1f64.to_radians()).powi(2) / 2.0;
        assert!((s.left_area - flat).abs() / flat < 1e-3, "{}", s.left_area);
    }

    #[test]
    fn eastward_ring_around_the_south_pole_keeps_the_pole_on_the_right() {
        let ring: Vec<Vec3> = (0..36).map(|i| unit(-80.0, f64::from(i) * 10.0)).collect();
        let s = sides(&ring, unit(-90.0, 0.0));
        assert!(!s.probe_in_left);
        let reversed: Vec<Vec3> = ring.iter().rev().copied().collect();
        let r = sides(&reversed, unit(-90.0, 0.0));
        assert!(r.probe_in_left);
        assert!((s.left_area + r.left_area - 4.0 * PI).abs() < 1e-9);
        // The polar cap is the small side: 2π(1 − sin 80°) for a circle of
        // latitude; the great-circle ring is slightly smaller.
        let cap = 2.0 * PI * (1.0 - 80f64.to_radians().sin());
        assert!(r.left_area < cap && r.left_area > 0.99 * cap);
    }

    #[test]
    fn distance_to_arc_measures_perpendiculars_and_ends() {
        let a = unit(0.0, 0.0);
        let b = unit(0.0, 10.0);
        assert!((distance_to_arc(unit(1.0, 5.0), a, b) - 1f64.to_radians()).abs() < 1e-12);
        assert!((distance_to_arc(unit(0.0, 12.0), a, b) - 2f64.to_radians()).abs() < 1e-12);
    }
}
