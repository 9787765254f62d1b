//! A real S3-compatible server on loopback for tests and benchmarks.
//!
//! [`S3Server::start`] runs [s3s-fs](https://crates.io/crates/s3s-fs) (an S3
//! server on a directory, in Rust) in this process, on its own threads: it
//! checks AWS Signature V4 on signed requests (the keys are [`ACCESS_KEY`] /
//! [`SECRET_KEY`]), serves ranged GETs (206), HEAD, PUT, DELETE and
//! ListObjectsV2 as `object_store` uses them, and answers in well under a
//! millisecond, so a benchmark through it measures the reader, not the
//! server. [`S3Server::start_moto`] starts moto's standalone server
//! (`moto_server`, Python, from `requirements-test.txt`) instead: a second,
//! independent implementation for a conformance check.
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
//! Both servers also take unsigned requests (as a public bucket would):
//! the fixture's own helpers ([`S3Server::request`], [`S3Server::put_bytes`])
//! speak plain HTTP/1.1 over `std::net`, and [`S3Server::http_url`] is
//! readable without credentials.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running S3-compatible server (stopped on drop).
pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The port.
    pub port: u16,
    backend: Backend,
}

enum Backend {
    /// s3s-fs in this process: its runtime (dropped to stop it) and the
    /// directory holding the buckets.
    Fs {
        runtime: Option<tokio::runtime::Runtime>,
        _root: tempfile::TempDir,
    },
    /// A `moto_server` child process.
    Moto(Child),
}

/// Access key the servers accept (moto accepts any; s3s-fs checks it).
pub const ACCESS_KEY: &str = "test";
/// Secret key.
pub const SECRET_KEY: &str = "test";
/// Region.
pub const REGION: &str = "us-east-1";

/// Every request may go on: signed ones have had their signature checked
/// by then, unsigned ones are a public bucket's readers (and the
/// fixture's own helpers).
struct Public;

#[async_trait::async_trait]
impl s3s::access::S3Access for Public {
    async fn check(&self, _cx: &mut s3s::access::S3AccessContext<'_>) -> s3s::S3Result<()> {
        Ok(())
    }
}

impl S3Server {
    /// Starts the fast server (s3s-fs, in this process) on a free
    /// loopback port, with buckets in a fresh temporary directory.
    ///
    /// # Panics
    /// When no loopback port or temporary directory can be had.
    pub fn start() -> S3Server {
        S3Server::start_accepting(&[])
    }

    /// [`S3Server::start`], also accepting requests signed with each
    /// `(access key, secret key)` of `keys` (e.g. the temporary
    /// credentials an Earthdata stand-in hands out).
    ///
    /// # Panics
    /// As [`S3Server::start`].
    pub fn start_accepting(keys: &[(&str, &str)]) -> S3Server {
        let root = tempfile::tempdir().expect("a temporary directory for the S3 server");
        let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs on the temporary directory");
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        let mut auth = s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY);
        for (access, secret) in keys {
            auth.register((*access).to_string(), (*secret).into());
        }
        builder.set_auth(auth);
        builder.set_access(Public);
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local addr").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("s3s-fs")
            .enable_all()
            .build()
            .expect("a tokio runtime for the S3 server");
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let _ = socket.set_nodelay(true);
                let service = service.clone();
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(socket);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            backend: Backend::Fs {
                runtime: Some(runtime),
                _root: root,
            },
        }
    }

    /// Starts moto on a free loopback port and waits until it answers.
    ///
    /// # Panics
    /// When `moto_server` cannot start or does not answer within 60 s (the
    /// message says to install `requirements-test.txt`).
    pub fn start_moto() -> S3Server {
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
            backend: Backend::Moto(child),
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

    /// Which server this is: `s3s-fs` or `moto`.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Fs { .. } => "s3s-fs",
            Backend::Moto(_) => "moto",
        }
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

    /// Plain HTTP URL of an object (path style; served to anonymous GETs,
    /// with Range).
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

/// object_store S3 settings for the servers' keys at `endpoint`.
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
        match &mut self.backend {
            Backend::Fs { runtime, .. } => {
                if let Some(rt) = runtime.take() {
                    rt.shutdown_background();
                }
            }
            Backend::Moto(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local addr").port()
}
