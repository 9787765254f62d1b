//! A fault-injecting HTTP proxy on loopback, in front of an S3 server
//! (usually [`S3Server`]): requests pass through unchanged unless a
//! [`Rule`] matches them (by method and a substring of the request
//! target, i.e. `/bucket/key?query`), in which case the proxy answers with
//! the rule's [`Fault`] instead: an HTTP 500 or 503, an S3 `SlowDown`
//! (503 with S3's XML error body), a reset connection, a stall in the
//! middle of the response body (the headers and half of the body are sent,
//! then nothing until the client gives up), or a delay before forwarding
//! (a far server's time to first byte, for benchmarks).
//!
//! ```no_run
//! use magg_testkit::faults::{Fault, FaultProxy, Rule};
//! let s3 = magg_testkit::s3::S3Server::start();
//! let proxy = FaultProxy::in_front_of(&s3);
//! let storm = proxy.add(Rule::new(Fault::SlowDown, "/granules/a.h5").first(3));
//! let stall = proxy.add(Rule::new(Fault::Stall, "/out/").method("PUT"));
//! let opts = proxy.store_options(); // object_store S3 settings, endpoint = the proxy
//! // ... run the code under test ...
//! assert_eq!(proxy.hits(storm), 3);
//! proxy.clear(); // faults gone
//! ```
//!
//! Real HTTP/1.1 over TCP, one thread per connection; every answer closes
//! its connection (`Connection: close`), so each request is matched on its
//! own. Plain `std`, like [`S3Server`].

use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::s3::S3Server;

/// What the proxy does instead of forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers this HTTP status with an S3-style XML error body
    /// (`InternalError` for 500, `ServiceUnavailable` for 503, ...).
    Status(u16),
    /// S3's throttling answer: 503 with `<Code>SlowDown</Code>`.
    SlowDown,
    /// Resets the connection (TCP RST) after reading the request.
    Reset,
    /// Forwards the request, sends the response headers and half the body,
    /// then sends nothing more until the client closes the connection (a
    /// response without a body stalls before its headers).
    Stall,
    /// Forwards the request as usual, but sends the first byte of the
    /// answer no earlier than this long after the request arrived: a far
    /// server's time to first byte (real S3 answers a small ranged GET in
    /// tens of milliseconds). The server's own time counts within it, so
    /// every request takes the same latency however fast the server
    /// behind is.
    Delay(Duration),
}

/// When a request gets a fault: a method (any when unset), a substring of
/// the request target, and how many times (forever when unset).
#[derive(Debug, Clone)]
pub struct Rule {
    fault: Fault,
    key: String,
    method: Option<String>,
    limit: Option<usize>,
}

impl Rule {
    /// `fault` for every request whose target contains `key`.
    pub fn new(fault: Fault, key: &str) -> Rule {
        Rule {
            fault,
            key: key.to_string(),
            method: None,
            limit: None,
        }
    }

    /// Only for requests with this method (`GET`, `HEAD`, `PUT`, ...).
    #[must_use]
    pub fn method(mut self, method: &str) -> Rule {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only for the first `n` matching requests; later ones pass.
    #[must_use]
    pub fn first(mut self, n: usize) -> Rule {
        self.limit = Some(n);
        self
    }

    fn matches(&self, method: &str, target: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method) && target.contains(&self.key)
    }
}

/// A rule added to a proxy (for [`FaultProxy::hits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleId(usize);

struct Shared {
    upstream: u16,
    rules: Mutex<Vec<(Rule, usize, bool)>>,
    seen: AtomicUsize,
    faulted: AtomicUsize,
    shutdown: AtomicBool,
}

/// The running proxy; stops accepting on drop.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT` of the proxy.
    pub endpoint: String,
    /// The proxy's port.
    pub port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy in front of `s3`.
    pub fn in_front_of(s3: &S3Server) -> FaultProxy {
        FaultProxy::start(s3.port)
    }

    /// A proxy forwarding to `127.0.0.1:upstream`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared {
            upstream,
            rules: Mutex::new(Vec::new()),
            seen: AtomicUsize::new(0),
            faulted: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.shutdown.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let s = Arc::clone(&s);
                    std::thread::spawn(move || {
                        let _ = serve(&s, conn);
                    });
                }
            }
        });
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// Adds a rule (rules are tried in the order added; the first that
    /// matches and is not used up applies).
    pub fn add(&self, rule: Rule) -> RuleId {
        let mut rules = self.rules();
        rules.push((rule, 0, true));
        RuleId(rules.len() - 1)
    }

    /// Turns every rule off (their counters stay readable).
    pub fn clear(&self) {
        for r in self.rules().iter_mut() {
            r.2 = false;
        }
    }

    /// Requests `rule` has faulted so far.
    pub fn hits(&self, rule: RuleId) -> usize {
        self.rules()[rule.0].1
    }

    /// Requests received so far (faulted or forwarded).
    pub fn seen(&self) -> usize {
        self.shared.seen.load(Ordering::SeqCst)
    }

    /// Requests faulted so far.
    pub fn faulted(&self) -> usize {
        self.shared.faulted.load(Ordering::SeqCst)
    }

    /// object_store S3 settings for the server behind, through the proxy.
    pub fn store_options(&self) -> Vec<(String, String)> {
        crate::s3::options_for(&self.endpoint)
    }

    /// The same settings as `AWS_*` environment variables.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        crate::s3::env_for(&self.endpoint)
    }

    fn rules(&self) -> std::sync::MutexGuard<'_, Vec<(Rule, usize, bool)>> {
        self.shared
            .rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// A parsed HTTP/1.1 message head plus the bytes read past it.
