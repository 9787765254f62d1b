//! UMM-G JSON (CMR's `granules.umm_json`) → granule records with
//! footprints.
//!
//! Shape read (CMR UMM-G 1.6): `items[].meta["concept-id"]`,
//! `items[].umm.GranuleUR`, `umm.DataGranule.Identifiers[]`
//! (`ProducerGranuleId`), `umm.TemporalExtent.RangeDateTime`,
//! `umm.RelatedUrls[]` (`Type` `GET DATA` → https, `GET DATA VIA DIRECT
//! ACCESS` → s3), and `umm.SpatialExtent.HorizontalSpatialDomain.Geometry`
//! with `GPolygons[].Boundary.Points[]{Longitude, Latitude}` (+
//! `ExclusiveZone.Boundaries[]` holes), `Lines[].Points[]`,
//! `BoundingRectangles[]` and `Points[]`.

use magg_coverage::{Footprint, Interior, LatLonBox, Polygon, Ring};
use serde_json::Value;

use crate::build::FootprintGranule;
use crate::granule::{GranuleRef, GranuleUrls};

/// Parses one page; on error, says which item and what is wrong.
pub fn parse_page(body: &[u8]) -> Result<Vec<FootprintGranule>, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .ok_or("no \"items\" array")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_item(item).map_err(|e| format!("items[{i}]: {e}")))
        .collect()
}

fn parse_item(item: &Value) -> Result<FootprintGranule, String> {
    let umm = item.get("umm").ok_or("no \"umm\" object")?;
    let ur = umm.get("GranuleUR").and_then(Value::as_str);
    let producer = umm
        .pointer("/DataGranule/Identifiers")
        .and_then(Value::as_array)
        .and_then(|ids| {
            ids.iter().find(|x| {
                x.get("IdentifierType").and_then(Value::as_str) == Some("ProducerGranuleId")
            })
        })
        .and_then(|x| x.get("Identifier"))
        .and_then(Value::as_str);
    let id = producer
        .or(ur)
        .ok_or("neither GranuleUR nor a ProducerGranuleId")?
        .to_string();
    let (footprint, bbox) = footprint(umm).map_err(|e| format!("{id}: {e}"))?;
    let urls = urls(umm);
    if urls.s3.is_none() && urls.https.is_none() {
        return Err(format!("{id}: no GET DATA URL in RelatedUrls"));
    }
    let time = |k: &str| {
        umm.pointer(&format!("/TemporalExtent/RangeDateTime/{k}"))
            .and_then(Value::as_str)
            .map(String::from)
    };
    let granule = GranuleRef {
        id,
        urls,
        bbox: bbox.into(),
        time_start: time("BeginningDateTime"),
        time_end: time("EndingDateTime"),
        concept_id: item
            .pointer("/meta/concept-id")
            .and_then(Value::as_str)
            .map(String::from),
        window: 0,
    };
    Ok(FootprintGranule { granule, footprint })
}

/// The data URLs: the first `.h5` (else first) URL of each access type.
fn urls(umm: &Value) -> GranuleUrls {
    let mut out = GranuleUrls::default();
    let Some(list) = umm.get("RelatedUrls").and_then(Value::as_array) else {
        return out;
    };
    let pick = |kind: &str, scheme: &str| {
        let mut cands = list.iter().filter_map(|u| {
            let t = u.get("Type").and_then(Value::as_str)?;
            let url = u.get("URL").and_then(Value::as_str)?;
            (t == kind && url.starts_with(scheme)).then_some(url)
        });
        let all: Vec<&str> = cands.by_ref().collect();
        all.iter()
            .find(|u| u.to_ascii_lowercase().ends_with(".h5"))
            .or(all.first())
            .map(|s| (*s).to_string())
    };
    out.https = pick("GET DATA", "https://");
    out.s3 = pick("GET DATA VIA DIRECT ACCESS", "s3://");
    out
}

fn num(v: &Value, k: &str) -> Result<f64, String> {
    v.get(k)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("missing number {k}"))
}

/// `[{Longitude, Latitude}]` → `[(lat, lon)]`.
fn points(v: &Value) -> Result<Vec<(f64, f64)>, String> {
    v.as_array()
        .ok_or("Points is not an array")?
        .iter()
        .map(|p| Ok((num(p, "Latitude")?, num(p, "Longitude")?)))
        .collect()
}

fn footprint(umm: &Value) -> Result<(Footprint, LatLonBox), String> {
    let geom = umm
        .pointer("/SpatialExtent/HorizontalSpatialDomain/Geometry")
        .ok_or("no SpatialExtent.HorizontalSpatialDomain.Geometry")?;
    let arr = |k: &str| {
        geom.get(k)
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
    };
    let fp = if let Some(polys) = arr("GPolygons") {
        let mut out = Vec::new();
        for (i, p) in polys.iter().enumerate() {
            let name = format!("GPolygons[{i}]");
            let outer = points(
                p.pointer("/Boundary/Points")
                    .ok_or("GPolygon without Boundary")?,
            )?;
            let outer = Ring::new(&name, &outer, Interior::Smaller).map_err(|e| e.to_string())?;
            let mut holes = Vec::new();
            if let Some(hs) = p
                .pointer("/ExclusiveZone/Boundaries")
                .and_then(Value::as_array)
            {
                for (j, h) in hs.iter().enumerate() {
                    let pts = points(h.get("Points").ok_or("hole without Points")?)?;
                    let hole = Ring::new(&format!("{name}.hole[{j}]"), &pts, Interior::Smaller)
                        .map_err(|e| e.to_string())?;
                    holes.push(hole);
                }
            }
            out.push(Polygon { outer, holes });
        }
        Footprint::Polygons(out)
    } else if let Some(lines) = arr("Lines") {
        let lines = lines
            .iter()
            .map(|l| points(l.get("Points").ok_or("Line without Points")?))
            .collect::<Result<_, String>>()?;
        Footprint::Lines(lines)
    } else if let Some(rects) = arr("BoundingRectangles") {
        let boxes = rects
            .iter()
            .map(|r| {
                Ok(LatLonBox {
                    west: num(r, "WestBoundingCoordinate")?,
                    south: num(r, "SouthBoundingCoordinate")?,
                    east: num(r, "EastBoundingCoordinate")?,
                    north: num(r, "NorthBoundingCoordinate")?,
                })
            })
            .collect::<Result<_, String>>()?;
        Footprint::Rectangles(boxes)
    } else if let Some(pts) = arr("Points") {
        Footprint::Points(points(&Value::Array(pts.clone()))?)
    } else {
        return Err("Geometry has no GPolygons, Lines, BoundingRectangles or Points".to_string());
    };
    let bbox = fp.bounding_box().map_err(|e| e.to_string())?;
    Ok((fp, bbox))
}
