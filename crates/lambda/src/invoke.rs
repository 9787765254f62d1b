//! [`LambdaWorker`]: a [`ShardWorker`] that runs each shard as one
//! synchronous (RequestResponse) Lambda invocation through the real Invoke
//! API, retrying throttles, 5xx, function errors and timeouts with jittered
//! exponential backoff, and recording billed time per shard.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use base64::Engine as _;
use magg_run::{ShardStatus, ShardWorker, Task};
use magg_store::OutputStore;
use serde_json::json;

use crate::cost::{BILLED_MS, INVOCATIONS, billed_ms_from_log};
use crate::event::EventTemplate;
use crate::retry::{Failure, RetryPolicy};

/// How to reach the function.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// AWS region (else `AWS_REGION`/profile).
    pub region: Option<String>,
    /// Lambda endpoint (else `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`,
    /// else AWS's).
    pub endpoint_url: Option<String>,
    /// Static credentials (key id, secret) instead of the default chain
    /// (tests against a loopback endpoint).
    pub static_credentials: Option<(String, String)>,
}

/// One Lambda client for the whole run: its HTTP connector pools and
/// reuses connections, so thousands of concurrent invocations share a few
/// TLS sessions instead of a handshake each. The SDK's own retries are off:
/// [`LambdaWorker`] retries with its own policy.
pub async fn connect(opts: &ClientOptions) -> Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u.clone());
    }
    if let Some((id, secret)) = &opts.static_credentials {
        loader = loader.credentials_provider(aws_sdk_lambda::config::Credentials::new(
            id.clone(),
            secret.clone(),
            None,
            None,
            "magg-static",
        ));
    }
    let sdk = loader.load().await;
    let conf = aws_sdk_lambda::config::Builder::from(&sdk)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

/// Runs shards as Lambda invocations.
pub struct LambdaWorker {
    client: Client,
    function: String,
    template: EventTemplate,
    /// Where a failed shard's status record goes (see
    /// [`record_failures_in`](Self::record_failures_in)).
    store: Option<Arc<OutputStore>>,
    /// Retries and the per-invocation timeout.
    pub retry: RetryPolicy,
}

/// How one attempt went.
struct Attempt {
    result: Result<ShardStatus, Failure>,
    /// Billed milliseconds, when the invocation ran (is billed).
    billed_ms: Option<u64>,
}

impl LambdaWorker {
    /// A worker invoking `function` with events from `template`.
    pub fn new(client: Client, function: impl Into<String>, template: EventTemplate) -> Self {
        LambdaWorker {
            client,
            function: function.into(),
            template,
            store: None,
            retry: RetryPolicy::default(),
        }
    }

    /// Writes the status record (with its error) of every shard that ends
    /// failed into `store`, the run's output store, as the local worker
    /// does: a shard whose invocations all failed (throttled to the end,
    /// crashed, timed out) leaves no record of its own, and `--retry-failed`
    /// reruns only shards whose record has an error. A record with an error
    /// is never taken as complete; if the function is still running and
    /// finishes later, its own record replaces this one.
    #[must_use]
    pub fn record_failures_in(mut self, store: Arc<OutputStore>) -> Self {
        self.store = Some(store);
        self
    }

    async fn attempt(&self, shard: u64, payload: &[u8]) -> Attempt {
        let start = Instant::now();
        let call = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(InvocationType::RequestResponse)
            .log_type(LogType::Tail)
            .payload(Blob::new(payload))
            .send();
        match tokio::time::timeout(self.retry.timeout, call).await {
            Err(_) => Attempt {
                result: Err(Failure::Retryable(format!(
                    "no answer within {:.0} s",
                    self.retry.timeout.as_secs_f64()
                ))),
                // The function may still be running: bill the wait.
                billed_ms: Some(ms(start.elapsed())),
            },
            Ok(Ok(out)) => answered(shard, &out, start.elapsed()),
            Ok(Err(e)) => Attempt {
                result: Err(classify(&e)),
                billed_ms: None,
            },
        }
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis().max(1) as u64
}

/// A 2xx answer: the shard's record, or a function error.
fn answered(shard: u64, out: &InvokeOutput, elapsed: Duration) -> Attempt {
    let billed = out
        .log_result()
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|log| billed_ms_from_log(&String::from_utf8_lossy(&log)))
        .unwrap_or_else(|| ms(elapsed));
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
        match serde_json::from_slice::<ShardStatus>(body) {
            Ok(s) if s.shard == shard => Ok(s),
            Ok(s) => Err(Failure::Fatal(format!(
                "the function answered for shard {} instead",
                s.shard
            ))),
            Err(e) => Err(Failure::Fatal(format!(
                "the function's answer is not a shard record: {e}"
            ))),
        }
    };
    Attempt {
        result,
        billed_ms: Some(billed),
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Throttles, 5xx, timeouts and network failures are retryable; other
/// service errors (no such function, bad request, ...) are not.
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
            if err.is_too_many_requests_exception() || status == 429 || status >= 500 {
                Failure::Retryable(text)
            } else {
                Failure::Fatal(text)
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Failure::Retryable(format!("{e}: {}", source_chain(e)))
        }
        _ => Failure::Fatal(format!("{e}: {}", source_chain(e))),
    }
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

#[async_trait::async_trait]
impl ShardWorker for LambdaWorker {
    async fn run(&self, task: Task) -> ShardStatus {
        let payload = match serde_json::to_vec(&self.template.event(&task)) {
            Ok(p) => p,
            Err(e) => {
                let mut s = ShardStatus::new(task.shard);
                s.error = Some(format!("cannot encode the event: {e}"));
                return s;
            }
        };
        let (mut invocations, mut billed_ms) = (0u64, 0u64);
        let mut retries = Vec::new();
        let max = self.retry.max_attempts.max(1);
        let mut status = ShardStatus::new(task.shard);
        for attempt in 1..=max {
            let a = self.attempt(task.shard, &payload).await;
            if let Some(b) = a.billed_ms {
                invocations += 1;
                billed_ms += b;
            }
            match a.result {
                Ok(s) => {
                    status = s;
                    break;
                }
                Err(Failure::Fatal(e)) => {
                    status.error = Some(format!("attempt {attempt}: {e}"));
                    break;
                }
                Err(Failure::Retryable(e)) if attempt == max => {
                    status.error = Some(format!("failed after {max} attempts; last: {e}"));
                }
                Err(Failure::Retryable(e)) => {
                    retries.push(json!(format!("attempt {attempt}: {e}")));
                    tokio::time::sleep(self.retry.backoff(attempt)).await;
                }
            }
        }
        status.extra.insert(INVOCATIONS.into(), json!(invocations));
        status.extra.insert(BILLED_MS.into(), json!(billed_ms));
        if !retries.is_empty() {
            status.extra.insert("retries".into(), json!(retries));
        }
        if let (Some(store), Some(error)) = (&self.store, &status.error)
            && let Err(e) = store.write_status(&status).await
        {
            status.error = Some(format!("{error}; writing status record: {e}"));
        }
        status
    }

    fn kind(&self) -> &'static str {
        "lambda"
    }
}
