//! Polar stereographic projection on the WGS84 ellipsoid, from Snyder (1987),
//! *Map Projections: A Working Manual*, USGS PP 1395, §21 (variant B: a
//! latitude of true scale, no scale factor at the pole).
//!
//! - [`PolarStereo::antarctic`]: EPSG:3031 (true scale at 71°S, central
//!   meridian 0°: Greenwich points up).
//! - [`PolarStereo::arctic`]: EPSG:3413 (true scale at 70°N, central
//!   meridian 45°W).
//!
//! Coordinates are metres; `tests/proj_pyproj.rs` compares with pyproj
//! (PROJ) over the polar grids' whole extent, corners and pole included.

use std::f64::consts::FRAC_PI_2;

/// WGS84 semi-major axis, metres.
const A: f64 = 6_378_137.0;
/// WGS84 flattening.
const F: f64 = 1.0 / 298.257_223_563;

/// Which pole the projection is centred on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hemisphere {
    /// North polar aspect.
    North,
    /// South polar aspect.
    South,
}

impl Hemisphere {
    /// The hemisphere a latitude lies in (the equator counts as north).
    pub fn of_lat(lat: f64) -> Hemisphere {
        if lat < 0.0 {
            Hemisphere::South
        } else {
            Hemisphere::North
        }
    }

    /// +1 for north, −1 for south.
    pub fn sign(self) -> f64 {
        match self {
            Hemisphere::North => 1.0,
            Hemisphere::South => -1.0,
        }
    }
}

/// A polar stereographic projection (ellipsoidal, WGS84).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolarStereo {
    hemisphere: Hemisphere,
    /// Latitude of true scale, degrees (signed).
    lat_ts: f64,
    /// Central meridian, degrees.
    lon0: f64,
    /// Eccentricity.
    e: f64,
    /// `a · m_c / t_c` (Snyder 21-34 without `t`).
    rho_per_t: f64,
}

impl PolarStereo {
    /// A projection with latitude of true scale `lat_ts` (degrees; its sign
    /// picks the pole, 0 is refused as north) and central meridian `lon0`.
    pub fn new(lat_ts: f64, lon0: f64) -> PolarStereo {
        let hemisphere = Hemisphere::of_lat(lat_ts);
        let e = (F * (2.0 - F)).sqrt();
        let phi_c = (lat_ts * hemisphere.sign()).to_radians();
        let m_c = m(e, phi_c);
        let t_c = t(e, phi_c);
        PolarStereo {
            hemisphere,
            lat_ts,
            lon0,
            e,
            rho_per_t: A * m_c / t_c,
        }
    }

    /// EPSG:3031, WGS 84 / Antarctic Polar Stereographic.
    pub fn antarctic() -> PolarStereo {
        PolarStereo::new(-71.0, 0.0)
    }

    /// EPSG:3413, WGS 84 / NSIDC Sea Ice Polar Stereographic North.
    pub fn arctic() -> PolarStereo {
        PolarStereo::new(70.0, -45.0)
    }

    /// The standard projection for a hemisphere (EPSG:3031 or 3413).
    pub fn for_hemisphere(h: Hemisphere) -> PolarStereo {
        match h {
            Hemisphere::South => PolarStereo::antarctic(),
            Hemisphere::North => PolarStereo::arctic(),
        }
    }

    /// The pole it is centred on.
    pub fn hemisphere(&self) -> Hemisphere {
        self.hemisphere
    }

    /// Its EPSG code.
    pub fn epsg(&self) -> Option<u32> {
        if *self == PolarStereo::antarctic() {
            Some(3031)
        } else if *self == PolarStereo::arctic() {
            Some(3413)
        } else {
            None
        }
    }

    /// Latitude of true scale, degrees.
    pub fn lat_ts(&self) -> f64 {
        self.lat_ts
    }

    /// Central meridian (longitude of origin), degrees.
    pub fn lon0(&self) -> f64 {
        self.lon0
    }

    /// Geodetic (lat, lon) degrees → (x, y) metres (Snyder 21-33, 21-34,
    /// 21-35, 21-36; the south aspect by the sign changes of §21).
    /// Points of the other hemisphere project too, ever farther out; the
    /// opposite pole is at infinity.
    pub fn forward(&self, lat: f64, lon: f64) -> (f64, f64) {
        let s = self.hemisphere.sign();
        let phi = (lat * s).to_radians();
        let rho = self.rho_per_t * t(self.e, phi);
        let dl = (lon - self.lon0).to_radians();
        // North: x = ρ sin Δλ, y = −ρ cos Δλ. South: x = ρ sin Δλ, y = ρ cos Δλ.
        (rho * dl.sin(), -s * rho * dl.cos())
    }

