//! The Invoke API side: `POST /2015-03-31/functions/{name}/invocations`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::json;
use tokio::sync::oneshot;

use super::http::{Resp, body, respond};
use super::{Fault, Outcome, Pending, Shared};

/// Counts one Invoke request in flight while it lives.
struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.requests.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(super) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let n = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    shared.peak_requests.fetch_max(n, Ordering::SeqCst);
    let _in_flight = InFlight(&shared);
    let path = req.uri().path().to_string();
    let name = path
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|rest| rest.strip_suffix("/invocations"));
    let Some(name) = name.filter(|_| req.method() == Method::POST) else {
        return aws_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "no such operation",
        );
    };
    let name = name.to_string();
    let tail = req
        .headers()
        .get("X-Amz-Log-Type")
        .is_some_and(|v| v == "Tail");
    let payload = body(req).await;
    if name != shared.opts.function {
        return aws_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}"),
        );
    }
    let event = serde_json::from_slice::<serde_json::Value>(&payload).unwrap_or_default();
    // Faults are keyed by the shard, or by an index event's batch.
    let shard = event["shard"]
        .as_u64()
        .or_else(|| event["index_batch"].as_u64());
    let id = format!("emu-{}", shared.ids.fetch_add(1, Ordering::SeqCst));
    let fault = shared.fault_for(shard);
    match fault {
        Some(Fault::Throttle) => {
            shared.synthetic.throttle();
            return throttled();
        }
        Some(Fault::ServerError) => {
            return aws_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceException",
                "An internal error occurred.",
            );
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_hours(1)).await;
        }
        Some(Fault::Timeout) => {
            // Answered at once, as if the function had run past its timeout
            // (the caller sees the same answer, without the wait).
            return timed_out(&shared, &id, Instant::now(), tail);
        }
        Some(Fault::Crash) | None => {}
    }
    if let Some(syn) = &shared.opts.synthetic {
        let crash = fault == Some(Fault::Crash);
        let Some(running) = shared.synthetic.admit(syn) else {
            if crash {
                shared.give_back(shard, Fault::Crash);
            }
            return throttled();
        };
        let answer = synthetic(&shared, syn, &event, &id, crash, tail).await;
        drop(running);
        return answer;
    }
    let (reply, answer) = oneshot::channel();
    let start = Instant::now();
    let pending = Pending {
        id: id.clone(),
        payload,
        crash: fault == Some(Fault::Crash),
        reply,
    };
    if shared.queue.send(pending).is_err() {
        return aws_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceException",
            "shutting down",
        );
    }
    // Waits in the queue for a free sandbox; the sandbox times it out.
    let log = |start: Instant| tail.then(|| log_tail(&shared, &id, start));
    match answer.await {
        Ok(Outcome::Timeout) => timed_out(&shared, &id, start, tail),
        Err(_) => aws_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "sandbox lost",
        ),
        Ok(Outcome::Response(b)) => ok(b, None, log(start)),
        Ok(Outcome::Error(b)) => ok(b, Some("Unhandled"), log(start)),
        Ok(Outcome::Exit(why)) => {
            let b = json!({
                "errorType": "Runtime.ExitError",
                "errorMessage": format!("RequestId: {id} Error: Runtime exited: {why}"),
            });
            ok(b.to_string().into(), Some("Unhandled"), log(start))
        }
    }
}

/// 429 for the account's concurrency, as Lambda answers it.
fn throttled() -> Resp {
    aws_error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        "Rate Exceeded.",
    )
}

/// The synthetic function, admitted under the quota: answered after its
/// delay (or crashed after it).
async fn synthetic(
    shared: &Shared,
    syn: &super::Synthetic,
    event: &serde_json::Value,
    id: &str,
    crash: bool,
    tail: bool,
) -> Resp {
    let start = Instant::now();
    let granules = event["granules"].as_array().map_or(0, Vec::len);
    let delay = syn.delay(granules);
    if delay > shared.opts.timeout {
        tokio::time::sleep(shared.opts.timeout).await;
        return timed_out(shared, id, start, tail);
    }
    tokio::time::sleep(delay).await;
    let log = tail.then(|| log_tail(shared, id, start));
    if crash {
        shared.crashes.fetch_add(1, Ordering::SeqCst);
        let b = json!({
            "errorType": "Runtime.ExitError",
            "errorMessage": format!("RequestId: {id} Error: Runtime exited with error: signal: killed"),
        });
        return ok(b.to_string().into(), Some("Unhandled"), log);
    }
    shared.synthetic.completed.fetch_add(1, Ordering::SeqCst);
    let body = super::synthetic::answer(syn, event, start.elapsed());
    ok(body.into(), None, log)
}

fn timed_out(shared: &Shared, id: &str, start: Instant, tail: bool) -> Resp {
    let b = json!({
        "errorType": "Sandbox.Timedout",
        "errorMessage": format!(
            "RequestId: {id} Error: Task timed out after {:.2} seconds",
            shared.opts.timeout.as_secs_f64()
        ),
    });
    ok(
        b.to_string().into(),
        Some("Unhandled"),
        tail.then(|| log_tail(shared, id, start)),
    )
}

/// A 200 answer, with `X-Amz-Function-Error` for function errors.
fn ok(body: Bytes, function_error: Option<&str>, log: Option<String>) -> Resp {
    let mut headers = vec![
        ("Content-Type", "application/json".to_string()),
        ("X-Amz-Executed-Version", "$LATEST".to_string()),
    ];
    if let Some(kind) = function_error {
        headers.push(("X-Amz-Function-Error", kind.to_string()));
    }
    if let Some(l) = log {
        headers.push(("X-Amz-Log-Result", l));
    }
    respond(StatusCode::OK, &headers, body)
}

/// The last lines of the invocation's log, base64, as Lambda sends them.
fn log_tail(shared: &Shared, id: &str, start: Instant) -> String {
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let text = format!(
        "START RequestId: {id} Version: $LATEST\nEND RequestId: {id}\nREPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: 0 MB\t\n",
        ms.ceil() as u64,
        shared.opts.memory_mb
    );
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// An AWS REST-JSON error: status, `X-Amzn-ErrorType`, `{"message"}`.
fn aws_error(status: StatusCode, kind: &str, message: &str) -> Resp {
    let kind_of = if status.is_server_error() {
        "Service"
    } else {
        "User"
    };
    respond(
        status,
        &[
            ("Content-Type", "application/json".to_string()),
            ("X-Amzn-ErrorType", kind.to_string()),
            (
                "X-Amzn-RequestId",
                "00000000-0000-0000-0000-000000000000".to_string(),
            ),
        ],
        json!({"Type": kind_of, "message": message}).to_string(),
    )
}
