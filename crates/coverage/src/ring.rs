//! One closed ring of great-circle edges, and which of its two sides is
//! the interior.
//!
//! A ring on the sphere splits it into two regions; orientation alone does
//! not say which is meant (GeoJSON says counter-clockwise exteriors, real
//! files do both, and a ring around a pole reads either way). The caller
//! says it with [`Interior`]: the smaller side (mortie's `normalize=True`,
//! S2's convention, the default), the side to the left of the directed
//! edges (trust the winding), or the side containing a control point.
//! [`Ring::south_pole_inside`] turns that into the explicit answer
//! cdshealpix needs, computed from exact signed areas.

use magg_morton as morton;

use crate::error::Error;
use crate::sphere::{self, Vec3};

/// Which side of a ring is its interior.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Interior {
    /// The side with the smaller area (default; mortie's `normalize=True`).
    /// Right for every region smaller than a hemisphere, whatever the
    /// winding.
    #[default]
    Smaller,
    /// The side to the left of the directed edges (the ring's winding is
    /// trusted: counter-clockwise seen from outside the sphere encloses).
    Left,
    /// The side containing this geodetic point (degrees).
    Containing {
        /// Geodetic latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
    },
}

/// A cleaned ring in the kernel frame: consecutive duplicates, the closing
/// vertex and zero-width spikes removed (e.g. Natural Earth's cut along
/// 180° down to the pole and back), at least three distinct vertices.
#[derive(Debug, Clone)]
pub struct Ring {
    /// Unit vectors (authalic frame), no closing repeat.
    pub(crate) vertices: Vec<Vec3>,
    /// The same vertices as given: geodetic (lat, lon) degrees.
    geodetic: Vec<(f64, f64)>,
    /// The interior rule.
    pub(crate) interior: Interior,
}

/// Two vertices closer than this (radians, ~6 µm) are the same point.
const SAME_POINT_RAD: f64 = 1e-12;

impl Ring {
    /// Builds a ring from geodetic `(lat, lon)` vertices in degrees (a
    /// closing repeat of the first vertex is allowed). `name` is used in
    /// error messages.
    pub fn new(name: &str, lat_lon: &[(f64, f64)], interior: Interior) -> Result<Ring, Error> {
        let mut v: Vec<(Vec3, (f64, f64))> = Vec::with_capacity(lat_lon.len());
        for (i, &(lat, lon)) in lat_lon.iter().enumerate() {
            if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 {
                return Err(Error::BadVertex {
                    ring: name.to_string(),
                    index: i,
                    lat,
                    lon,
                });
            }
            v.push((
                sphere::unit(morton::geodetic_to_authalic(lat), lon),
                (lat, lon),
            ));
        }
        let (vertices, geodetic): (Vec<Vec3>, Vec<(f64, f64)>) = clean(v).into_iter().unzip();
        if vertices.len() < 3 {
            return Err(Error::DegenerateRing {
                ring: name.to_string(),
                distinct: vertices.len(),
            });
        }
        if let Interior::Containing { lat, lon } = interior
            && (!lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0)
        {
            return Err(Error::BadControlPoint { lat, lon });
        }
        Ok(Ring {
            vertices,
            geodetic,
            interior,
        })
    }

    /// A ring of kernel-frame unit vectors made here (a footprint's buffer
    /// quads): the geodetic vertices are worked out from them, longitudes
    /// in `[0, 360)`.
    pub(crate) fn from_kernel(vertices: Vec<Vec3>, interior: Interior) -> Ring {
        let geodetic = vertices
            .iter()
            .map(|&v| {
                let (lon, lat) = sphere::lonlat_rad(v);
                (
                    morton::authalic_to_geodetic(lat.to_degrees()),
                    lon.to_degrees(),
                )
            })
            .collect();
        Ring {
            vertices,
            geodetic,
            interior,
        }
    }

