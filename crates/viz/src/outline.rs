//! Region outlines to draw: the built-in regions (the same GeoJSON files
//! `magg-catalog` builds shard maps from) or any GeoJSON Polygon /
//! MultiPolygon file, as geodetic rings.

use serde_json::Value;

use crate::error::VizError;
use crate::proj::Hemisphere;

/// The built-in regions, by name: the files `magg_catalog::regions` embeds.
const BUILTIN: [(&str, &str); 2] = [
    (
        "antarctica",
        include_str!("../../catalog/regions/antarctica.geojson"),
    ),
    (
        "greenland",
        include_str!("../../catalog/regions/greenland.geojson"),
    ),
];

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
    /// the GeoJSON file at that path.
    pub fn load(name_or_path: &str) -> Result<Outline, VizError> {
        let lower = name_or_path.to_ascii_lowercase();
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == lower) {
            return Outline::from_geojson(name, text);
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|e| VizError::Outline {
            name: name_or_path.to_string(),
            reason: format!(
                "not a built-in region (antarctica, greenland) and not a readable GeoJSON file: {e}"
            ),
        })?;
        Outline::from_geojson(name_or_path, &text)
    }

    /// Whether `name` is a built-in region.
    pub fn is_builtin(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        BUILTIN.iter().any(|(n, _)| *n == lower)
    }

    /// Parses GeoJSON (a FeatureCollection, Feature, Polygon or
    /// MultiPolygon; other geometries are ignored).
    pub fn from_geojson(name: &str, text: &str) -> Result<Outline, VizError> {
        let bad = |reason: String| VizError::Outline {
            name: name.to_string(),
            reason,
        };
        let doc: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let mut polygons = Vec::new();
        collect(&doc, &mut polygons).map_err(bad)?;
        if polygons.is_empty() {
            return Err(bad("no Polygon or MultiPolygon geometry".into()));
        }
        Ok(Outline {
            name: name.to_string(),
            polygons,
        })
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

fn collect(v: &Value, out: &mut Vec<Vec<Vec<(f64, f64)>>>) -> Result<(), String> {
    match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            for f in v
                .get("features")
                .and_then(Value::as_array)
                .ok_or("FeatureCollection without features")?
            {
                collect(f, out)?;
            }
        }
        Some("Feature") => {
            if let Some(g) = v.get("geometry").filter(|g| !g.is_null()) {
                collect(g, out)?;
            }
        }
        Some("Polygon") => out.push(polygon(coordinates(v)?)?),
        Some("MultiPolygon") => {
            for p in coordinates(v)?
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?
            {
                out.push(polygon(p)?);
            }
        }
        _ => {}
    }
    Ok(())
}

fn coordinates(v: &Value) -> Result<&Value, String> {
    v.get("coordinates")
        .ok_or_else(|| "geometry without coordinates".to_string())
}

fn polygon(v: &Value) -> Result<Vec<Vec<(f64, f64)>>, String> {
    let rings = v.as_array().ok_or("polygon is not an array of rings")?;
    rings
        .iter()
        .map(|ring| {
            ring.as_array()
                .ok_or("ring is not an array")?
                .iter()
                .map(|p| {
                    let lon = p.get(0).and_then(Value::as_f64);
                    let lat = p.get(1).and_then(Value::as_f64);
                    match (lat, lon) {
                        (Some(lat), Some(lon)) if lat.abs() <= 90.0 && lon.is_finite() => {
                            Ok((lat, lon))
                        }
                        _ => Err(format!("bad position {p}")),
                    }
                })
                .collect()
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
        let e = Outline::load("atlantis").unwrap_err().to_string();
        assert!(e.contains("atlantis") && e.contains("antarctica"), "{e}");
    }

    #[test]
    fn cut_edges_are_not_stroked() {
        let a = Outline::load("antarctica").unwrap();
        for line in a.stroke_lines() {
            for w in line.windows(2) {
                assert!(!artificial(w[0], w[1]), "{w:?}");
            }
        }
        // Natural Earth's ring runs down 180° to the pole and back up.
        assert!(
            a.vertices().any(|p| p.0 == -90.0),
            "expected the pole cut in the source ring"
        );
    }

    #[test]
    fn rejects_bad_geojson() {
        assert!(Outline::from_geojson("x", "{").is_err());
        assert!(Outline::from_geojson("x", r#"{"type":"Point","coordinates":[0,0]}"#).is_err());
        let bad = r#"{"type":"Polygon","coordinates":[[[0,95],[1,0],[2,0]]]}"#;
        assert!(
            Outline::from_geojson("x", bad)
                .unwrap_err()
                .to_string()
                .contains("bad position")
        );
    }
}
