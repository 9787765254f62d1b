//! `--s3`: a moto S3 server on loopback (the same fixture the tests use,
//! `magg_testkit::s3`), with the granules uploaded to it.

use std::path::Path;

use magg_testkit::s3::S3Server;

/// A running moto server holding copies of the granules.
pub struct S3Granules {
    /// The server (killed on drop).
    pub server: S3Server,
    /// `s3://` URLs of the uploaded granules, in input order.
    pub urls: Vec<String>,
}

/// Starts moto (`moto_server` on PATH, or `MAGG_MOTO_SERVER`) and uploads
/// `granules` (local paths) to bucket `granules`.
///
/// # Panics
/// When moto cannot start (the message says how to install it).
pub fn upload(granules: &[String]) -> S3Granules {
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
    S3Granules { server, urls }
}
