//! Region outlines to draw: the regions `magg-catalog` builds shard maps
//! from ([`magg_catalog::regions::region`]: the built-ins or a GeoJSON
//! file), as geodetic rings. The map outlines exactly the polygons the
//! catalog covered, cleaned the same way (GeoJSON's cuts down to a pole
//! are gone).

use magg_coverage::Region;

use crate::error::VizError;
use crate::proj::Hemisphere;

/// A region outline: polygons, each an outer ring followed by its holes,
/// vertices as geodetic (lat, lon) degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// The region's name.
    pub name: String,
    /// Polygons: `[outer, hole, hole, ...]`.
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
}

impl Outline {
    /// A built-in region (`antarctica`, `greenland`; case-insensitive) or
    /// the GeoJSON file at that path, read as `magg catalog --region` reads
    /// it.
    pub fn load(name_or_path: &str) -> Result<Outline, VizError> {
        let region =
            magg_catalog::regions::region(name_or_path).map_err(|e| VizError::Outline {
                name: name_or_path.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Outline::from_region(&region))
    }

    /// Whether `name` is a built-in region.
    pub fn is_builtin(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        magg_catalog::regions::BUILTIN.contains(&lower.as_str())
    }

    /// The outline of a region's polygons (outer rings and holes).
    pub fn from_region(region: &Region) -> Outline {
        Outline {
            name: region.name.clone(),
            polygons: region
                .polygons
                .iter()
                .map(|p| {
                    std::iter::once(&p.outer)
                        .chain(&p.holes)
                        .map(|r| r.vertices().to_vec())
                        .collect()
                })
                .collect(),
        }
    }

    /// The hemisphere most vertices lie in.
    pub fn hemisphere(&self) -> Hemisphere {
        let (mut s, mut n) = (0usize, 0usize);
        for p in self.polygons.iter().flatten().flatten() {
            if p.0 < 0.0 {
                s += 1;
            } else {
                n += 1;
            }
        }
        if s > n {
            Hemisphere::South
        } else {
            Hemisphere::North
        }
    }

    /// Every vertex.
    pub fn vertices(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.polygons.iter().flatten().flatten().copied()
    }

    /// The lines worth stroking: every ring's edges, densified to ≤ 0.5°,
    /// without the artificial ones (edges to a pole and along ±180°, where
    /// GeoJSON cuts rings that go around a pole or cross the antimeridian).
    pub fn stroke_lines(&self) -> Vec<Vec<(f64, f64)>> {
        let mut lines = Vec::new();
        for ring in self.polygons.iter().flatten() {
            let mut current: Vec<(f64, f64)> = Vec::new();
            for i in 0..ring.len() {
                let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                if artificial(a, b) {
                    if current.len() > 1 {
                        lines.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    continue;
                }
                if current.is_empty() {
                    current.push(a);
                }
                current.extend(densify(a, b).into_iter().skip(1));
            }
            if current.len() > 1 {
                lines.push(current);
            }
        }
        lines
    }

    /// The polygons with every edge densified to ≤ 0.5° (for filling).
    pub fn dense_polygons(&self) -> Vec<Vec<Vec<(f64, f64)>>> {
        self.polygons
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .map(|ring| {
                        let mut out = Vec::new();
                        for i in 0..ring.len() {
                            let d = densify(ring[i], ring[(i + 1) % ring.len()]);
                            out.extend_from_slice(&d[..d.len() - 1]);
                        }
                        out
                    })
                    .collect()
            })
            .collect()
    }
}

/// An edge GeoJSON adds to cut a ring: touching a pole, or along ±180°.
fn artificial(a: (f64, f64), b: (f64, f64)) -> bool {
    let pole = |p: (f64, f64)| p.0.abs() > 89.999;
    let cut = |p: (f64, f64)| (p.1.abs() - 180.0).abs() < 1e-6;
    pole(a) || pole(b) || (cut(a) && cut(b))
}

/// Points from `a` to `b` (both included), linear in (lat, lon), ≤ 0.5° apart.
fn densify(a: (f64, f64), b: (f64, f64)) -> Vec<(f64, f64)> {
    let mut dl = b.1 - a.1;
    if dl > 180.0 {
        dl -= 360.0;
    } else if dl < -180.0 {
        dl += 360.0;
    }
    let n = ((b.0 - a.0).abs().max(dl.abs()) / 0.5).ceil().max(1.0) as usize;
    (0..=n)
        .map(|i| {
            let f = i as f64 / n as f64;
            (a.0 + f * (b.0 - a.0), a.1 + f * dl)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load_in_their_hemispheres() {
        let a = Outline::load("Antarctica").unwrap();
        assert_eq!(a.hemisphere(), Hemisphere::South);
        assert!(a.polygons.len() >= 6);
        let g = Outline::load("greenland").unwrap();
        assert_eq!(g.hemisphere(), Hemisphere::North);
        assert!(Outline::is_builtin("GREENLAND"));
        assert!(!Outline::is_builtin("atlantis"));
        let e = Outline::load("atlantis").unwrap_err().to_string();
        assert!(e.contains("atlantis") && e.contains("antarctica"), "{e}");
    }

    #[test]
    fn outline_is_the_catalog_region() {
        let region = magg_catalog::regions::region("antarctica").unwrap();
        let o = Outline::load("antarctica").unwrap();
        assert_eq!(o.name, region.name);
        assert_eq!(o.polygons.len(), region.polygons.len());
        for (rings, p) in o.polygons.iter().zip(&region.polygons) {
            assert_eq!(rings.len(), 1 + p.holes.len());
            assert_eq!(rings[0], p.outer.vertices());
        }
    }

    #[test]
    fn cut_edges_are_gone_and_not_stroked() {
        let a = Outline::load("antarctica").unwrap();
        for line in a.stroke_lines() {
            for w in line.windows(2) {
                assert!(!artificial(w[0], w[1]), "{w:?}");
            }
        }
        // Natural Earth's ring runs down 180° to the pole and back up: the
        // region's rings drop that spike.
        assert!(
            a.vertices().all(|p| p.0 > -89.999),
            "the pole cut survived in the region's ring"
        );
    }

    #[test]
    fn unreadable_or_bad_files_are_errors_naming_them() {
        let e = Outline::load("no/such/region.geojson")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no/such/region.geojson"), "{e}");
        let dir = std::env::temp_dir().join(format!("magg-viz-outline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("point.geojson");
        std::fs::write(&path, r#"{"type":"Point","coordinates":[0,0]}"#).unwrap();
        let e = Outline::load(path.to_str().unwrap())
            .unwrap_err()
            .to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(e.contains("point.geojson") && e.contains("Point"), "{e}");
    }
}
