//! [`IoPolicy`]: how hard magg tries before a remote read or write fails.

use std::time::Duration;

/// Retries and timeouts for every remote request (S3, HTTP). Local files
/// are not affected.
///
/// A failed request is retried on 5xx answers (including S3 `SlowDown`),
/// 429, connection errors and resets, and on timeouts of idempotent
/// requests, with exponential backoff and jitter; a response body that
/// breaks off is resumed with a range request under the same budget. It
/// gives up after [`max_retries`](Self::max_retries) retries or once
/// [`retry_timeout`](Self::retry_timeout) has passed since the first try,
/// whichever comes first, so one request fails within
/// [`worst_case`](Self::worst_case).
///
/// The defaults bound one request to about two minutes:
///
/// | field | default |
/// |---|---|
/// | `max_retries` | 10 |
/// | `init_backoff` | 100 ms (then ×2 with jitter) |
/// | `max_backoff` | 15 s |
/// | `retry_timeout` | 90 s |
/// | `connect_timeout` | 5 s |
/// | `request_timeout` | 30 s (one attempt, connect to last body byte) |
///
/// Serialises with serde (durations as `{"secs", "nanos"}`): the Lambda
/// event carries it to the workers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IoPolicy {
    /// Retries after the first attempt (0: no retry).
    pub max_retries: usize,
    /// The first backoff.
    pub init_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// No retry starts later than this after the first attempt (the
    /// attempts' own time included: keep it well above
    /// [`request_timeout`](Self::request_timeout), or a timed-out attempt
    /// is never retried).
    pub retry_timeout: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, from connecting to the last byte of
    /// the response body (cuts a stalled transfer).
    pub request_timeout: Duration,
}

impl Default for IoPolicy {
    fn default() -> Self {
        IoPolicy {
            max_retries: 10,
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(15),
            retry_timeout: Duration::from_secs(90),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl IoPolicy {
    /// The longest one request can take before its error is returned: the
    /// retry window, plus the last backoff, plus the last attempt.
    pub fn worst_case(&self) -> Duration {
        self.retry_timeout + self.max_backoff + self.request_timeout
    }

    /// object_store's retry settings for this policy.
    #[cfg(any(feature = "s3", feature = "http"))]
    pub fn retry_config(&self) -> object_store::RetryConfig {
        object_store::RetryConfig {
            backoff: object_store::BackoffConfig {
                init_backoff: self.init_backoff,
                max_backoff: self.max_backoff.max(self.init_backoff),
                base: 2.0,
            },
            max_retries: self.max_retries,
            retry_timeout: self.retry_timeout,
        }
    }

    /// object_store's HTTP client settings for this policy (timeouts only;
    /// everything else at object_store's defaults).
    #[cfg(any(feature = "s3", feature = "http"))]
    pub fn client_options(&self) -> object_store::ClientOptions {
        object_store::ClientOptions::new()
            .with_connect_timeout(self.connect_timeout)
            .with_timeout(self.request_timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bound_a_request_to_about_two_minutes() {
        let p = IoPolicy::default();
        assert!(p.worst_case() <= Duration::from_mins(3));
        assert!(p.worst_case() >= Duration::from_mins(1));
    }

    #[cfg(any(feature = "s3", feature = "http"))]
    #[test]
    fn maps_onto_object_store_settings() {
        use object_store::ClientConfigKey as K;
        let p = IoPolicy {
            max_retries: 3,
            retry_timeout: Duration::from_secs(7),
            request_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_millis(1500),
            ..IoPolicy::default()
        };
        let r = p.retry_config();
        assert_eq!(r.max_retries, 3);
        assert_eq!(r.retry_timeout, Duration::from_secs(7));
        let c = p.client_options();
        assert_eq!(c.get_config_value(&K::Timeout).as_deref(), Some("2s"));
        assert_eq!(
            c.get_config_value(&K::ConnectTimeout).as_deref(),
            Some("1s 500ms")
        );
    }
}
