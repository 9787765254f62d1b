//! A real S3-compatible server on loopback for tests: moto's standalone
//! server (`moto_server`, from `requirements-test.txt`), started on a free
//! port, killed on drop.
//!
//! ```no_run
//! let s3 = magg_testkit::s3::S3Server::start();
//! s3.create_bucket("granules");
//! s3.put_file("granules", "a/b.h5", std::path::Path::new("/tmp/b.h5"));
//! // object_store configuration (S3 keys as `AmazonS3ConfigKey` strings):
//! let opts = s3.store_options(); // access key, secret, region, endpoint, allow_http
//! let url = s3.url("granules", "a/b.h5"); // s3://granules/a/b.h5
//! let http = s3.http_url("granules", "a/b.h5"); // plain GET with Range works
//! ```
//!
//! Requests here use a tiny HTTP/1.1 client over `std::net` (moto accepts
//! unsigned requests), so the fixture needs no extra dependencies.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto S3 server.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The port.
    pub port: u16,
    child: Child,
}

/// Access key the server accepts (any works with moto; this is the convention).
pub const ACCESS_KEY: &str = "test";
/// Secret key.
pub const SECRET_KEY: &str = "test";
/// Region.
pub const REGION: &str = "us-east-1";

impl S3Server {
    /// Starts moto on a free loopback port and waits until it answers.
    ///
    /// # Panics
    /// When `moto_server` cannot start or does not answer within 60 s (the
    /// message says to install `requirements-test.txt`).
    pub fn start() -> S3Server {
        let port = free_port();
        let exe = std::env::var("MAGG_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_string());
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {exe} ({e}); hint: pip install -r requirements-test.txt (moto[server])")
            });
        let server = S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            child,
        };
        let t0 = Instant::now();
        loop {
            if server.request("GET", "/", &[]).is_ok_and(|r| r.0 > 0) {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_mins(1),
                "moto_server on port {port} did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Sends one HTTP/1.1 request; returns (status, body).
    ///
    /// # Errors
    /// Connection or protocol failures.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        self.request_with(method, path, &[], body)
    }

    /// [`Self::request`] with extra headers.
    ///
    /// # Errors
    /// Connection or protocol failures.
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_mins(1)))?;
        let extra = headers.iter().fold(String::new(), |mut acc, (k, v)| {
            use std::fmt::Write as _;
            let _ = write!(acc, "{k}: {v}\r\n");
            acc
        });
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
            self.port,
            body.len()
        );
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp)?;
        let text_end = resp
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("no HTTP header end"))?;
        let head = String::from_utf8_lossy(&resp[..text_end]);
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
        Ok((status, resp[text_end + 4..].to_vec()))
    }

    /// Creates a bucket.
    ///
    /// # Panics
    /// When the server refuses.
    pub fn create_bucket(&self, bucket: &str) {
        let (status, body) = self
            .request("PUT", &format!("/{bucket}"), &[])
            .unwrap_or_else(|e| panic!("create bucket {bucket}: {e}"));
        assert!(
            status < 300,
            "create bucket {bucket}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }

    /// Uploads bytes as `bucket/key`, readable anonymously (ACL
    /// `public-read`), so plain HTTP GETs of [`Self::http_url`] work too.
    ///
    /// # Panics
    /// When the server refuses.
    pub fn put_bytes(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let (status, body) = self
            .request_with(
                "PUT",
                &format!("/{bucket}/{key}"),
                &[("x-amz-acl", "public-read")],
                bytes,
            )
            .unwrap_or_else(|e| panic!("put {bucket}/{key}: {e}"));
        assert!(
            status < 300,
            "put {bucket}/{key}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }

    /// Uploads a local file as `bucket/key`.
    ///
    /// # Panics
    /// When the file cannot be read or the server refuses.
    pub fn put_file(&self, bucket: &str, key: &str, path: &Path) {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        self.put_bytes(bucket, key, &bytes);
    }

    /// `s3://bucket/key`.
    pub fn url(&self, bucket: &str, key: &str) -> String {
        format!("s3://{bucket}/{key}")
    }

    /// Plain HTTP URL of an object (path style; moto serves GET with Range).
    pub fn http_url(&self, bucket: &str, key: &str) -> String {
        format!("{}/{bucket}/{key}", self.endpoint)
    }

    /// object_store S3 settings for this server (keys as accepted by
    /// `AmazonS3ConfigKey`'s `FromStr`).
    pub fn store_options(&self) -> Vec<(String, String)> {
        options_for(&self.endpoint)
    }

    /// The same settings as `AWS_*` environment variables.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        env_for(&self.endpoint)
    }
}

/// object_store S3 settings for moto's keys at `endpoint`.
pub(crate) fn options_for(endpoint: &str) -> Vec<(String, String)> {
    [
        ("aws_access_key_id", ACCESS_KEY),
        ("aws_secret_access_key", SECRET_KEY),
        ("aws_region", REGION),
        ("aws_endpoint", endpoint),
        ("aws_allow_http", "true"),
        ("aws_virtual_hosted_style_request", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// [`options_for`] as `AWS_*` environment variables.
pub(crate) fn env_for(endpoint: &str) -> Vec<(String, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
        ("AWS_REGION".into(), REGION.into()),
        ("AWS_ENDPOINT".into(), endpoint.to_string()),
        ("AWS_ALLOW_HTTP".into(), "true".into()),
    ]
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local addr").port()
}
