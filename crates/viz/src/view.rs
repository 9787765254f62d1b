//! The map window: which projected rectangle (metres) fills which pixel
//! rectangle, and how extents (data, a lat/lon box, an outline) become that
//! rectangle.

use crate::canvas::Rect;
use crate::proj::PolarStereo;

/// A projected bounding box, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxM {
    /// Smallest x.
    pub x0: f64,
    /// Smallest y.
    pub y0: f64,
    /// Largest x.
    pub x1: f64,
    /// Largest y.
    pub y1: f64,
}

impl BoxM {
    /// The box around `points` (`None` when there is no finite point).
    pub fn around(points: impl IntoIterator<Item = (f64, f64)>) -> Option<BoxM> {
        let mut b: Option<BoxM> = None;
        for (x, y) in points {
            if !x.is_finite() || !y.is_finite() {
                continue;
            }
            b = Some(match b {
                None => BoxM {
                    x0: x,
                    y0: y,
                    x1: x,
                    y1: y,
                },
                Some(b) => BoxM {
                    x0: b.x0.min(x),
                    y0: b.y0.min(y),
                    x1: b.x1.max(x),
                    y1: b.y1.max(y),
                },
            });
        }
        b
    }

    /// The box grown by `frac` of its larger side on every side, and to at
    /// least `min_size` metres across.
    #[must_use]
    pub fn padded(self, frac: f64, min_size: f64) -> BoxM {
        let pad = frac * (self.x1 - self.x0).max(self.y1 - self.y0);
        let (cx, cy) = (
            f64::midpoint(self.x0, self.x1),
            f64::midpoint(self.y0, self.y1),
        );
        let hw = ((self.x1 - self.x0) / 2.0 + pad).max(min_size / 2.0);
        let hh = ((self.y1 - self.y0) / 2.0 + pad).max(min_size / 2.0);
        BoxM {
            x0: cx - hw,
            y0: cy - hh,
            x1: cx + hw,
            y1: cy + hh,
        }
    }
}

/// A geographic box, degrees. `west > east` crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLonBox {
    /// Western longitude.
    pub west: f64,
    /// Southern latitude.
    pub south: f64,
    /// Eastern longitude.
    pub east: f64,
    /// Northern latitude.
    pub north: f64,
}

impl LatLonBox {
    /// Parses `W,S,E,N` (degrees).
    pub fn parse(s: &str) -> Result<LatLonBox, String> {
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("bounding box {s:?}: {e} (expected W,S,E,N in degrees)"))?;
        let [west, south, east, north] = v[..] else {
            return Err(format!(
                "bounding box {s:?}: expected 4 numbers W,S,E,N, got {}",
                v.len()
            ));
        };
        let ok_lat = |l: f64| (-90.0..=90.0).contains(&l);
        let ok_lon = |l: f64| (-180.0..=360.0).contains(&l);
        if !(ok_lat(south) && ok_lat(north) && ok_lon(west) && ok_lon(east)) || south >= north {
            return Err(format!(
                "bounding box {s:?}: need -90 <= S < N <= 90 and longitudes in [-180, 360]"
            ));
        }
        Ok(LatLonBox {
            west,
            south,
            east,
            north,
        })
    }

    /// Points along the box's edges (parallels and meridians), every ≤ 0.5°.
    pub fn outline_points(&self) -> Vec<(f64, f64)> {
        let east = if self.east < self.west {
            self.east + 360.0
        } else {
            self.east
        };
        let steps = |a: f64, b: f64| ((b - a).abs() / 0.5).ceil().max(1.0) as usize;
        let mut pts = Vec::new();
        let nl = steps(self.west, east);
        for i in 0..=nl {
            let lon = self.west + (east - self.west) * i as f64 / nl as f64;
            pts.push((self.south, lon));
            pts.push((self.north, lon));
        }
        let nt = steps(self.south, self.north);
        for i in 0..=nt {
            let lat = self.south + (self.north - self.south) * i as f64 / nt as f64;
            pts.push((lat, self.west));
            pts.push((lat, east));
        }
        pts
    }

    /// The box's middle latitude.
    pub fn mid_lat(&self) -> f64 {
        f64::midpoint(self.south, self.north)
    }
}

