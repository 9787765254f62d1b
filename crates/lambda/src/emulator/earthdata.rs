//! A loopback Earthdata login for tests: a DAAC `s3credentials` endpoint
//! on `127.0.0.1` and a URS-like login host on `127.0.0.2`, speaking the
//! flow of the real pair:
//!
//! 1. `GET /s3credentials` without the session cookie → `307` to
//!    `http://127.0.0.2:P/oauth/authorize?client_id=…&response_type=code&redirect_uri=…`;
//! 2. the login host answers `401` (`WWW-Authenticate: Basic`) without the
//!    right Basic login, else `302` to `redirect_uri?code=C`;
//! 3. `GET /redirect?code=C` on the DAAC sets the session cookie
//!    (`Set-Cookie: accessToken=…; HttpOnly`) and redirects (`302`) to
//!    `/s3credentials`;
//! 4. with the cookie, `/s3credentials` answers the JSON document
//!    (`accessKeyId`, `secretAccessKey`, `sessionToken`, `expiration`).
//!
//! It counts what a client must not do: send the login to the DAAC or the
//! DAAC's cookie to the login host.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use tokio::task::JoinHandle;

use super::http::{Resp, respond};
use crate::credentials::S3Credentials;

/// What the loopback login accepts and hands out.
#[derive(Debug, Clone)]
pub struct EarthdataOptions {
    /// The Earthdata user.
    pub user: String,
    /// Its password.
    pub password: String,
    /// The credentials `/s3credentials` answers.
    pub credentials: S3Credentials,
}

#[derive(Default)]
struct State {
    codes: Vec<String>,
    sessions: Vec<String>,
}

struct Shared {
    opts: EarthdataOptions,
    daac: String,
    login: String,
    state: Mutex<State>,
    next: AtomicU64,
    served: AtomicU64,
    refused: AtomicU64,
    leaks: AtomicU64,
}

/// A running loopback DAAC + login host; stops on drop.
pub struct EarthdataServer {
    /// The `s3credentials` URL (`http://127.0.0.1:P/s3credentials`).
    pub endpoint: String,
    /// The login host (`127.0.0.2`): the netrc `machine`.
    pub login_host: String,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl EarthdataServer {
    /// Binds both hosts on loopback.
    pub async fn start(opts: EarthdataOptions) -> std::io::Result<EarthdataServer> {
        let daac = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let login = tokio::net::TcpListener::bind("127.0.0.2:0").await?;
        let shared = Arc::new(Shared {
            opts,
            daac: format!("http://{}", daac.local_addr()?),
            login: format!("http://{}", login.local_addr()?),
            state: Mutex::default(),
            next: AtomicU64::new(1),
            served: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            leaks: AtomicU64::new(0),
        });
        let (a, b) = (Arc::clone(&shared), Arc::clone(&shared));
        let tasks = vec![
            tokio::spawn(super::http::serve(daac, None, move |req| {
                let s = Arc::clone(&a);
                async move { s.daac(&req) }
            })),
            tokio::spawn(super::http::serve(login, None, move |req| {
                let s = Arc::clone(&b);
                async move { s.login(&req) }
            })),
        ];
        Ok(EarthdataServer {
            endpoint: format!("{}/s3credentials", shared.daac),
            login_host: "127.0.0.2".into(),
            shared,
            tasks,
        })
    }

    /// Credential documents served.
    pub fn served(&self) -> u64 {
        self.shared.served.load(Ordering::SeqCst)
    }

    /// Logins refused (401).
    pub fn refused(&self) -> u64 {
        self.shared.refused.load(Ordering::SeqCst)
    }

    /// Requests that carried the login to the DAAC or the DAAC's cookie to
    /// the login host (a correct client makes none).
    pub fn leaks(&self) -> u64 {
        self.shared.leaks.load(Ordering::SeqCst)
    }
}

impl Drop for EarthdataServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn query<'a>(req: &'a Request<Incoming>, key: &str) -> Option<&'a str> {
    req.uri()
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

impl Shared {
    fn token(&self, kind: &str) -> String {
        format!("{kind}-{}", self.next.fetch_add(1, Ordering::SeqCst))
    }

    fn daac(&self, req: &Request<Incoming>) -> Resp {
        if header(req, "authorization").is_some() {
            self.leaks.fetch_add(1, Ordering::SeqCst);
        }
        match req.uri().path() {
            "/s3credentials" => {
                let session = header(req, "cookie")
                    .into_iter()
                    .flat_map(|c| c.split(';'))
                    .find_map(|kv| kv.trim().strip_prefix("accessToken="));
                let known = session.is_some_and(|s| {
                    self.state
                        .lock()
                        .expect("lock")
                        .sessions
                        .iter()
                        .any(|k| k == s)
                });
                if known {
                    self.served.fetch_add(1, Ordering::SeqCst);
                    let body = serde_json::to_vec(&self.opts.credentials).unwrap_or_default();
                    return respond(
                        StatusCode::OK,
                        &[("Content-Type", "application/json".into())],
                        body,
                    );
                }
                let to = format!(
                    "{}/oauth/authorize?client_id=magg-test&response_type=code&redirect_uri={}/redirect",
                    self.login, self.daac
                );
                respond(StatusCode::TEMPORARY_REDIRECT, &[("Location", to)], "")
            }
            "/redirect" => {
                let code = query(req, "code").unwrap_or_default();
                let mut st = self.state.lock().expect("lock");
                let Some(i) = st.codes.iter().position(|c| c == code) else {
                    return respond(StatusCode::UNAUTHORIZED, &[], "unknown code");
                };
                st.codes.remove(i);
                let session = self.token("session");
                st.sessions.push(session.clone());
                respond(
                    StatusCode::FOUND,
                    &[
                        ("Location", "/s3credentials".into()),
                        (
                            "Set-Cookie",
                            format!("accessToken={session}; Path=/; HttpOnly"),
                        ),
                    ],
                    "",
                )
            }
            _ => respond(StatusCode::NOT_FOUND, &[], "not found"),
        }
    }

    fn login(&self, req: &Request<Incoming>) -> Resp {
        if header(req, "cookie").is_some_and(|c| c.contains("accessToken=")) {
            self.leaks.fetch_add(1, Ordering::SeqCst);
        }
        if req.uri().path() != "/oauth/authorize" {
            return respond(StatusCode::NOT_FOUND, &[], "not found");
        }
        let want = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", self.opts.user, self.opts.password))
        );
        if header(req, "authorization") != Some(want.as_str()) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return respond(
                StatusCode::UNAUTHORIZED,
                &[(
                    "WWW-Authenticate",
                    "Basic realm=\"Please enter your Earthdata Login credentials\"".into(),
                )],
                "{\"error\":\"invalid_credentials\"}",
            );
        }
        let Some(back) = query(req, "redirect_uri") else {
            return respond(StatusCode::BAD_REQUEST, &[], "no redirect_uri");
        };
        let code = self.token("code");
        self.state.lock().expect("lock").codes.push(code.clone());
        respond(
            StatusCode::FOUND,
            &[("Location", format!("{back}?code={code}"))],
            "",
        )
    }
}
