//! `--s3`: a moto S3 server on loopback (the same fixture the tests use,
//! `magg_testkit::s3`), with the granules uploaded to it; with
//! `--s3-latency-ms`, reached through `magg_testkit::faults`' proxy adding
//! that delay to every granule GET.

use std::path::Path;
use std::time::Duration;

use magg_testkit::faults::{Fault, FaultProxy, Rule};
use magg_testkit::s3::S3Server;

/// A running moto server holding copies of the granules.
pub struct S3Granules {
    /// The server (killed on drop).
    pub server: S3Server,
    /// `s3://` URLs of the uploaded granules, in input order.
    pub urls: Vec<String>,
    /// The delaying proxy, and its delay, when one is in front.
    proxy: Option<(FaultProxy, u64)>,
}

impl S3Granules {
    /// object_store settings reaching the granules (through the proxy
    /// when there is one).
    pub fn store_options(&self) -> Vec<(String, String)> {
        match &self.proxy {
            Some((p, _)) => p.store_options(),
            None => self.server.store_options(),
        }
    }

    /// Where the granules are read from, for the report.
    pub fn describe(&self) -> String {
        match &self.proxy {
            Some((p, ms)) => format!(
                "moto S3 {} behind a {ms} ms-per-GET proxy {}",
                self.server.endpoint, p.endpoint
            ),
            None => format!("moto S3 {}", self.server.endpoint),
        }
    }
}

/// Starts moto (`moto_server` on PATH, or `MAGG_MOTO_SERVER`) and uploads
/// `granules` (local paths) to bucket `granules`; with `latency_ms`, puts
/// a proxy in front that delays each GET of a granule by that much.
///
/// # Panics
/// When moto cannot start (the message says how to install it).
pub fn upload(granules: &[String], latency_ms: Option<u64>) -> S3Granules {
    let server = S3Server::start();
    server.create_bucket("granules");
    let urls = granules
        .iter()
        .map(|g| {
            let name = Path::new(g)
                .file_name()
                .map_or_else(|| g.clone(), |n| n.to_string_lossy().into_owned());
            server.put_file("granules", &name, Path::new(g));
            server.url("granules", &name)
        })
        .collect();
    let proxy = latency_ms.map(|ms| {
        let proxy = FaultProxy::in_front_of(&server);
        let delay = Fault::Delay(Duration::from_millis(ms));
        proxy.add(Rule::new(delay, "/granules/").method("GET"));
        (proxy, ms)
    });
    S3Granules {
        server,
        urls,
        proxy,
    }
}
