//! Granule records: what a shard map says about one granule file.

use serde::{Deserialize, Serialize};

use magg_coverage::LatLonBox;

/// Where a granule can be read from. At least one is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GranuleUrls {
    /// `s3://` URL (in-region direct access).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<String>,
    /// `https://` URL (Earthdata download).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https: Option<String>,
    /// A local path or `file://` URL (granules on disk, `--granules`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Which URL a reader prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Local file, else S3, else HTTPS (a worker in the data's region).
    Direct,
    /// Local file, else HTTPS, else S3 (outside the data's region).
    Https,
}

impl GranuleUrls {
    /// The URL to read under `access`, if any.
    pub fn pick(&self, access: Access) -> Option<&str> {
        let (a, b) = match access {
            Access::Direct => (&self.s3, &self.https),
            Access::Https => (&self.https, &self.s3),
        };
        self.file.as_deref().or(a.as_deref()).or(b.as_deref())
    }
}

/// A footprint's bounding box, geodetic degrees; `west > east` crosses 180°.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// Western longitude.
    pub west: f64,
    /// Southern latitude.
    pub south: f64,
    /// Eastern longitude.
    pub east: f64,
    /// Northern latitude.
    pub north: f64,
}

impl BBox {
    /// The box widened outward to a multiple of 1e-7° (~1 cm): short
    /// decimals that survive a JSON round trip bit for bit.
    #[must_use]
    pub fn rounded(self) -> BBox {
        let down = |x: f64| (x * 1e7).floor() / 1e7;
        let up = |x: f64| (x * 1e7).ceil() / 1e7;
        BBox {
            west: down(self.west).max(-180.0),
            south: down(self.south).max(-90.0),
            east: up(self.east).min(180.0),
            north: up(self.north).min(90.0),
        }
    }
}

impl From<LatLonBox> for BBox {
    fn from(b: LatLonBox) -> BBox {
        BBox {
            west: b.west,
            south: b.south,
            east: b.east,
            north: b.north,
        }
        .rounded()
    }
}

/// One granule as listed under a shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GranuleRef {
    /// The granule file name, e.g. `ATL06_20240101010203_01872201_006_01.h5`.
    pub id: String,
    /// Where to read it.
    pub urls: GranuleUrls,
    /// Bounding box of its footprint (or of its points, for local files).
    pub bbox: BBox,
    /// Start of its time span (UTC, ISO 8601), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_start: Option<String>,
    /// End of its time span (UTC, ISO 8601), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_end: Option<String>,
    /// CMR concept id, when it came from CMR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept_id: Option<String>,
    /// Index of the granule's time window in the map's `windows`
    /// (absent in JSON: 0, the only window of a one-window map).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub window: u32,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(x: &u32) -> bool {
    *x == 0
}

/// The orbit fields of an ICESat-2 granule name
/// `PRODUCT_YYYYMMDDhhmmss_ttttccrr_vvv_RR.h5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameFields {
    /// Reference ground track (tttt).
    pub rgt: u16,
    /// Cycle (cc).
    pub cycle: u8,
    /// Granule region (rr, 1..=14).
    pub region: u8,
}

/// Parses the `ttttccrr` field of an ICESat-2 granule name (any product,
/// with or without a directory or URL in front). `None` if the name does
/// not have that shape.
pub fn parse_name(name: &str) -> Option<NameFields> {
    let base = name.rsplit(['/', '\\']).next()?;
    let mut parts = base.split('_');
    let _product = parts.next()?;
    let stamp = parts.next()?;
    let orbit = parts.next()?;
    if stamp.len() != 14 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if orbit.len() != 8 || !orbit.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(NameFields {
        rgt: orbit[0..4].parse().ok()?,
        cycle: orbit[4..6].parse().ok()?,
        region: orbit[6..8].parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_fields_parse() {
        let f = parse_name("s3://b/x/ATL06_20231218222155_00012211_006_01.h5").unwrap();
        assert_eq!((f.rgt, f.cycle, f.region), (1, 22, 11));
        assert!(parse_name("ATL06_2023_00012211_006_01.h5").is_none());
        assert!(parse_name("readme.txt").is_none());
    }

    #[test]
    fn url_preference() {
        let u = GranuleUrls {
            s3: Some("s3://a".into()),
            https: Some("https://a".into()),
            file: None,
        };
        assert_eq!(u.pick(Access::Direct), Some("s3://a"));
        assert_eq!(u.pick(Access::Https), Some("https://a"));
    }
}
