//! One unit of work (a shard, a batch of granules to index) invoked until
//! it is done: inside the run's in-flight limit ([`Limiter`]), throttles
//! retried while the run makes progress, function errors, 5xx, network
//! errors and timeouts a bounded number of times ([`RetryPolicy`]), what
//! the attempts cost tallied. The answer's meaning is the caller's
//! (`parse`).

use aws_sdk_lambda::Client;

use crate::invoke::invoke;
use crate::limit::{Limiter, Permit};
use crate::retry::{Failure, RetryPolicy};

/// What the attempts of one unit cost and met.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    /// Invoke calls made (throttled ones included).
    pub(crate) calls: u32,
    /// Invocations the service ran (billed).
    pub(crate) invocations: u64,
    /// Billed milliseconds over them.
    pub(crate) billed_ms: u64,
    /// Throttled calls.
    pub(crate) throttles: u32,
    /// The failed attempts that were retried, with why.
    pub(crate) retries: Vec<String>,
}

/// Where and how to invoke.
pub(crate) struct Caller<'a> {
    pub(crate) client: &'a Client,
    pub(crate) function: &'a str,
    pub(crate) limiter: &'a Limiter,
    pub(crate) retry: &'a RetryPolicy,
}

impl Caller<'_> {
    /// Invokes the function with `payload` (a unit of `cost`, for the
    /// limiter's order) until `parse` accepts an answer, a failure is
    /// fatal, the bounded retries are spent or the throttle budget runs
    /// out; `permit`, if given, is the room the first attempt runs in.
    pub(crate) async fn call<T>(
        &self,
        cost: usize,
        payload: &[u8],
        mut permit: Option<Permit>,
        parse: impl Fn(&[u8]) -> Result<T, Failure>,
    ) -> (Result<T, String>, Tally) {
        let max = self.retry.max_attempts.max(1);
        let (mut t, mut errors, mut in_a_row) = (Tally::default(), 0u32, 0u32);
        loop {
            let room = match permit.take() {
                Some(p) => p,
                None => self.limiter.acquire(cost).await,
            };
            let a = invoke(self.client, self.function, payload, self.retry.timeout).await;
            room.finish_ran(a.outcome, a.ran);
            t.calls += 1;
            if let Some(b) = a.billed_ms {
                t.invocations += 1;
                t.billed_ms += b;
            }
            match a.result.and_then(|body| parse(&body)) {
                Ok(v) => return (Ok(v), t),
                Err(Failure::Fatal(e)) => {
                    let why = format!("attempt {}: {e}", t.calls);
                    return (Err(why), t);
                }
                Err(Failure::Throttled(e)) => {
                    t.throttles += 1;
                    in_a_row += 1;
                    let stalled = self.limiter.stalled_for();
                    if stalled >= self.retry.throttle_budget {
                        let why = format!(
                            "throttled {} time(s), and no invocation of the run accepted or running for {:.0} s (the throttle budget); last: {e}",
                            t.throttles,
                            stalled.as_secs_f64()
                        );
                        return (Err(why), t);
                    }
                    tokio::time::sleep(self.retry.throttle_backoff(in_a_row)).await;
                }
                Err(Failure::Retryable(e)) => {
                    in_a_row = 0;
                    errors += 1;
                    if errors >= max {
                        return (Err(format!("failed after {max} attempts; last: {e}")), t);
                    }
                    t.retries.push(format!("attempt {}: {e}", t.calls));
                    tokio::time::sleep(self.retry.backoff(errors)).await;
                }
            }
        }
    }
}
