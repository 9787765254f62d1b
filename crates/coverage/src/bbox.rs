//! Latitude/longitude bounding boxes of footprints, conservative for
//! great-circle edges (an edge bulges poleward of its end points) and for
//! rings around a pole.

use magg_morton as morton;

use crate::error::Error;
use crate::footprint::{Footprint, LatLonBox};
use crate::ring::Ring;
use crate::sphere::{self, Vec3};

/// Points sampled inside each edge for its longitude span.
const EDGE_SAMPLES: usize = 16;

impl Footprint {
    /// The smallest lat/lon box holding the footprint (before any buffer):
    /// geodetic degrees, `west > east` when it crosses 180°, the whole
    /// longitude range when it holds a pole.
    pub fn bounding_box(&self) -> Result<LatLonBox, Error> {
        let mut acc = Acc::default();
        match self {
            Footprint::Polygons(polys) => {
                for p in polys {
                    acc.ring(&p.outer)?;
                }
            }
            Footprint::Lines(lines) => {
                for line in lines {
                    let v: Vec<Vec3> = line.iter().map(|&(la, lo)| kernel(la, lo)).collect();
                    acc.path(&v, false);
                }
            }
            Footprint::Points(points) => {
                let v: Vec<Vec3> = points.iter().map(|&(la, lo)| kernel(la, lo)).collect();
                acc.path(&v, false);
            }
            Footprint::Rectangles(boxes) => {
                for b in boxes {
                    acc.south = acc.south.min(b.south);
                    acc.north = acc.north.max(b.north);
                    let width = (b.east - b.west).rem_euclid(360.0);
                    let n = 64;
                    for i in 0..=n {
                        acc.lons.push(b.west + width * f64::from(i) / f64::from(n));
                    }
                }
            }
        }
        acc.finish()
    }
}

fn kernel(lat: f64, lon: f64) -> Vec3 {
    sphere::unit(morton::geodetic_to_authalic(lat), lon)
}

struct Acc {
    south: f64,
    north: f64,
    lons: Vec<f64>,
    full_lon: bool,
}

impl Default for Acc {
    fn default() -> Acc {
        Acc {
            south: 90.0,
            north: -90.0,
            lons: Vec::new(),
            full_lon: false,
        }
    }
}

impl Acc {
    fn ring(&mut self, ring: &Ring) -> Result<(), Error> {
        self.path(&ring.vertices, true);
        if ring.south_pole_inside()? {
            self.south = -90.0;
            self.full_lon = true;
        }
        if ring.north_pole_inside()? {
            self.north = 90.0;
            self.full_lon = true;
        }
        Ok(())
    }

    fn point(&mut self, v: Vec3) {
        let lat = morton::authalic_to_geodetic(v[2].clamp(-1.0, 1.0).asin().to_degrees());
        self.south = self.south.min(lat);
        self.north = self.north.max(lat);
        self.lons.push(v[1].atan2(v[0]).to_degrees());
    }

    fn path(&mut self, pts: &[Vec3], closed: bool) {
        let len = pts.len();
        for &p in pts {
            self.point(p);
        }
        let edges = if closed { len } else { len.saturating_sub(1) };
        for i in 0..edges {
            let (a, b) = (pts[i], pts[(i + 1) % len]);
            for k in 1..EDGE_SAMPLES {
                let frac = k as f64 / EDGE_SAMPLES as f64;
                let mid = sphere::add(sphere::scale(a, 1.0 - frac), sphere::scale(b, frac));
                if sphere::norm(mid) > 1e-12 {
                    self.point(sphere::normalized(mid));
                }
            }
            // The edge's most poleward points, when inside the edge.
            let axis = sphere::cross(a, b);
            if sphere::norm(axis) < 1e-15 {
                continue;
            }
            let nrm = sphere::normalized(axis);
            for z in [1.0, -1.0] {
                let pole = [0.0, 0.0, z];
                let top = sphere::add(pole, sphere::scale(nrm, -sphere::dot(pole, nrm)));
                if sphere::norm(top) < 1e-15 {
                    continue;
                }
                let top = sphere::normalized(top);
                let inside = sphere::dot(sphere::cross(a, top), nrm) >= 0.0
                    && sphere::dot(sphere::cross(top, b), nrm) >= 0.0;
                if inside {
                    self.point(top);
                }
            }
        }
    }

    fn finish(mut self) -> Result<LatLonBox, Error> {
        if self.lons.is_empty() {
            return Err(Error::Line("empty footprint".to_string()));
        }
        if self.full_lon {
            return Ok(LatLonBox {
                west: -180.0,
                south: self.south,
                east: 180.0,
                north: self.north,
            });
        }
        for l in &mut self.lons {
            *l = l.rem_euclid(360.0);
        }
        self.lons.sort_by(f64::total_cmp);
        // The box is the circle minus its largest empty gap.
        let n = self.lons.len();
        let (mut gap, mut after) = (self.lons[0] + 360.0 - self.lons[n - 1], 0);
        for i in 1..n {
            let g = self.lons[i] - self.lons[i - 1];
            if g > gap {
                gap = g;
                after = i;
            }
        }
        let wrap = |x: f64| if x > 180.0 { x - 360.0 } else { x };
        let west = wrap(self.lons[after]);
        let east = wrap(self.lons[(after + n - 1) % n]);
        Ok(LatLonBox {
            west,
            south: self.south,
            east,
            north: self.north,
        })
    }
}