    /// (x, y) metres → geodetic (lat, lon) degrees, lon in (−180, 180]
    /// (Snyder 21-38, 21-39, 7-9 iterated, 20-16).
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let s = self.hemisphere.sign();
        let rho = x.hypot(y);
        let t = rho / self.rho_per_t;
        let e = self.e;
        let mut phi = FRAC_PI_2 - 2.0 * t.atan();
        for _ in 0..15 {
            let es = e * phi.sin();
            let next = FRAC_PI_2 - 2.0 * (t * ((1.0 - es) / (1.0 + es)).powf(e / 2.0)).atan();
            let done = (next - phi).abs() < 1e-14;
            phi = next;
            if done {
                break;
            }
        }
        let lon = if rho == 0.0 {
            self.lon0
        } else {
            self.lon0 + x.atan2(-s * y).to_degrees()
        };
        (s * phi.to_degrees(), wrap_lon(lon))
    }

    /// Point scale factor `k` at a latitude (Snyder 21-32; at the pole
    /// 21-35's limit): ground distance × k = projected distance.
    pub fn scale_factor(&self, lat: f64) -> f64 {
        let e = self.e;
        let phi = (lat * self.hemisphere.sign()).to_radians();
        if (FRAC_PI_2 - phi).abs() < 1e-9 {
            let pole = ((1.0 + e).powf(1.0 + e) * (1.0 - e).powf(1.0 - e)).sqrt();
            return self.rho_per_t * pole / (2.0 * A);
        }
        self.rho_per_t * t(e, phi) / (A * m(e, phi))
    }
}

/// Snyder 14-15: `m = cos φ / sqrt(1 − e² sin² φ)`.
fn m(e: f64, phi: f64) -> f64 {
    phi.cos() / (1.0 - (e * phi.sin()).powi(2)).sqrt()
}

/// Snyder 15-9: `t = tan(π/4 − φ/2) / ((1 − e sin φ)/(1 + e sin φ))^(e/2)`.
fn t(e: f64, phi: f64) -> f64 {
    let es = e * phi.sin();
    (std::f64::consts::FRAC_PI_4 - phi / 2.0).tan() / ((1.0 - es) / (1.0 + es)).powf(e / 2.0)
}

/// Longitude into (−180, 180].
fn wrap_lon(lon: f64) -> f64 {
    let l = lon.rem_euclid(360.0);
    if l > 180.0 { l - 360.0 } else { l }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_scale_latitude_has_unit_scale() {
        let p = PolarStereo::antarctic();
        assert!((p.scale_factor(-71.0) - 1.0).abs() < 1e-12);
        let n = PolarStereo::arctic();
        assert!((n.scale_factor(70.0) - 1.0).abs() < 1e-12);
        // Smaller than one poleward of the true-scale latitude.
        assert!(p.scale_factor(-90.0) < p.scale_factor(-80.0));
        assert!(p.scale_factor(-80.0) < 1.0);
    }

    #[test]
    fn poles_and_axes() {
        let p = PolarStereo::antarctic();
        let (x, y) = p.forward(-90.0, 123.0);
        assert!(x.abs() < 1e-6 && y.abs() < 1e-6);
        // EPSG:3031: Greenwich is +y, 90°E is +x.
        let (x, y) = p.forward(-70.0, 0.0);
        assert!(x.abs() < 1e-6 && y > 0.0);
        let (x, y) = p.forward(-70.0, 90.0);
        assert!(x > 0.0 && y.abs() < 1e-6);
        // EPSG:3413: 45°W is −y (down), 45°E is +x.
        let n = PolarStereo::arctic();
        let (x, y) = n.forward(70.0, -45.0);
        assert!(x.abs() < 1e-6 && y < 0.0);
        let (x, y) = n.forward(70.0, 45.0);
        assert!(x > 0.0 && y.abs() < 1e-6);
        assert_eq!(p.epsg(), Some(3031));
        assert_eq!(n.epsg(), Some(3413));
    }

    #[test]
    fn inverse_round_trips() {
        for p in [PolarStereo::antarctic(), PolarStereo::arctic()] {
            let s = p.hemisphere().sign();
            for lat in [50.0, 60.0, 71.0, 80.0, 88.0, 89.999] {
                for lon in [-179.5, -90.0, -45.0, 0.0, 33.3, 120.0, 180.0] {
                    let (x, y) = p.forward(s * lat, lon);
                    let (la, lo) = p.inverse(x, y);
                    assert!((la - s * lat).abs() < 1e-9, "{lat} {lon}: {la}");
                    let dl = (lo - lon).rem_euclid(360.0);
                    assert!(!(1e-7..=360.0 - 1e-7).contains(&dl), "{lat} {lon}: {lo}");
                }
            }
        }
    }
}
