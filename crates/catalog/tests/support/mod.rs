//! Test support: a small recorded-response CMR server on loopback, and
//! UMM-G granule records made from the sample's `granules.jsonl`
//! (footprints, times, names) in CMR's real UMM-G 1.6 shape.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Path and query (`/search/granules.umm_json?...`).
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (to provoke client timeouts).
    pub delay: Duration,
}

impl Response {
    pub fn json(status: u16, body: String) -> Response {
        Response {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/vnd.nasa.cmr.umm_results+json".into(),
            )],
            body,
            delay: Duration::ZERO,
        }
    }

    pub fn with_header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

type Handler = dyn Fn(usize, &Request) -> Response + Send + Sync;

/// A loopback HTTP/1.1 server answering each request with `handler(n,
/// request)` (n = 0-based request count). Stops when dropped.
pub struct Server {
    pub base: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(usize, &Request) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (reqs, stop2) = (requests.clone(), stop.clone());
        thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_mins(2);
            while !stop2.load(std::sync::atomic::Ordering::Relaxed)
                && std::time::Instant::now() < deadline
            {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (h, r) = (handler.clone(), reqs.clone());
                        thread::spawn(move || serve(stream, &*h, &r));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Server {
            base,
            requests,
            stop,
        }
    }

    pub fn seen(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn serve(stream: TcpStream, handler: &Handler, reqs: &Mutex<Vec<Request>>) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut headers = Vec::new();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let k = k.trim().to_ascii_lowercase();
                if k == "content-length" {
                    len = v.trim().parse().unwrap_or(0);
                }
                headers.push((k, v.trim().to_string()));
            }
        }
        let mut body = vec![0u8; len];
        let _ = reader.read_exact(&mut body);
        let req = Request { target, headers };
        let n = {
            let mut r = reqs.lock().unwrap();
            r.push(req.clone());
            r.len() - 1
        };
        let resp = handler(n, &req);
        thread::sleep(resp.delay);
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\n",
            resp.status,
            resp.body.len()
        );
        for (k, v) in &resp.headers {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(v);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out.push_str(&resp.body);
        if stream.write_all(out.as_bytes()).is_err() {
            return;
        }
    }
}

/// The sample's granule index lines.
pub fn sample_index() -> Vec<Value> {
    let path = magg_testkit::sample_dir().join("granules.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A UMM-G item for one `granules.jsonl` record, with `file` renamed when
/// given (to make neighbouring-cycle granules).
pub fn umm_item(rec: &Value, i: usize, file: Option<&str>) -> Value {
    let file = file.unwrap_or_else(|| rec["file"].as_str().unwrap());
    let date = &file[6..14];
    let dir = format!("{}/{}/{}", &date[0..4], &date[4..6], &date[6..8]);
    let points: Vec<Value> = rec["footprint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"Longitude": p[0], "Latitude": p[1]}))
        .collect();
    json!({
        "meta": {
            "concept-type": "granule",
            "concept-id": format!("G{:010}-NSIDC_CPRD", 3_000_000_000u64 + i as u64),
            "revision-id": 1,
            "native-id": file,
            "provider-id": "NSIDC_CPRD",
            "format": "application/echo10+xml",
            "revision-date": "2024-04-01T00:00:00.000Z"
        },
        "umm": {
            "GranuleUR": file,
            "CollectionReference": {"ShortName": "ATL06", "Version": "006"},
            "TemporalExtent": {"RangeDateTime": {
                "BeginningDateTime": rec["time_start"], "EndingDateTime": rec["time_end"]}},
            "SpatialExtent": {"HorizontalSpatialDomain": {
                "Geometry": {"GPolygons": [{"Boundary": {"Points": points}}]},
                "Track": {"Cycle": rec["cycle"], "Passes": [{"Pass": rec["rgt"]}]}
            }},
            "DataGranule": {
                "ArchiveAndDistributionInformation": [{"Name": file, "SizeInBytes": rec["size_bytes"]}],
                "DayNightFlag": "Unspecified",
                "Identifiers": [{"Identifier": file, "IdentifierType": "ProducerGranuleId"}],
                "ProductionDateTime": "2024-04-01T00:00:00.000Z"
            },
            "RelatedUrls": [
                {"URL": format!("https://data.nsidc.earthdatacloud.nasa.gov/nsidc-cumulus-prod-protected/ATLAS/ATL06/006/{dir}/{file}"),
                 "Type": "GET DATA", "Description": "Download " },
                {"URL": format!("s3://nsidc-cumulus-prod-protected/ATLAS/ATL06/006/{dir}/{file}"),
                 "Type": "GET DATA VIA DIRECT ACCESS"},
                {"URL": format!("https://data.nsidc.earthdatacloud.nasa.gov/nsidc-cumulus-prod-protected/ATLAS/ATL06/006/{dir}/{file}.iso.xml"),
                 "Type": "EXTENDED METADATA"}
            ],
            "MetadataSpecification": {"URL": "https://cdn.earthdata.nasa.gov/umm/granule/v1.6.6",
                                      "Name": "UMM-G", "Version": "1.6.6"}
        }
    })
}

/// All sample granules as UMM-G items, plus one neighbouring-cycle
/// granule (cycle 23, same footprint as the first) that a cycle-22 window
/// search also returns.
pub fn sample_items() -> Vec<Value> {
    let idx = sample_index();
    let mut items: Vec<Value> = idx
        .iter()
        .enumerate()
        .map(|(i, r)| umm_item(r, i, None))
        .collect();
    items.push(umm_item(
        &idx[0],
        99,
        Some("ATL06_20240318222155_00012311_006_01.h5"),
    ));
    items
}

/// A CMR results page.
pub fn page(hits: usize, items: &[Value]) -> String {
    json!({"hits": hits, "took": 7, "items": items}).to_string()
}

/// A server paging `items` `page_size` at a time with CMR-Search-After
/// tokens `tok-1`, `tok-2`, … (checked on each request).
pub fn paging_server(items: Vec<Value>, page_size: usize) -> Server {
    let hits = items.len();
    Server::start(move |_, req| {
        let k = match req.header("CMR-Search-After") {
            None => 0,
            Some(t) => t.trim_start_matches("tok-").parse::<usize>().unwrap(),
        };
        let start = k * page_size;
        let end = (start + page_size).min(hits);
        let mut r = Response::json(200, page(hits, &items[start..end]))
            .with_header("CMR-Hits", &hits.to_string());
        if end < hits {
            r = r.with_header("CMR-Search-After", &format!("tok-{}", k + 1));
        }
        r
    })
}
