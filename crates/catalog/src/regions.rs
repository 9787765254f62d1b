//! Regions by name: the built-in outlines, or a GeoJSON file.
//!
//! - `antarctica`: the project's return mask (`shared/data/antarctica.geojson`):
//!   Natural Earth 1:110m Antarctica (public domain, grounded ice, south of
//!   60°S) plus hand-approximated Ross, Ronne-Filchner, Amery and Larsen C
//!   ice shelves. Provenance in the crate README.
//! - `greenland`: Natural Earth 1:110m Admin-0 "Greenland" (public domain),
//!   from the `naturalearth_lowres` fixture of the geopandas 0.14.4 wheel.
//!
//! Ring interiors are the smaller side, so either winding works. Rings of a
//! GeoJSON file must be closed and must not cross themselves.

use std::path::Path;

use magg_coverage::{Interior, Region};

use crate::error::Error;

const ANTARCTICA: &str = include_str!("../regions/antarctica.geojson");
const GREENLAND: &str = include_str!("../regions/greenland.geojson");

/// Names of the built-in regions.
pub const BUILTIN: [&str; 2] = ["antarctica", "greenland"];

/// A built-in region by name (case-insensitive), or the GeoJSON file at
/// that path. The region is named after the built-in or the file name.
pub fn region(name_or_path: &str) -> Result<Region, Error> {
    let builtin = match name_or_path.to_ascii_lowercase().as_str() {
        "antarctica" => Some(("antarctica", ANTARCTICA)),
        "greenland" => Some(("greenland", GREENLAND)),
        _ => None,
    };
    if let Some((name, text)) = builtin {
        return Ok(Region::from_geojson(name, text, Interior::Smaller)?);
    }
    let path = Path::new(name_or_path);
    let text = std::fs::read_to_string(path).map_err(|e| Error::Region {
        name: name_or_path.to_string(),
        reason: format!(
            "not a built-in region ({}) and not a readable GeoJSON file: {e}",
            BUILTIN.join(", ")
        ),
    })?;
    let name = path.file_name().map_or_else(
        || name_or_path.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    // User files are held to RFC 7946: closed, non-self-intersecting rings.
    if let Ok(doc) = serde_json::from_str(&text) {
        crate::rings::check(&doc).map_err(|reason| Error::Region {
            name: name_or_path.to_string(),
            reason,
        })?;
    }
    Ok(Region::from_geojson(&name, &text, Interior::Smaller)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_have_plausible_areas() {
        let a = region("Antarctica").unwrap();
        assert_eq!(a.name, "antarctica");
        let g = region("greenland").unwrap();
        // Natural Earth 1:110m Greenland: ~2.1 M km² (real 2.17 M km²).
        let area = g.area_km2().unwrap();
        assert!((1.9e6..2.4e6).contains(&area), "{area}");
        assert!(a.area_km2().unwrap() > 12.0e6);
    }

    #[test]
    fn unknown_names_say_what_exists() {
        let e = region("atlantis").unwrap_err().to_string();
        assert!(e.contains("atlantis") && e.contains("greenland"), "{e}");
    }
}