struct Head {
    first_line: String,
    headers: Vec<(String, String)>,
    rest: Vec<u8>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_length(&self) -> Option<usize> {
        self.header("content-length")
            .and_then(|v| v.trim().parse().ok())
    }

    /// The head again, with `Connection: close` instead of keep-alive.
    fn closing(&self) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.first_line);
        for (k, v) in &self.headers {
            if !k.eq_ignore_ascii_case("connection") && !k.eq_ignore_ascii_case("keep-alive") {
                let _ = write!(out, "{k}: {v}\r\n");
            }
        }
        out.push_str("Connection: close\r\n\r\n");
        out.into_bytes()
    }
}

fn read_head(s: &mut TcpStream) -> std::io::Result<Head> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 << 10];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let first_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Head {
        first_line,
        headers,
        rest: buf[end + 4..].to_vec(),
    })
}

/// Reads the body after `head`: `Content-Length` bytes, or (when `to_eof`)
/// everything until the peer closes.
fn read_body(s: &mut TcpStream, head: &Head, to_eof: bool) -> std::io::Result<Vec<u8>> {
    let mut body = head.rest.clone();
    match head.content_length() {
        Some(n) => {
            if body.len() < n {
                let mut more = vec![0u8; n - body.len()];
                s.read_exact(&mut more)?;
                body.extend_from_slice(&more);
            }
            body.truncate(n);
        }
        None if to_eof => {
            s.read_to_end(&mut body)?;
        }
        None => {}
    }
    Ok(body)
}

fn serve(shared: &Shared, mut client: TcpStream) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_mins(1)))?;
    let req = read_head(&mut client)?;
    if req
        .header("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        return answer(&mut client, 501, "NotImplemented", "chunked request bodies");
    }
    let body = read_body(&mut client, &req, false)?;
    let arrived = std::time::Instant::now();
    shared.seen.fetch_add(1, Ordering::SeqCst);
    let mut parts = req.first_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let fault = {
        let mut rules = shared.rules.lock().unwrap_or_else(PoisonError::into_inner);
        rules
            .iter_mut()
            .find(|(r, hits, on)| {
                *on && r.limit.is_none_or(|l| *hits < l) && r.matches(&method, &target)
            })
            .map(|(r, hits, _)| {
                *hits += 1;
                r.fault
            })
    };
    if fault.is_some() {
        shared.faulted.fetch_add(1, Ordering::SeqCst);
    }
    match fault {
        Some(Fault::Status(code)) => {
            let s3_code = match code {
                500 => "InternalError",
                503 => "ServiceUnavailable",
                _ => "InjectedFault",
            };
            answer(&mut client, code, s3_code, &target)
        }
        Some(Fault::SlowDown) => answer(&mut client, 503, "SlowDown", &target),
        Some(Fault::Reset) => {
            socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO))?;
            drop(client);
            Ok(())
        }
        Some(Fault::Delay(wait)) => {
            let (head, resp) = forward(shared, &req, &body, &method)?;
            std::thread::sleep(wait.saturating_sub(arrived.elapsed()));
            relay(&mut client, &head, &resp)
        }
        Some(Fault::Stall) => {
            let (head, resp) = forward(shared, &req, &body, &method)?;
            // Without a body (HEAD, empty objects) the stall starts before
            // the headers.
            if !resp.is_empty() {
                client.write_all(&head.closing())?;
                client.write_all(&resp[..resp.len() / 2])?;
                client.flush()?;
            }
            hang(shared, &mut client);
            Ok(())
        }
        None => pass(shared, &mut client, &req, &body, &method),
    }
}

/// Forwards the request and relays the whole answer.
fn pass(
    shared: &Shared,
    client: &mut TcpStream,
    req: &Head,
    body: &[u8],
    method: &str,
) -> std::io::Result<()> {
    let (head, resp) = forward(shared, req, body, method)?;
    relay(client, &head, &resp)
}

/// Sends a forwarded answer to the client and ends the connection.
fn relay(client: &mut TcpStream, head: &Head, resp: &[u8]) -> std::io::Result<()> {
    client.write_all(&head.closing())?;
    client.write_all(resp)?;
    client.flush()?;
    let _ = client.shutdown(Shutdown::Write);
    Ok(())
}

/// Sends the request upstream; returns the response head and body.
fn forward(
    shared: &Shared,
    req: &Head,
    body: &[u8],
    method: &str,
) -> std::io::Result<(Head, Vec<u8>)> {
    let mut up = TcpStream::connect(("127.0.0.1", shared.upstream))?;
    up.set_read_timeout(Some(Duration::from_mins(2)))?;
    up.write_all(&req.closing())?;
    up.write_all(body)?;
    let head = read_head(&mut up)?;
    let status: u16 = head
        .first_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let resp = if method == "HEAD" || status == 204 || status == 304 {
        Vec::new()
    } else {
        read_body(&mut up, &head, true)?
    };
    Ok((head, resp))
}

/// Holds the connection open, sending nothing, until the client closes it
/// or the proxy is dropped.
fn hang(shared: &Shared, client: &mut TcpStream) {
    let _ = client.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 1024];
    while !shared.shutdown.load(Ordering::SeqCst) {
        match client.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// An S3-style XML error answer.
fn answer(client: &mut TcpStream, status: u16, code: &str, resource: &str) -> std::io::Result<()> {
    let reason = match status {
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Injected Fault",
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected by magg-testkit's fault proxy</Message><Resource>{resource}</Resource><RequestId>magg-fault</RequestId></Error>"
    );
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    client.write_all(head.as_bytes())?;
    client.write_all(body.as_bytes())?;
    client.flush()?;
    let _ = client.shutdown(Shutdown::Write);
    Ok(())
}
