//! A CMR granule search and its URL.

use magg_coverage::LatLonBox;

use crate::cycle::cycle_window;
use crate::error::Error;

/// NASA's production CMR.
pub const DEFAULT_CMR_URL: &str = "https://cmr.earthdata.nasa.gov";

/// The path the client appends to the base URL.
pub const GRANULE_SEARCH_PATH: &str = "/search/granules.umm_json";

/// One granule search.
#[derive(Debug, Clone, PartialEq)]
pub struct GranuleQuery {
    /// Collection short name (`ATL06`).
    pub short_name: String,
    /// Collection version (`006`).
    pub version: String,
    /// UTC window `(start, end)` (ISO 8601), if any.
    pub temporal: Option<(String, String)>,
    /// ICESat-2 cycle: sent as CMR track search `cycle[]=N` when
    /// `track_search` is set, and enforced on the file names.
    pub cycle: Option<u8>,
    /// Send `cycle[]` (collections with track information, e.g. ATL06).
    pub track_search: bool,
    /// Spatial prefilter `bounding_box=W,S,E,N`, if any.
    pub bounding_box: Option<LatLonBox>,
    /// CMR provider (e.g. `NSIDC_CPRD` for cloud-hosted data), if any.
    pub provider: Option<String>,
    /// Granules per page (CMR allows up to 2000).
    pub page_size: usize,
}

impl GranuleQuery {
    /// A search of a collection, without time or cycle (set `temporal` /
    /// `cycle`, or let [`super::search_windows`] do it per window).
    pub fn new(short_name: &str, version: &str) -> GranuleQuery {
        GranuleQuery {
            short_name: short_name.to_string(),
            version: version.to_string(),
            temporal: None,
            cycle: None,
            track_search: true,
            bounding_box: None,
            provider: None,
            page_size: 2000,
        }
    }

    /// A search for one ICESat-2 cycle: the cycle's padded date window and,
    /// by default, CMR's track search (see [`crate::cycle`]).
    pub fn cycle(short_name: &str, version: &str, cycle: u8) -> Result<GranuleQuery, Error> {
        if cycle == 0 || cycle > 99 {
            return Err(Error::Parameter(format!(
                "cycle {cycle} is not an ICESat-2 cycle (1..=99)"
            )));
        }
        Ok(GranuleQuery {
            temporal: Some(cycle_window(cycle)),
            cycle: Some(cycle),
            ..GranuleQuery::new(short_name, version)
        })
    }

    /// A search over a UTC window.
    pub fn temporal(short_name: &str, version: &str, start: &str, end: &str) -> GranuleQuery {
        GranuleQuery {
            temporal: Some((start.to_string(), end.to_string())),
            track_search: false,
            ..GranuleQuery::new(short_name, version)
        }
    }

    /// The request URL under `base` (e.g. `https://cmr.earthdata.nasa.gov`).
    pub fn url(&self, base: &str) -> Result<reqwest::Url, Error> {
        let full = format!("{}{GRANULE_SEARCH_PATH}", base.trim_end_matches('/'));
        let mut url = reqwest::Url::parse(&full)
            .map_err(|e| Error::Parameter(format!("CMR URL {full}: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("short_name", &self.short_name);
            q.append_pair("version", &self.version);
            if let Some(p) = &self.provider {
                q.append_pair("provider", p);
            }
            if let Some((s, e)) = &self.temporal {
                q.append_pair("temporal", &format!("{s},{e}"));
            }
            if let (Some(c), true) = (self.cycle, self.track_search) {
                q.append_pair("cycle[]", &c.to_string());
            }
            if let Some(b) = &self.bounding_box {
                q.append_pair(
                    "bounding_box",
                    &format!("{},{},{},{}", b.west, b.south, b.east, b.north),
                );
            }
            q.append_pair("sort_key", "start_date");
            q.append_pair("page_size", &self.page_size.to_string());
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_query_url() {
        let q = GranuleQuery::cycle("ATL06", "006", 22).unwrap();
        let u = q.url("https://cmr.example/").unwrap().to_string();
        assert!(u.starts_with(
            "https://cmr.example/search/granules.umm_json?short_name=ATL06&version=006"
        ));
        assert!(
            u.contains("temporal=2023-12-17T21%3A15%3A00Z%2C2024-03-19T16%3A54%3A42Z"),
            "{u}"
        );
        assert!(u.contains("cycle%5B%5D=22"), "{u}");
        assert!(GranuleQuery::cycle("ATL06", "006", 0).is_err());
    }
}
