//! Colour maps and the value → colour scale.
//!
//! Perceptually uniform sequential maps (`viridis`, `cividis`, the latter
//! readable with colour-vision deficiency) for fields, and a diverging map
//! (ColorBrewer `RdBu`, blue low, red high) for differences, centred on 0.

use std::fmt;
use std::str::FromStr;

use crate::cmap_tables::{CIVIDIS, RDBU_R, VIRIDIS};

/// A colour map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Colormap {
    /// matplotlib's `viridis` (default).
    #[default]
    Viridis,
    /// matplotlib's `cividis`.
    Cividis,
    /// ColorBrewer `RdBu`, reversed: blue (low) → white → red (high).
    Diverging,
}

impl Colormap {
    /// Every map, with its name.
    pub const ALL: [(&'static str, Colormap); 3] = [
        ("viridis", Colormap::Viridis),
        ("cividis", Colormap::Cividis),
        ("diverging", Colormap::Diverging),
    ];

    /// The colour at `t` in `[0, 1]` (clamped; NaN gives the low end).
    pub fn at(self, t: f64) -> [u8; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            Colormap::Viridis => bin(&VIRIDIS, t),
            Colormap::Cividis => bin(&CIVIDIS, t),
            Colormap::Diverging => interpolate(&RDBU_R, t),
        }
    }

    /// Whether the map is meant for values centred on zero.
    pub fn is_diverging(self) -> bool {
        self == Colormap::Diverging
    }
}

impl fmt::Display for Colormap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Colormap::ALL
            .iter()
            .find(|(_, c)| c == self)
            .map_or("?", |(n, _)| n);
        f.write_str(name)
    }
}

impl FromStr for Colormap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Colormap::ALL
            .iter()
            .find(|(n, _)| *n == lower || (lower == "rdbu" && *n == "diverging"))
            .map(|(_, c)| *c)
            .ok_or_else(|| {
                let names: Vec<&str> = Colormap::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown colour map {s:?} (one of {})", names.join(", "))
            })
    }
}

/// matplotlib's rule for a listed map: entry `floor(t · N)`, the last
/// entry at `t = 1`.
fn bin(table: &[[u8; 3]], t: f64) -> [u8; 3] {
    table[((t * table.len() as f64) as usize).min(table.len() - 1)]
}

/// Linear interpolation between evenly spaced stops.
fn interpolate(table: &[[u8; 3]], t: f64) -> [u8; 3] {
    let pos = t * (table.len() - 1) as f64;
    let i = (pos.floor() as usize).min(table.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (table[i], table[i + 1]);
    [0, 1, 2].map(|k| (f64::from(a[k]) + f * (f64::from(b[k]) - f64::from(a[k]))).round() as u8)
}

/// A value range mapped onto a colour map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorScale {
    /// The map.
    pub cmap: Colormap,
    /// Value at the low end.
    pub vmin: f64,
    /// Value at the high end.
    pub vmax: f64,
}

impl ColorScale {
    /// The colour of a value (values outside the range take the end colours).
    pub fn color(&self, v: f64) -> [u8; 3] {
        self.cmap.at(self.fraction(v))
    }

    /// Where `v` lies in the range, 0..1 (unclamped).
    pub fn fraction(&self, v: f64) -> f64 {
        let span = self.vmax - self.vmin;
        if span > 0.0 {
            (v - self.vmin) / span
        } else {
            0.5
        }
    }

    /// A robust default range for `values` (finite ones only): the 2nd to
    /// 98th percentile, symmetric about zero for a diverging map; a
    /// degenerate range is widened so the scale still has ticks. `None`
    /// when no value is finite.
    pub fn fit(cmap: Colormap, values: &[f64]) -> Option<ColorScale> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        let (mut lo, mut hi) = (pick(0.02), pick(0.98));
        if cmap.is_diverging() {
            let m = lo.abs().max(hi.abs());
            (lo, hi) = (-m, m);
        }
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo, hi) = (lo - pad, hi + pad);
        }
        Some(ColorScale {
            cmap,
            vmin: lo,
            vmax: hi,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(c: [u8; 3]) -> String {
        format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
    }

    #[test]
    fn matches_published_values() {
        // matplotlib's documented ends and middle of viridis and cividis.
        assert_eq!(hex(Colormap::Viridis.at(0.0)), "#440154");
        assert_eq!(hex(Colormap::Viridis.at(0.5)), "#21918c");
        assert_eq!(hex(Colormap::Viridis.at(1.0)), "#fde725");
        assert_eq!(hex(Colormap::Cividis.at(0.0)), "#00224e");
        assert_eq!(hex(Colormap::Cividis.at(1.0)), "#fee838");
        // ColorBrewer RdBu: #053061 … #f7f7f7 … #67001f.
        assert_eq!(hex(Colormap::Diverging.at(0.0)), "#053061");
        assert_eq!(hex(Colormap::Diverging.at(0.5)), "#f7f7f7");
        assert_eq!(hex(Colormap::Diverging.at(1.0)), "#67001f");
    }

    #[test]
    fn sequential_maps_get_lighter() {
        for cmap in [Colormap::Viridis, Colormap::Cividis] {
            let lum = |c: [u8; 3]| {
                0.2126 * f64::from(c[0]) + 0.7152 * f64::from(c[1]) + 0.0722 * f64::from(c[2])
            };
            let mut last = -1.0;
            for i in 0..=20 {
                let l = lum(cmap.at(f64::from(i) / 20.0));
                assert!(l > last, "{cmap} not monotonic at {i}");
                last = l;
            }
        }
    }

    #[test]
    fn fit_is_robust_and_symmetric_when_diverging() {
        let mut v: Vec<f64> = (0..1000).map(f64::from).collect();
        v.push(1e9);
        v.push(f64::NAN);
        let s = ColorScale::fit(Colormap::Viridis, &v).unwrap();
        assert!(
            (s.vmin - 20.0).abs() < 1.0 && (s.vmax - 980.0).abs() < 2.0,
            "{s:?}"
        );
        let d: Vec<f64> = (0..100).map(|i| f64::from(i) - 30.0).collect();
        let s = ColorScale::fit(Colormap::Diverging, &d).unwrap();
        assert_eq!(s.vmin, -s.vmax);
        let flat = ColorScale::fit(Colormap::Viridis, &[5.0, 5.0]).unwrap();
        assert!(flat.vmin < 5.0 && flat.vmax > 5.0);
        assert!(ColorScale::fit(Colormap::Viridis, &[f64::NAN]).is_none());
        assert_eq!("RdBu".parse::<Colormap>(), Ok(Colormap::Diverging));
        assert!("jet".parse::<Colormap>().unwrap_err().contains("viridis"));
    }
}
