//! One synchronous (RequestResponse) invocation through the real Invoke
//! API, and what its answer means for the retry and the in-flight limit.

use std::time::{Duration, Instant};

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use base64::Engine as _;

use crate::cost::billed_ms_from_log;
use crate::limit::Outcome;
use crate::retry::Failure;

/// How one invocation went.
pub(crate) struct Attempt {
    /// The function's answer (its response payload), or why there is none
    /// (a function error is [`Failure::Retryable`]).
    pub(crate) result: Result<Vec<u8>, Failure>,
    /// Billed milliseconds, when the invocation ran (is billed).
    pub(crate) billed_ms: Option<u64>,
    /// What it tells the in-flight limit.
    pub(crate) outcome: Outcome,
    /// How long the function ran, from its log (`Duration`), when known.
    pub(crate) ran: Option<Duration>,
}

/// Invokes `function` once with `payload`, waiting at most `timeout` for
/// the answer.
pub(crate) async fn invoke(
    client: &Client,
    function: &str,
    payload: &[u8],
    timeout: Duration,
) -> Attempt {
    let start = Instant::now();
    let call = client
        .invoke()
        .function_name(function)
        .invocation_type(InvocationType::RequestResponse)
        .log_type(LogType::Tail)
        .payload(Blob::new(payload))
        .send();
    match tokio::time::timeout(timeout, call).await {
        Err(_) => Attempt {
            result: Err(Failure::Retryable(format!(
                "no answer within {:.0} s",
                timeout.as_secs_f64()
            ))),
            // The function may still be running: bill the wait.
            billed_ms: Some(ms(start.elapsed())),
            outcome: Outcome::Other,
            ran: None,
        },
        Ok(Ok(out)) => answered(&out, start.elapsed()),
        Ok(Err(e)) => {
            let failure = classify(&e);
            let outcome = if matches!(failure, Failure::Throttled(_)) {
                Outcome::Throttled
            } else {
                Outcome::Other
            };
            Attempt {
                result: Err(failure),
                billed_ms: None,
                outcome,
                ran: None,
            }
        }
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis().max(1) as u64
}

/// A 2xx answer: the function's response, or a function error (the
/// service ran the function either way).
fn answered(out: &InvokeOutput, elapsed: Duration) -> Attempt {
    let log = out
        .log_result()
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .map(|log| String::from_utf8_lossy(&log).into_owned());
    let billed = log
        .as_deref()
        .and_then(billed_ms_from_log)
        .unwrap_or_else(|| ms(elapsed));
    let ran = log.as_deref().and_then(duration_from_log);
    let body = out.payload().map_or(&[][..], Blob::as_ref);
    let result = if let Some(kind) = out.function_error() {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let what = v["errorType"].as_str().unwrap_or("unknown");
        let msg = v["errorMessage"].as_str().unwrap_or_default();
        Err(Failure::Retryable(format!(
            "function error ({kind}): {what}: {}",
            truncate(msg, 300)
        )))
    } else {
        Ok(body.to_vec())
    };
    Attempt {
        result,
        billed_ms: Some(billed),
        outcome: Outcome::Accepted,
        ran,
    }
}

/// The `Duration: 12.34 ms` of a log tail's `REPORT` line.
fn duration_from_log(log: &str) -> Option<Duration> {
    let rest = log.split("\tDuration: ").nth(1)?;
    let ms: f64 = rest.split(" ms").next()?.trim().parse().ok()?;
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Capacity refusals (429 `TooManyRequestsException`, EC2 throttles, ENI
/// and subnet address limits) and this process running out of file
/// descriptors are throttles: backpressure, retried while the run makes
/// progress. 5xx, timeouts and network failures are retryable a bounded
/// number of times; other service errors (no such function, bad request,
/// ...) are not.
fn classify(e: &SdkError<InvokeError, aws_sdk_lambda::config::http::HttpResponse>) -> Failure {
    match e {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let err = ctx.err();
            let text = format!(
                "HTTP {status} {}: {}",
                err.meta().code().unwrap_or("error"),
                err.meta().message().unwrap_or_default()
            );
            let capacity = err.is_too_many_requests_exception()
                || err.is_ec2_throttled_exception()
                || err.is_eni_limit_reached_exception()
                || err.is_subnet_ip_address_limit_reached_exception();
            if capacity || status == 429 {
                Failure::Throttled(text)
            } else if status >= 500 {
                Failure::Retryable(text)
            } else {
                Failure::Fatal(text)
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            let text = format!("{e}: {}", source_chain(e));
            if out_of_files(e) {
                Failure::Throttled(format!("this process is out of file descriptors: {text}"))
            } else {
                Failure::Retryable(text)
            }
        }
        _ => Failure::Fatal(format!("{e}: {}", source_chain(e))),
    }
}

/// Whether an I/O error in `e`'s sources is EMFILE or ENFILE (too many
/// open files in this process or the system).
fn out_of_files(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(io.raw_os_error(), Some(23 | 24))
        {
            return true;
        }
        cur = err.source();
    }
    false
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut cur = e.source();
    while let Some(s) = cur {
        parts.push(s.to_string());
        cur = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrap(std::io::Error);
    impl std::fmt::Display for Wrap {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "tcp open error")
        }
    }
    impl std::error::Error for Wrap {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_run_time_is_read_from_the_log_tail() {
        let log = "START RequestId: x\nREPORT RequestId: x\tDuration: 2041.53 ms\tBilled Duration: 2042 ms\tMemory Size: 2048 MB\t\n";
        assert_eq!(
            duration_from_log(log),
            Some(Duration::from_micros(2_041_530))
        );
        assert_eq!(duration_from_log("no report"), None);
    }

    #[test]
    fn emfile_anywhere_in_the_sources_is_out_of_files() {
        let emfile = Wrap(std::io::Error::from_raw_os_error(24));
        assert!(out_of_files(&emfile));
        let refused = Wrap(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(!out_of_files(&refused));
    }
}
