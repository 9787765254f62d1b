//! The CMR client: paging with `CMR-Search-After`, retries with backoff.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::query::GranuleQuery;
use super::umm::parse_page;
use crate::build::FootprintGranule;
use crate::error::Error;
use crate::granule::parse_name;

/// Header carrying the paging token (CMR ≥ 2021).
const SEARCH_AFTER: &str = "CMR-Search-After";
/// Header carrying the total number of hits.
const HITS: &str = "CMR-Hits";

/// A CMR search client.
#[derive(Debug, Clone)]
pub struct CmrClient {
    base: String,
    http: reqwest::Client,
    /// Retries after the first attempt, on 5xx and transport errors.
    pub retries: u32,
    /// First backoff; doubled after each failed attempt.
    pub backoff: Duration,
}

/// All granules a search returned.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// The granules kept (for a cycle search: those whose name says that
    /// cycle), in CMR's order.
    pub granules: Vec<FootprintGranule>,
    /// `CMR-Hits` of the first page, when sent.
    pub hits: Option<u64>,
    /// Pages fetched.
    pub pages: usize,
    /// Granules dropped because their name says another cycle.
    pub other_cycle: usize,
}

impl CmrClient {
    /// A client for the CMR at `base` (e.g. [`super::DEFAULT_CMR_URL`]);
    /// 60 s request timeout, 4 retries from 1 s backoff.
    pub fn new(base: &str) -> Result<CmrClient, Error> {
        CmrClient::with_timeout(base, Duration::from_mins(1))
    }

    /// Same, with a request timeout.
    pub fn with_timeout(base: &str, timeout: Duration) -> Result<CmrClient, Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("magg/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Parameter(format!("HTTP client: {e}")))?;
        Ok(CmrClient {
            base: base.trim_end_matches('/').to_string(),
            http,
            retries: 4,
            backoff: Duration::from_secs(1),
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Runs the search through every page.
    pub async fn search(&self, query: &GranuleQuery) -> Result<SearchResult, Error> {
        let url = query.url(&self.base)?;
        let mut out = SearchResult {
            granules: Vec::new(),
            hits: None,
            pages: 0,
            other_cycle: 0,
        };
        let mut after: Option<String> = None;
        let mut fetched = 0u64;
        loop {
            out.pages += 1;
            let (headers, body) = self.get(&url, after.as_deref()).await?;
            let hits = header(&headers, HITS).and_then(|h| h.parse::<u64>().ok());
            if out.pages == 1 {
                out.hits = hits;
            }
            let page = parse_page(&body).map_err(|reason| Error::MalformedPage {
                page: out.pages,
                url: url.to_string(),
                reason,
            })?;
            let n = page.len();
            fetched += n as u64;
            for g in page {
                match (query.cycle, parse_name(&g.granule.id)) {
                    (Some(c), Some(f)) if f.cycle != c => out.other_cycle += 1,
                    (Some(_), None) => {
                        return Err(Error::Granule {
                            granule: g.granule.id,
                            reason: "a cycle search needs ICESat-2 names (..._ttttccrr_...)"
                                .to_string(),
                        });
                    }
                    _ => out.granules.push(g),
                }
            }
            let next = header(&headers, SEARCH_AFTER);
            let done = n == 0
                || n < query.page_size
                || next.is_none()
                || out.hits.is_some_and(|h| fetched >= h);
            if done {
                break;
            }
            after = next;
        }
        if let Some(h) = out.hits
            && fetched < h
        {
            return Err(Error::MalformedPage {
                page: out.pages,
                url: url.to_string(),
                reason: format!("CMR announced {h} hits but the pages held {fetched}"),
            });
        }
        Ok(out)
    }

    /// One GET with retries; returns headers and body of a 2xx answer.
    async fn get(
        &self,
        url: &reqwest::Url,
        after: Option<&str>,
    ) -> Result<(HeaderMap, Vec<u8>), Error> {
        let mut last = String::new();
        let mut wait = self.backoff;
        for attempt in 0..=self.retries {
            if attempt > 0 {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            let mut req = self.http.get(url.clone());
            if let Some(a) = after {
                req = req.header(SEARCH_AFTER, a);
            }
            match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    let body = resp.bytes().await;
                    match (status, body) {
                        (s, Ok(b)) if s.is_success() => return Ok((headers, b.to_vec())),
                        (s, Ok(b)) if s.is_client_error() && s != StatusCode::TOO_MANY_REQUESTS => {
                            let text = String::from_utf8_lossy(&b);
                            return Err(Error::Query {
                                url: url.to_string(),
                                status: s.as_u16(),
                                body: text.chars().take(500).collect(),
                            });
                        }
                        (s, Ok(_)) => last = format!("HTTP {s}"),
                        (_, Err(e)) => last = format!("reading the body: {e}"),
                    }
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(Error::Unavailable {
            url: url.to_string(),
            attempts: self.retries + 1,
            last,
        })
    }
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(String::from)
}
