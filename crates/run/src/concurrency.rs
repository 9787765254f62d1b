//! [`Concurrency`]: how far a remote fan-out got, for the run report.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The concurrency a remote executor (Lambda) asked for, what this
/// process's open-file limit let it keep in flight, and what the service
/// actually ran.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Concurrency {
    /// Invocations at once asked for (`--concurrency`).
    pub requested: usize,
    /// Invocations in flight at most: `requested`, or fewer when the
    /// open-file limit could not hold a connection for each.
    pub max_in_flight: usize,
    /// The soft open-file limit of the orchestrator (after raising it to
    /// the hard limit), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_files: Option<u64>,
    /// Most invocations the service ran at once (accepted, not throttled).
    pub peak_running: usize,
    /// Invocations running on average, from the first start to the last
    /// answer.
    pub mean_running: f64,
    /// Most invocation requests in flight at once, throttled ones included.
    pub peak_in_flight: usize,
    /// Invocations refused for capacity (429 and the like); retried.
    pub throttles: u64,
    /// Times a throttle lowered the in-flight limit.
    pub decreases: u64,
    /// The lowest in-flight limit of the run.
    pub min_limit: usize,
    /// The in-flight limit at the end.
    pub final_limit: usize,
    /// Connections the orchestrator opened to the service, when counted
    /// (reused: at most the requests in flight at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<u64>,
}

impl Concurrency {
    /// One line for the run summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "concurrency: {} asked, {} reached (mean {:.0}), {} throttled invocation(s)",
            self.requested, self.peak_running, self.mean_running, self.throttles
        );
        if let Some(n) = self.connections {
            let _ = write!(s, ", {n} connection(s)");
        }
        if self.decreases > 0 {
            let _ = write!(
                s,
                ", limit lowered {} time(s) (lowest {}, {} at the end)",
                self.decreases, self.min_limit, self.final_limit
            );
        }
        if self.max_in_flight < self.requested {
            let _ = write!(
                s,
                "; at most {} in flight (open-file limit {})",
                self.max_in_flight,
                self.open_files
                    .map_or_else(|| "unknown".to_string(), |n| n.to_string())
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_says_what_was_reached_and_why_less() {
        let c = Concurrency {
            requested: 1700,
            max_in_flight: 180,
            open_files: Some(256),
            peak_running: 180,
            mean_running: 171.4,
            peak_in_flight: 180,
            throttles: 0,
            decreases: 0,
            min_limit: 180,
            final_limit: 180,
            connections: None,
        };
        assert_eq!(
            c.summary(),
            "concurrency: 1700 asked, 180 reached (mean 171), 0 throttled invocation(s); at most 180 in flight (open-file limit 256)"
        );
        let c = Concurrency {
            max_in_flight: 1700,
            peak_running: 1000,
            throttles: 12,
            decreases: 3,
            min_limit: 901,
            final_limit: 987,
            ..c
        };
        assert!(
            c.summary().ends_with(
                "12 throttled invocation(s), limit lowered 3 time(s) (lowest 901, 987 at the end)"
            ),
            "{}",
            c.summary()
        );
    }
}