    /// The cleaned vertices as geodetic `(lat, lon)` degrees — latitude
    /// first, the order [`Ring::new`] takes — exactly as given, in ring
    /// order, without the closing repeat, repeated points and zero-width
    /// spikes (such as Natural Earth's cut down 180° to the pole and
    /// back). Consecutive vertices are joined by great-circle edges.
    pub fn vertices(&self) -> &[(f64, f64)] {
        &self.geodetic
    }

    /// Which side is the interior.
    pub fn interior(&self) -> Interior {
        self.interior
    }

    /// The vertices as cdshealpix wants them: (lon, lat) in radians, kernel
    /// frame.
    pub(crate) fn lonlat_rad(&self) -> Vec<(f64, f64)> {
        self.vertices
            .iter()
            .map(|&v| sphere::lonlat_rad(v))
            .collect()
    }

    /// Whether the interior is the left side of the directed edges.
    fn interior_is_left(&self) -> Result<bool, Error> {
        match self.interior {
            Interior::Left => Ok(true),
            Interior::Smaller => {
                let s = sphere::sides(&self.vertices, probe(&self.vertices));
                Ok(s.left_area <= 2.0 * std::f64::consts::PI)
            }
            Interior::Containing { lat, lon } => {
                let p = sphere::unit(morton::geodetic_to_authalic(lat), lon);
                let s = sphere::sides(&self.vertices, p);
                if s.probe_on_ring {
                    return Err(Error::BadControlPoint { lat, lon });
                }
                Ok(s.probe_in_left)
            }
        }
    }

    /// Whether the south pole lies in the interior. A ring through the
    /// pole has it on its boundary: reported as outside (the cells at the
    /// pole are boundary cells and covered either way).
    pub fn south_pole_inside(&self) -> Result<bool, Error> {
        self.pole_inside([0.0, 0.0, -1.0])
    }

    /// Whether the north pole lies in the interior (as
    /// [`Ring::south_pole_inside`]).
    pub fn north_pole_inside(&self) -> Result<bool, Error> {
        self.pole_inside([0.0, 0.0, 1.0])
    }

    fn pole_inside(&self, pole: Vec3) -> Result<bool, Error> {
        let s = sphere::sides(&self.vertices, pole);
        if s.probe_on_ring {
            return Ok(false);
        }
        Ok(s.probe_in_left == self.interior_is_left()?)
    }

    /// Area of the interior, steradians on the unit (authalic) sphere.
    pub fn interior_area(&self) -> Result<f64, Error> {
        let s = sphere::sides(&self.vertices, probe(&self.vertices));
        Ok(if self.interior_is_left()? {
            s.left_area
        } else {
            4.0 * std::f64::consts::PI - s.left_area
        })
    }
}