/// A projected window drawn into a pixel panel (same scale on both axes;
/// north-up in the projection's sense: +y is up on the page).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// The projection.
    pub proj: PolarStereo,
    /// The projected window (aspect matches `panel`).
    pub window: BoxM,
    /// The pixel panel it fills.
    pub panel: Rect,
}

impl View {
    /// A view showing at least `window`, grown along one axis to the
    /// panel's aspect ratio.
    pub fn fit(proj: PolarStereo, window: BoxM, panel: Rect) -> View {
        let (w, h) = (window.x1 - window.x0, window.y1 - window.y0);
        let scale = (w / panel.width()).max(h / panel.height());
        let (cx, cy) = (
            f64::midpoint(window.x0, window.x1),
            f64::midpoint(window.y0, window.y1),
        );
        let (hw, hh) = (scale * panel.width() / 2.0, scale * panel.height() / 2.0);
        View {
            proj,
            window: BoxM {
                x0: cx - hw,
                y0: cy - hh,
                x1: cx + hw,
                y1: cy + hh,
            },
            panel,
        }
    }

    /// Metres per pixel.
    pub fn metres_per_px(&self) -> f64 {
        (self.window.x1 - self.window.x0) / self.panel.width()
    }

    /// Projected metres → pixel position.
    pub fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        let s = self.metres_per_px();
        (
            self.panel.x0 + (x - self.window.x0) / s,
            self.panel.y0 + (self.window.y1 - y) / s,
        )
    }

    /// Pixel position → projected metres.
    pub fn to_xy(&self, px: f64, py: f64) -> (f64, f64) {
        let s = self.metres_per_px();
        (
            self.window.x0 + (px - self.panel.x0) * s,
            self.window.y1 - (py - self.panel.y0) * s,
        )
    }

    /// An ESRI world file of the image (`.pgw` beside a PNG): pixel size
    /// in x, two zero rotations, pixel size in y (negative: rows go south),
    /// and the projected centre of the top-left pixel, so GDAL / QGIS /
    /// rasterio place the image in the view's projection.
    pub fn world_file(&self) -> String {
        let s = self.metres_per_px();
        let (x, y) = self.to_xy(0.5, 0.5);
        format!("{s}\n0\n0\n{}\n{x}\n{y}\n", -s)
    }

    /// Geodetic (lat, lon) → pixel position.
    pub fn geo_to_px(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (x, y) = self.proj.forward(lat, lon);
        self.to_px(x, y)
    }

    /// The geodetic (lat, lon) under a pixel position.
    pub fn px_to_geo(&self, px: f64, py: f64) -> (f64, f64) {
        let (x, y) = self.to_xy(px, py);
        self.proj.inverse(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_round_trips_and_keeps_aspect() {
        let panel = Rect {
            x0: 10.0,
            y0: 20.0,
            x1: 410.0,
            y1: 220.0,
        };
        let b = BoxM {
            x0: -1000.0,
            y0: -1000.0,
            x1: 1000.0,
            y1: 1000.0,
        };
        let v = View::fit(PolarStereo::antarctic(), b, panel);
        assert!((v.metres_per_px() - 10.0).abs() < 1e-12);
        assert_eq!(v.to_px(0.0, 0.0), (210.0, 120.0));
        let (x, y) = v.to_xy(50.0, 60.0);
        assert_eq!(v.to_px(x, y), (50.0, 60.0));
        // +y is up the page.
        assert!(v.to_px(0.0, 500.0).1 < v.to_px(0.0, 0.0).1);
    }

    #[test]
    fn boxes_parse_and_outline() {
        let b = LatLonBox::parse("60,-80,80, -65").unwrap();
        assert_eq!(b.south, -80.0);
        assert!(LatLonBox::parse("1,2,3").is_err());
        assert!(LatLonBox::parse("0,-60,10,-70").is_err());
        let wrap = LatLonBox::parse("170,-80,-170,-70").unwrap();
        let pts = wrap.outline_points();
        assert!(pts.iter().all(|p| p.1 >= 170.0 && p.1 <= 190.0));
        let padded = BoxM::around(pts.iter().map(|p| (p.1, p.0)))
            .unwrap()
            .padded(0.0, 100.0);
        assert!(padded.y1 - padded.y0 >= 100.0);
    }
}
