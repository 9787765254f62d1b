//! [`LambdaWorker`]: a [`ShardWorker`] that runs each shard as one
//! synchronous Lambda invocation, inside the run's in-flight limit
//! ([`Limiter`]): throttles are backpressure (the limit goes down, the
//! shard is invoked again while the run makes progress), function errors
//! and timeouts have a bounded number of attempts, and billed time is
//! recorded per shard.

use std::sync::Arc;

use aws_sdk_lambda::Client;
use magg_run::{Admission, ShardStatus, ShardWorker, Task};
use magg_store::OutputStore;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::cost::{BILLED_MS, INVOCATIONS};
use crate::event::EventTemplate;
use crate::invoke::invoke;
use crate::limit::{FanOut, Limiter, Permit};
use crate::retry::{Failure, RetryPolicy};

/// Store writes of failed shards' records at once (each holds an S3
/// connection, a file descriptor of the orchestrator).
pub const STORE_WRITES: usize = 8;

/// The concurrency asked for when none is given (`--concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 1700;

/// Runs shards as Lambda invocations.
pub struct LambdaWorker {
    client: Client,
    function: String,
    template: EventTemplate,
    /// Where a failed shard's status record goes (see
    /// [`record_failures_in`](Self::record_failures_in)).
    store: Option<Arc<OutputStore>>,
    writes: Semaphore,
    limiter: Limiter,
    /// Retries, throttle budget and the per-invocation timeout.
    pub retry: RetryPolicy,
}

impl LambdaWorker {
    /// A worker invoking `function` with events from `template`, at most
    /// [`DEFAULT_CONCURRENCY`] at once (see [`with_limiter`](Self::with_limiter)).
    pub fn new(client: Client, function: impl Into<String>, template: EventTemplate) -> Self {
        LambdaWorker {
            client,
            function: function.into(),
            template,
            store: None,
            writes: Semaphore::new(STORE_WRITES),
            limiter: Limiter::new(FanOut::new(DEFAULT_CONCURRENCY)),
            retry: RetryPolicy::default(),
        }
    }

    /// Runs inside `limiter` (keep a clone to read what the run reached).
    #[must_use]
    pub fn with_limiter(mut self, limiter: Limiter) -> Self {
        self.limiter = limiter;
        self
    }

    /// The in-flight limit this worker runs in.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
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

    async fn keep_failure(&self, status: &mut ShardStatus) {
        let (Some(store), Some(error)) = (&self.store, &status.error) else {
            return;
        };
        let _slot = self.writes.acquire().await;
        if let Err(e) = store.write_status(status).await {
            status.error = Some(format!("{error}; writing status record: {e}"));
        }
    }
}

/// What the attempts of one shard cost and met.
#[derive(Default)]
struct Tally {
    calls: u32,
    invocations: u64,
    billed_ms: u64,
    throttles: u32,
    retries: Vec<serde_json::Value>,
}

#[async_trait::async_trait]
impl ShardWorker for LambdaWorker {
    async fn run(&self, task: Task) -> ShardStatus {
        self.run_admitted(task, None).await
    }

    async fn admit(&self, task: &Task) -> Option<Admission> {
        Some(Box::new(self.limiter.acquire(task.cost()).await))
    }

    async fn run_admitted(&self, task: Task, room: Option<Admission>) -> ShardStatus {
        let mut permit: Option<Permit> = room.and_then(|r| r.downcast().ok()).map(|p| *p);
        let mut status = ShardStatus::new(task.shard);
        let payload = match serde_json::to_vec(&self.template.event(&task)) {
            Ok(p) => p,
            Err(e) => {
                status.error = Some(format!("cannot encode the event: {e}"));
                return status;
            }
        };
        let max = self.retry.max_attempts.max(1);
        let (mut t, mut errors, mut in_a_row) = (Tally::default(), 0u32, 0u32);
        loop {
            let room = match permit.take() {
                Some(p) => p,
                None => self.limiter.acquire(task.cost()).await,
            };
            let a = invoke(
                &self.client,
                &self.function,
                task.shard,
                &payload,
                self.retry.timeout,
            )
            .await;
            room.finish_ran(a.outcome, a.ran);
            t.calls += 1;
            if let Some(b) = a.billed_ms {
                t.invocations += 1;
                t.billed_ms += b;
            }
            match a.result {
                Ok(s) => {
                    status = s;
                    break;
                }
                Err(Failure::Fatal(e)) => {
                    status.error = Some(format!("attempt {}: {e}", t.calls));
                    break;
                }
                Err(Failure::Throttled(e)) => {
                    t.throttles += 1;
                    in_a_row += 1;
                    let stalled = self.limiter.stalled_for();
                    if stalled >= self.retry.throttle_budget {
                        status.error = Some(format!(
                            "throttled {} time(s), and no invocation of the run accepted or running for {:.0} s (the throttle budget); last: {e}",
                            t.throttles,
                            stalled.as_secs_f64()
                        ));
                        break;
                    }
                    tokio::time::sleep(self.retry.throttle_backoff(in_a_row)).await;
                }
                Err(Failure::Retryable(e)) => {
                    in_a_row = 0;
                    errors += 1;
                    if errors >= max {
                        status.error = Some(format!("failed after {max} attempts; last: {e}"));
                        break;
                    }
                    t.retries.push(json!(format!("attempt {}: {e}", t.calls)));
                    tokio::time::sleep(self.retry.backoff(errors)).await;
                }
            }
        }
        status
            .extra
            .insert(INVOCATIONS.into(), json!(t.invocations));
        status.extra.insert(BILLED_MS.into(), json!(t.billed_ms));
        if t.throttles > 0 {
            status.extra.insert("throttles".into(), json!(t.throttles));
        }
        if !t.retries.is_empty() {
            status.extra.insert("retries".into(), json!(t.retries));
        }
        self.keep_failure(&mut status).await;
        status
    }

    fn kind(&self) -> &'static str {
        "lambda"
    }
}
