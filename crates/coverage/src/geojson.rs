//! GeoJSON (RFC 7946) Polygon / MultiPolygon input, bare or wrapped in a
//! Feature, FeatureCollection or GeometryCollection.
//!
//! Positions are `[lon, lat]` in degrees (geodetic). The first ring of a
//! polygon is its exterior, the others are holes; every ring takes the
//! [`Interior`] rule given (default: the smaller side, so either winding
//! works, as RFC 7946 §3.1.6 asks parsers to accept).

use serde_json::Value;

use crate::error::Error;
use crate::region::{Polygon, Region};
use crate::ring::{Interior, Ring};

impl Region {
    /// Parses GeoJSON text into a region named `name`. Exteriors take the
    /// rule `exterior`; holes always take the smaller side.
    pub fn from_geojson(name: &str, text: &str, exterior: Interior) -> Result<Region, Error> {
        let doc: Value = serde_json::from_str(text).map_err(|e| Error::GeoJson {
            what: name.to_string(),
            reason: format!("not JSON: {e}"),
        })?;
        let mut polygons = Vec::new();
        collect(&doc, name, exterior, &mut polygons)?;
        if polygons.is_empty() {
            return Err(Error::GeoJson {
                what: name.to_string(),
                reason: "no Polygon or MultiPolygon found".to_string(),
            });
        }
        Ok(Region::new(name, polygons))
    }
}

fn bad(what: &str, reason: impl Into<String>) -> Error {
    Error::GeoJson {
        what: what.to_string(),
        reason: reason.into(),
    }
}

fn collect(v: &Value, what: &str, ext: Interior, out: &mut Vec<Polygon>) -> Result<(), Error> {
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(what, "object without a string \"type\""))?;
    match kind {
        "FeatureCollection" => {
            let features = v
                .get("features")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(what, "FeatureCollection without \"features\" array"))?;
            for (i, f) in features.iter().enumerate() {
                collect(f, &format!("{what}.features[{i}]"), ext, out)?;
            }
        }
        "Feature" => match v.get("geometry") {
            Some(Value::Null) | None => {}
            Some(g) => collect(g, &format!("{what}.geometry"), ext, out)?,
        },
        "GeometryCollection" => {
            let geoms = v
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(what, "GeometryCollection without \"geometries\""))?;
            for (i, g) in geoms.iter().enumerate() {
                collect(g, &format!("{what}.geometries[{i}]"), ext, out)?;
            }
        }
        "Polygon" => out.push(polygon(coords(v, what)?, what, ext)?),
        "MultiPolygon" => {
            let parts = coords(v, what)?
                .as_array()
                .ok_or_else(|| bad(what, "MultiPolygon coordinates are not an array"))?;
            for (i, p) in parts.iter().enumerate() {
                out.push(polygon(p, &format!("{what}.coordinates[{i}]"), ext)?);
            }
        }
        other => {
            return Err(bad(
                what,
                format!("geometry type {other} is not a region (want Polygon or MultiPolygon)"),
            ));
        }
    }
    Ok(())
}

fn coords<'a>(v: &'a Value, what: &str) -> Result<&'a Value, Error> {
    v.get("coordinates")
        .ok_or_else(|| bad(what, "geometry without \"coordinates\""))
}

fn polygon(v: &Value, what: &str, ext: Interior) -> Result<Polygon, Error> {
    let rings = v
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| bad(what, "polygon is not a non-empty array of rings"))?;
    let mut parsed = Vec::with_capacity(rings.len());
    for (i, r) in rings.iter().enumerate() {
        let name = format!("{what}[{i}]");
        let pts = positions(r, &name)?;
        let rule = if i == 0 { ext } else { Interior::Smaller };
        parsed.push(Ring::new(&name, &pts, rule)?);
    }
    let outer = parsed.remove(0);
    Ok(Polygon {
        outer,
        holes: parsed,
    })
}

/// `[[lon, lat], ...]` → `[(lat, lon), ...]`.
fn positions(v: &Value, what: &str) -> Result<Vec<(f64, f64)>, Error> {
    let arr = v
        .as_array()
        .ok_or_else(|| bad(what, "ring is not an array of positions"))?;
    arr.iter()
        .enumerate()
        .map(|(i, p)| {
            let lon = p.get(0).and_then(Value::as_f64);
            let lat = p.get(1).and_then(Value::as_f64);
            match (lat, lon) {
                (Some(lat), Some(lon)) => Ok((lat, lon)),
                _ => Err(bad(what, format!("position {i} is not [lon, lat]"))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_with_hole_and_multipolygon_parse() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[
            [[0,0],[10,0],[10,10],[0,10],[0,0]],
            [[2,2],[2,8],[8,8],[8,2],[2,2]]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[
            [[[20,0],[30,0],[25,5],[20,0]]],
            [[[40,0],[50,0],[45,5],[40,0]]]]}}]}"#;
        let r = Region::from_geojson("t", text, Interior::Smaller).unwrap();
        assert_eq!(r.polygons.len(), 3);
        assert_eq!(r.polygons[0].holes.len(), 1);
    }

    #[test]
    fn errors_name_the_place() {
        let e = Region::from_geojson(
            "f",
            r#"{"type":"Point","coordinates":[0,0]}"#,
            Interior::Smaller,
        )
        .unwrap_err();
        assert!(e.to_string().contains("Point"), "{e}");
        let e = Region::from_geojson(
            "f",
            r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,"x"],[1,1]]]}}"#,
            Interior::Smaller,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("f.geometry[0]") && e.to_string().contains("position 1"),
            "{e}"
        );
    }
}
