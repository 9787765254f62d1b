//! The projected coordinate reference systems rectilinear grids support,
//! with what a store needs to declare them (EPSG code, WKT, CF grid
//! mapping).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::proj::PolarStereo;

/// A supported projected CRS (polar stereographic on WGS84).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// EPSG:3031, WGS 84 / Antarctic Polar Stereographic (true scale 71°S,
    /// central meridian 0°).
    Epsg3031,
    /// EPSG:3413, WGS 84 / NSIDC Sea Ice Polar Stereographic North (true
    /// scale 70°N, central meridian 45°W).
    Epsg3413,
}

/// EPSG:3031 as PROJ exports it (`pyproj.CRS.from_epsg(3031).to_wkt("WKT1_GDAL")`,
/// PROJ 9): the form GDAL and every CF reader parse.
const WKT_3031: &str = r#"PROJCS["WGS 84 / Antarctic Polar Stereographic",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Polar_Stereographic"],PARAMETER["latitude_of_origin",-71],PARAMETER["central_meridian",0],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","3031"]]"#;

/// EPSG:3413, likewise.
const WKT_3413: &str = r#"PROJCS["WGS 84 / NSIDC Sea Ice Polar Stereographic North",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Polar_Stereographic"],PARAMETER["latitude_of_origin",70],PARAMETER["central_meridian",-45],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","3413"]]"#;

impl Crs {
    /// Every supported CRS.
    pub const ALL: [Crs; 2] = [Crs::Epsg3031, Crs::Epsg3413];

    /// Its EPSG code.
    pub fn epsg(self) -> u16 {
        match self {
            Crs::Epsg3031 => 3031,
            Crs::Epsg3413 => 3413,
        }
    }

    /// The CRS with this EPSG code, if supported.
    pub fn from_epsg(code: u32) -> Option<Crs> {
        Crs::ALL.into_iter().find(|c| u32::from(c.epsg()) == code)
    }

    /// Its EPSG name.
    pub fn name(self) -> &'static str {
        match self {
            Crs::Epsg3031 => "WGS 84 / Antarctic Polar Stereographic",
            Crs::Epsg3413 => "WGS 84 / NSIDC Sea Ice Polar Stereographic North",
        }
    }

    /// The projection.
    pub fn projection(self) -> PolarStereo {
        match self {
            Crs::Epsg3031 => PolarStereo::antarctic(),
            Crs::Epsg3413 => PolarStereo::arctic(),
        }
    }

    /// Its OGC WKT (GDAL's WKT1 form).
    pub fn wkt(self) -> &'static str {
        match self {
            Crs::Epsg3031 => WKT_3031,
            Crs::Epsg3413 => WKT_3413,
        }
    }

    /// The attributes of a CF grid-mapping variable for this CRS
    /// (`grid_mapping_name: polar_stereographic`, standard parallel,
    /// central meridian, ellipsoid, `crs_wkt`, and GDAL's `spatial_ref`),
    /// without the grid's `GeoTransform`.
    pub fn cf_grid_mapping(self) -> Map<String, Value> {
        let p = self.projection();
        let pole = 90.0 * p.hemisphere().sign();
        let v = json!({
            "grid_mapping_name": "polar_stereographic",
            "standard_parallel": p.lat_ts(),
            "straight_vertical_longitude_from_pole": p.lon0(),
            "latitude_of_projection_origin": pole,
            "false_easting": 0.0,
            "false_northing": 0.0,
            "semi_major_axis": 6378137.0,
            "inverse_flattening": 298.257223563,
            "reference_ellipsoid_name": "WGS 84",
            "projected_crs_name": self.name(),
            "crs_wkt": self.wkt(),
            "spatial_ref": self.wkt(),
            "epsg_code": format!("EPSG:{}", self.epsg()),
        });
        match v {
            Value::Object(m) => m,
            _ => unreachable!("a JSON object literal"),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.epsg())
    }
}

impl FromStr for Crs {
    type Err = String;

    /// `EPSG:3031` or `EPSG:3413` (case-insensitive prefix).
    fn from_str(s: &str) -> Result<Crs, String> {
        let unsupported = || {
            format!(
                "{s:?} is not a supported CRS (supported: {})",
                Crs::ALL.map(|c| c.to_string()).join(", ")
            )
        };
        let code = s
            .trim()
            .split_once(':')
            .filter(|(auth, _)| auth.eq_ignore_ascii_case("epsg"))
            .and_then(|(_, code)| code.parse::<u32>().ok())
            .ok_or_else(unsupported)?;
        Crs::from_epsg(code).ok_or_else(unsupported)
    }
}

impl Serialize for Crs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Crs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Crs, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!("EPSG:3031".parse::<Crs>(), Ok(Crs::Epsg3031));
        assert_eq!("epsg:3413".parse::<Crs>(), Ok(Crs::Epsg3413));
        assert_eq!(Crs::Epsg3413.to_string(), "EPSG:3413");
        for bad in ["EPSG:4326", "3031", "ESRI:3031", "EPSG:", ""] {
            let e = bad.parse::<Crs>().unwrap_err();
            assert!(e.contains("EPSG:3031, EPSG:3413"), "{e}");
        }
    }

    #[test]
    fn grid_mapping_names_the_projection() {
        let m = Crs::Epsg3413.cf_grid_mapping();
        assert_eq!(m["standard_parallel"], 70.0);
        assert_eq!(m["straight_vertical_longitude_from_pole"], -45.0);
        assert_eq!(m["latitude_of_projection_origin"], 90.0);
        assert!(
            m["crs_wkt"]
                .as_str()
                .unwrap()
                .contains("\"EPSG\",\"3413\"]]")
        );
    }
}
