//! When and how long to wait before invoking a shard again.

use std::time::Duration;

/// Retry policy of the invoker.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Invocations per shard at most (first try included).
    pub max_attempts: u32,
    /// First backoff; doubles each attempt.
    pub base: Duration,
    /// Backoff cap.
    pub cap: Duration,
    /// Time allowed for one invocation (round trip), after which it counts
    /// as a retryable failure.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
            // Lambda's own maximum is 900 s.
            timeout: Duration::from_secs(905),
        }
    }
}

impl RetryPolicy {
    /// "Full jitter" backoff before attempt `attempt + 1` (attempt counts
    /// from 1): uniform in `[0, min(cap, base·2^(attempt−1))]`, so thousands
    /// of throttled callers do not come back in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let ceiling = exp.min(self.cap);
        ceiling.mul_f64(jitter())
    }
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
    /// Worth another attempt (throttled, 5xx, function error, timeout,
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
    }
}