/// A probe point off the ring: the south pole unless the ring passes
/// through it, then other axis points.
fn probe(ring: &[Vec3]) -> Vec3 {
    let candidates = [
        [0.0, 0.0, -1.0],
        [0.0, 0.0, 1.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [-1.0, 0.0, 0.0],
    ];
    let n = ring.len();
    for c in candidates {
        let min = (0..n)
            .map(|i| sphere::distance_to_arc(c, ring[i], ring[(i + 1) % n]))
            .fold(f64::INFINITY, f64::min);
        if min > 1e-9 {
            return c;
        }
    }
    [0.0, -1.0, 0.0]
}

/// Drops repeated points (including the closing vertex) and spikes
/// `a → b → a` until none is left. Each unit vector carries its input
/// vertex along.
fn clean<T: Copy>(mut v: Vec<(Vec3, T)>) -> Vec<(Vec3, T)> {
    let same = |a: (Vec3, T), b: (Vec3, T)| sphere::angle(a.0, b.0) <= SAME_POINT_RAD;
    loop {
        let before = v.len();
        // Consecutive duplicates, cyclically.
        let mut out: Vec<(Vec3, T)> = Vec::with_capacity(v.len());
        for p in v {
            if out.last().is_none_or(|&q| !same(p, q)) {
                out.push(p);
            }
        }
        while out.len() > 1 && same(out[0], out[out.len() - 1]) {
            out.pop();
        }
        // Spikes: a vertex whose neighbours coincide.
        let n = out.len();
        if n >= 3 {
            let spike = (0..n).find(|&i| same(out[(i + n - 1) % n], out[(i + 1) % n]));
            if let Some(i) = spike {
                // Remove the tip and one of the two coinciding neighbours.
                let next = (i + 1) % n;
                let (first, second) = if i < next { (next, i) } else { (i, next) };
                out.remove(first);
                out.remove(second);
            }
        }
        v = out;
        if v.len() == before || v.len() < 3 {
            return v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(pts: &[(f64, f64)], interior: Interior) -> Ring {
        Ring::new("test", pts, interior).unwrap()
    }

    #[test]
    fn either_winding_gives_the_small_side_by_default() {
        let ccw = [(0.0, 0.0), (0.0, 10.0), (10.0, 5.0)];
        let cw: Vec<_> = ccw.iter().rev().copied().collect();
        let a = ring(&ccw, Interior::Smaller).interior_area().unwrap();
        let b = ring(&cw, Interior::Smaller).interior_area().unwrap();
        assert!((a - b).abs() < 1e-12 && a < 0.1);
        assert!(!ring(&cw, Interior::Smaller).south_pole_inside().unwrap());
        // Trusting the winding: the clockwise ring encloses the rest.
        assert!(ring(&cw, Interior::Left).south_pole_inside().unwrap());
        assert!(ring(&cw, Interior::Left).interior_area().unwrap() > 12.0);
    }

    #[test]
    fn ring_around_the_pole_contains_it_and_a_control_point_flips_it() {
        let pts: Vec<_> = (0..36).map(|i| (-80.0, f64::from(i) * 10.0)).collect();
        assert!(ring(&pts, Interior::Smaller).south_pole_inside().unwrap());
        let north = Interior::Containing { lat: 0.0, lon: 0.0 };
        assert!(!ring(&pts, north).south_pole_inside().unwrap());
        let south = Interior::Containing {
            lat: -85.0,
            lon: 0.0,
        };
        assert!(ring(&pts, south).south_pole_inside().unwrap());
    }

    #[test]
    fn natural_earth_cut_to_the_pole_is_removed() {
        // A ring at -85 with the 180° cut down to the pole and back.
        let mut pts = vec![(-85.0, 180.0), (-90.0, 180.0), (-90.0, -180.0)];
        pts.extend((0..36).map(|i| (-85.0, -180.0 + f64::from(i) * 10.0)));
        pts.push((-85.0, 180.0));
        let r = ring(&pts, Interior::Smaller);
        assert_eq!(r.vertices.len(), 36);
        assert!(r.south_pole_inside().unwrap());
        // The geodetic vertices are the input's, minus the cut (the pole,
        // its copy at -180° and the closing repeat).
        let want: Vec<(f64, f64)> = std::iter::once((-85.0, 180.0))
            .chain((1..36).map(|i| (-85.0, -180.0 + f64::from(i) * 10.0)))
            .collect();
        assert_eq!(r.vertices(), &want[..]);
    }

    #[test]
    fn bad_input_is_an_error_naming_the_ring() {
        let e = Ring::new(
            "x",
            &[(0.0, 0.0), (f64::NAN, 1.0), (1.0, 1.0)],
            Interior::Smaller,
        )
        .unwrap_err();
        assert!(e.to_string().contains('x') && e.to_string().contains("vertex 1"));
        let e = Ring::new(
            "y",
            &[(0.0, 0.0), (1.0, 1.0), (0.0, 0.0)],
            Interior::Smaller,
        )
        .unwrap_err();
        assert!(e.to_string().contains('y'), "{e}");
    }
}
