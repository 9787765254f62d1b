//! `--s3`: an S3-compatible server on loopback (`magg_testkit::s3`: s3s-fs
//! in this process by default, or moto) holding copies of the granules;
//! with `--s3-latency-ms`, reached through `magg_testkit::faults`' proxy,
//! which answers every granule GET no sooner than that long after it
//! arrived (a fixed time to first byte, as S3's).
//!
//! The server and the proxy run in a child process ([`Remote`]: the same
//! binary, `magg-bench s3-server`), so the benchmark's CPU time and peak
//! memory are the reader's alone.
//!
//! Needs the `s3-fixture` feature (the `magg-bench` binary has it; the
//! `magg` binary does not, so no test fixture ships in it).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use crate::BenchError;

use magg_testkit::faults::{Fault, FaultProxy, Rule};
use magg_testkit::s3::S3Server;

/// Which S3 server to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// s3s-fs, in this process: fast (the default).
    S3sFs,
    /// moto's standalone server (Python; its CPU bounds the figures).
    Moto,
}

/// A running server holding copies of the granules.
pub struct S3Granules {
    /// The server (stopped on drop).
    pub server: S3Server,
    /// `s3://` URLs of the uploaded granules, in input order.
    pub urls: Vec<String>,
    /// The latency proxy, and its first-byte delay, when one is in front.
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
        let name = self.server.name();
        match &self.proxy {
            Some((p, ms)) => format!(
                "{name} S3 {} behind a {ms} ms first-byte proxy {}",
                self.server.endpoint, p.endpoint
            ),
            None => format!("{name} S3 {}", self.server.endpoint),
        }
    }
}

/// Starts `server` and uploads `granules` (local paths) to bucket
/// `granules`; with `latency_ms`, puts a proxy in front that answers each
/// GET of a granule no sooner than that long after it arrived.
///
/// # Panics
/// When the server cannot start (moto: the message says how to install it).
pub fn upload(granules: &[String], server: Server, latency_ms: Option<u64>) -> S3Granules {
    let server = match server {
        Server::S3sFs => S3Server::start(),
        Server::Moto => S3Server::start_moto(),
    };
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

/// What the server process tells the benchmark, as one JSON line.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Ready {
    urls: Vec<String>,
    store_options: Vec<(String, String)>,
    describe: String,
}

impl Server {
    /// The name `--s3-server` takes.
    pub fn name(self) -> &'static str {
        match self {
            Server::S3sFs => "s3s-fs",
            Server::Moto => "moto",
        }
    }

    /// The server `name` names.
    pub fn parse(name: &str) -> Result<Server, BenchError> {
        match name {
            "s3s-fs" => Ok(Server::S3sFs),
            "moto" => Ok(Server::Moto),
            other => Err(BenchError::Input(format!(
                "--s3-server {other}: expected s3s-fs or moto"
            ))),
        }
    }
}

/// The server process side (`magg-bench s3-server`): starts the server
/// (and proxy), uploads the granules, prints one [`Ready`] line, and
/// serves until its standard input closes (its parent is gone).
pub fn serve(
    granules: &[String],
    server: Server,
    latency_ms: Option<u64>,
) -> Result<(), BenchError> {
    let s = upload(granules, server, latency_ms);
    let ready = Ready {
        urls: s.urls.clone(),
        store_options: s.store_options(),
        describe: s.describe(),
    };
    let line = serde_json::to_string(&ready).map_err(|e| BenchError::step("s3-server", e))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|e| BenchError::step("s3-server", e))?;
    out.flush().map_err(|e| BenchError::step("s3-server", e))?;
    drop(out);
    let mut sink = Vec::new();
    let _ = std::io::stdin().lock().read_to_end(&mut sink);
    drop(s);
    Ok(())
}

/// A server process holding the granules (stopped on drop).
pub struct Remote {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `s3://` URLs of the granules, in input order.
    pub urls: Vec<String>,
    /// object_store settings reaching them.
    pub store_options: Vec<(String, String)>,
    /// Where the granules are read from, for the report.
    pub describe: String,
}

impl Remote {
    /// Starts `magg-bench s3-server` (this very binary) with the granules.
    pub fn start(
        granules: &[String],
        server: Server,
        latency_ms: Option<u64>,
    ) -> Result<Remote, BenchError> {
        let exe = std::env::current_exe().map_err(|e| BenchError::step("s3-server", e))?;
        let mut cmd = Command::new(exe);
        cmd.args(["s3-server", "--server", server.name()]);
        if let Some(ms) = latency_ms {
            cmd.args(["--latency-ms", &ms.to_string()]);
        }
        let mut child = cmd
            .args(granules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| BenchError::step("starting the s3-server process", e))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| BenchError::step("s3-server", e))?;
        let ready: Ready = serde_json::from_str(line.trim()).map_err(|e| {
            BenchError::Input(format!("the s3-server process did not start ({e}): {line}"))
        })?;
        Ok(Remote {
            child,
            stdin,
            urls: ready.urls,
            store_options: ready.store_options,
            describe: ready.describe,
        })
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        // Closing its standard input stops it; kill it if it lingers.
        drop(self.stdin.take());
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
