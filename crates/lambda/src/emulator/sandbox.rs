//! Sandboxes: one worker process each, polling its own Runtime API
//! (`AWS_LAMBDA_RUNTIME_API`), restarted when it exits.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

use super::http::{Resp, body, respond};
use super::{Outcome, Shared};

const PREFIX: &str = "/2018-06-01/runtime";

/// One sandbox's state: the invocation its process holds.
#[derive(Default)]
struct Sandbox {
    current: Mutex<Option<(String, oneshot::Sender<Outcome>)>>,
    kill: Notify,
}

/// Binds a Runtime API for one sandbox and starts its process supervisor.
pub(super) async fn start(shared: Arc<Shared>) -> std::io::Result<[JoinHandle<()>; 2]> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let sandbox = Arc::new(Sandbox::default());
    let (s, b) = (Arc::clone(&shared), Arc::clone(&sandbox));
    let server = tokio::spawn(super::http::serve(listener, None, move |req| {
        runtime_api(Arc::clone(&s), Arc::clone(&b), req)
    }));
    let supervisor = tokio::spawn(supervise(shared, sandbox, addr));
    Ok([server, supervisor])
}

async fn supervise(shared: Arc<Shared>, sandbox: Arc<Sandbox>, addr: String) {
    let opts = &shared.opts;
    loop {
        let mut cmd = tokio::process::Command::new(&opts.command[0]);
        cmd.args(&opts.command[1..])
            .envs(opts.env.iter().cloned())
            .env("AWS_LAMBDA_RUNTIME_API", &addr)
            .env("AWS_LAMBDA_FUNCTION_NAME", &opts.function)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                opts.memory_mb.to_string(),
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        if !opts.worker_logs {
            cmd.stderr(std::process::Stdio::null());
        }
        let why = match cmd.spawn() {
            Err(e) => format!("cannot start {}: {e}", opts.command[0]),
            Ok(mut child) => {
                tokio::select! {
                    status = child.wait() => format!("{status:?}"),
                    () = sandbox.kill.notified() => {
                        let _ = child.start_kill();
                        format!("{:?} (killed)", child.wait().await)
                    }
                }
            }
        };
        if let Some((_, reply)) = sandbox.current.lock().expect("lock").take() {
            shared.crashes.fetch_add(1, Ordering::SeqCst);
            let _ = reply.send(Outcome::Exit(why));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn runtime_api(shared: Arc<Shared>, sandbox: Arc<Sandbox>, req: Request<Incoming>) -> Resp {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return respond(StatusCode::NOT_FOUND, &[], "not the runtime API");
    };
    if req.method() == Method::GET && rest == "/invocation/next" {
        let pending = {
            let mut next = shared.next.lock().await;
            next.recv().await
        };
        let Some(p) = pending else {
            return respond(StatusCode::INTERNAL_SERVER_ERROR, &[], "shutting down");
        };
        shared.dispatched.fetch_add(1, Ordering::SeqCst);
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            + shared.opts.timeout;
        *sandbox.current.lock().expect("lock") = Some((p.id.clone(), p.reply));
        if p.crash {
            sandbox.kill.notify_one();
        } else {
            // The function timeout runs from dispatch; Lambda then stops
            // the sandbox.
            let (sandbox, id, timeout) = (Arc::clone(&sandbox), p.id.clone(), shared.opts.timeout);
            tokio::spawn(async move {
                tokio::time::sleep(timeout).await;
                let held = {
                    let mut cur = sandbox.current.lock().expect("lock");
                    if cur.as_ref().is_some_and(|(h, _)| *h == id) {
                        cur.take()
                    } else {
                        None
                    }
                };
                if let Some((_, reply)) = held {
                    let _ = reply.send(Outcome::Timeout);
                    sandbox.kill.notify_one();
                }
            });
        }
        return respond(
            StatusCode::OK,
            &[
                ("Lambda-Runtime-Aws-Request-Id", p.id),
                (
                    "Lambda-Runtime-Deadline-Ms",
                    deadline.as_millis().to_string(),
                ),
                (
                    "Lambda-Runtime-Invoked-Function-Arn",
                    format!(
                        "arn:aws:lambda:us-east-1:000000000000:function:{}",
                        shared.opts.function
                    ),
                ),
                ("Content-Type", "application/json".to_string()),
            ],
            p.payload,
        );
    }
    if req.method() == Method::POST && rest == "/init/error" {
        return respond(StatusCode::ACCEPTED, &[], "{}");
    }
    let answer = rest
        .strip_prefix("/invocation/")
        .and_then(|r| r.rsplit_once('/'))
        .map(|(id, what)| (id.to_string(), what.to_string()));
    let (Some((id, what)), Method::POST) = (answer, req.method().clone()) else {
        return respond(StatusCode::NOT_FOUND, &[], "unknown runtime API path");
    };
    let payload = body(req).await;
    let held = {
        let mut cur = sandbox.current.lock().expect("lock");
        if cur.as_ref().is_some_and(|(held, _)| *held == id) {
            cur.take()
        } else {
            None
        }
    };
    let Some((_, reply)) = held else {
        return respond(StatusCode::BAD_REQUEST, &[], "InvalidRequestID");
    };
    let outcome = match what.as_str() {
        "response" => Outcome::Response(payload),
        "error" => Outcome::Error(payload),
        _ => return respond(StatusCode::NOT_FOUND, &[], "unknown runtime API path"),
    };
    let _ = reply.send(outcome);
    respond(StatusCode::ACCEPTED, &[], "{\"status\":\"OK\"}")
}
