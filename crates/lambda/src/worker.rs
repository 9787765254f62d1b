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

use crate::call::Caller;
use crate::cost::{BILLED_MS, INVOCATIONS};
use crate::event::EventTemplate;
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

#[async_trait::async_trait]
impl ShardWorker for LambdaWorker {
    async fn run(&self, task: Task) -> ShardStatus {
        self.run_admitted(task, None).await
    }

    async fn admit(&self, task: &Task) -> Option<Admission> {
        Some(Box::new(self.limiter.acquire(task.cost()).await))
    }

    async fn run_admitted(&self, task: Task, room: Option<Admission>) -> ShardStatus {
        let permit: Option<Permit> = room.and_then(|r| r.downcast().ok()).map(|p| *p);
        let mut status = ShardStatus::new(task.shard);
        let payload = match serde_json::to_vec(&self.template.event(&task)) {
            Ok(p) => p,
            Err(e) => {
                status.error = Some(format!("cannot encode the event: {e}"));
                return status;
            }
        };
        let caller = Caller {
            client: &self.client,
            function: &self.function,
            limiter: &self.limiter,
            retry: &self.retry,
        };
        let shard = task.shard;
        let (result, t) = caller
            .call(task.cost(), &payload, permit, |body| {
                shard_record(shard, body)
            })
            .await;
        match result {
            Ok(s) => status = s,
            Err(e) => status.error = Some(e),
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

/// The function's answer for `shard`: its status record.
fn shard_record(shard: u64, body: &[u8]) -> Result<ShardStatus, Failure> {
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
}
