//! When and how long to wait before invoking a shard again.

use std::time::Duration;

/// Retry policy of the invoker.
///
/// Two kinds of failure, two policies:
/// - function errors, 5xx, network errors and timeouts: at most
///   `max_attempts` invocations (first included), with jittered
///   exponential backoff from `base` up to `cap`;
/// - throttles (the account's concurrency, EC2/ENI limits, this process
///   out of file descriptors): backpressure, not failure. They lower the
///   in-flight limit ([`crate::Limiter`]) and the shard is invoked again
///   after a short jittered backoff (`throttle_base` … `throttle_cap`),
///   for as long as the run makes progress: it fails on throttles only
///   once no invocation has been accepted or running for
///   `throttle_budget`.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Invocations per shard at most for function errors, 5xx, network
    /// errors and timeouts (first try included; throttles do not count).
    pub max_attempts: u32,
    /// First backoff; doubles each attempt.
    pub base: Duration,
    /// Backoff cap.
    pub cap: Duration,
    /// Time allowed for one invocation (round trip), after which it counts
    /// as a retryable failure.
    pub timeout: Duration,
    /// Throttled shards fail once the run has gone this long without an
    /// invocation accepted or running.
    pub throttle_budget: Duration,
    /// First backoff after a throttle; doubles each throttle in a row.
    pub throttle_base: Duration,
    /// Backoff cap after a throttle.
    pub throttle_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
            // Lambda's own maximum is 900 s.
            timeout: Duration::from_secs(905),
            throttle_budget: Duration::from_mins(10),
            throttle_base: Duration::from_millis(50),
            throttle_cap: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// "Full jitter" backoff before attempt `attempt + 1` (attempt counts
    /// from 1): uniform in `[0, min(cap, base·2^(attempt−1))]`, so thousands
    /// of callers do not come back in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        full_jitter(self.base, self.cap, attempt)
    }

    /// The backoff after the `n`-th throttle in a row (from 1).
    pub fn throttle_backoff(&self, n: u32) -> Duration {
        full_jitter(self.throttle_base, self.throttle_cap, n)
    }
}

fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    exp.min(cap).mul_f64(jitter())
}

/// A uniform number in [0, 1) from the clock and a counter (no RNG
/// dependency; quality only needs to spread callers apart).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// How an attempt ended, for the retry decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Refused for capacity: retried while the run makes progress.
    Throttled(String),
    /// Worth a bounded number of attempts (5xx, function error, timeout,
    /// network).
    Retryable(String),
    /// Will fail again (bad request, no such function, bad response).
    Fatal(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        let samples: Vec<Duration> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(samples.iter().all(|d| *d <= Duration::from_millis(400)));
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(distinct.len() > 100, "jitter spreads the waits");
        assert!((0..50).all(|_| p.backoff(30) <= Duration::from_secs(1)));
        let d = RetryPolicy::default();
        assert!((0..50).all(|_| d.throttle_backoff(1) <= Duration::from_millis(50)));
        assert!((0..50).all(|_| d.throttle_backoff(40) <= Duration::from_secs(2)));
    }
}
