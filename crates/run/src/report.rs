//! The run report: per-shard records, totals, a printed summary and the
//! results JSON.

use std::fmt::Write as _;
use std::path::Path;

use magg_store::ShardStatus;
use serde::{Deserialize, Serialize};

use crate::concurrency::Concurrency;
use crate::progress::human;

/// Version of the results JSON layout.
pub const RESULTS_VERSION: u32 = 1;

/// Everything a run did, shard by shard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// Layout version of this JSON (`magg_results`).
    pub magg_results: u32,
    /// Which executor ran the shards (`local`, `lambda`).
    pub executor: String,
    /// Shards run concurrently.
    pub workers: usize,
    /// The output store.
    pub store: String,
    /// Wall time of the run, seconds.
    pub wall_seconds: f64,
    /// CPU time of this process during the run, seconds (user + system),
    /// where the platform reports it. With a remote executor (Lambda) this
    /// is the orchestrator's: the workers' time is in `cost`
    /// (`billed_seconds`), which the summary reports per observation.
    pub cpu_seconds: Option<f64>,
    /// Shards skipped because a complete status record existed (`--resume`).
    pub skipped: Vec<u64>,
    /// Shards not started because the run was interrupted.
    pub not_started: Vec<u64>,
    /// One record per shard that ran, in completion order.
    pub shards: Vec<ShardStatus>,
    /// Totals over `shards`.
    pub totals: Totals,
    /// What the run cost, for executors that bill per use (Lambda).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// The concurrency a remote executor reached (Lambda).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
}

/// The bill of a run on a pay-per-use executor (Lambda): billed compute
/// (GB-seconds at a price per GB-second) plus a per-request charge.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cost {
    /// Invocations billed (every attempt, retries included).
    pub invocations: u64,
    /// Sum of billed durations, seconds.
    pub billed_seconds: f64,
    /// Memory size of the function, MB.
    pub memory_mb: u32,
    /// CPU architecture priced (`arm64`, `x86_64`).
    pub architecture: String,
    /// Billed GB-seconds (billed seconds × memory GB).
    pub gb_seconds: f64,
    /// Price per GB-second used, USD.
    pub usd_per_gb_second: f64,
    /// Price per million requests used, USD.
    pub usd_per_million_requests: f64,
    /// Where and when the prices were read.
    pub price_source: String,
    /// Compute charge, USD.
    pub compute_usd: f64,
    /// Request charge, USD.
    pub requests_usd: f64,
    /// Compute + requests, USD.
    pub total_usd: f64,
}

/// Sums over the shards of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Totals {
    /// Shards that ran.
    pub shards: u64,
    /// Shards that completed with data.
    pub with_data: u64,
    /// Shards that completed without any valid observation.
    pub empty: u64,
    /// Shards that failed.
    pub errors: u64,
    /// Valid observations aggregated.
    pub observations: u64,
    /// Child cells with data.
    pub cells: u64,
    /// Bytes fetched from granules.
    pub bytes_read: u64,
    /// Range requests issued.
    pub requests: u64,
    /// The most rounds of any shard (its longest chain of dependent
    /// requests; with a first-byte latency L a shard waits at least
    /// rounds × L).
    #[serde(default)]
    pub max_rounds: u64,
    /// Rounds summed over the shards (divided by `shards`: the mean).
    #[serde(default)]
    pub rounds: u64,
    /// Granules read through their metadata because their chunk index
    /// entry could not be used, over all shards.
    #[serde(default)]
    pub index_fallbacks: u64,
    /// Sum of per-shard wall times, seconds.
    pub shard_seconds: f64,
}

impl Totals {
    /// Sums the records.
    pub fn of(shards: &[ShardStatus]) -> Self {
        let mut t = Totals::default();
        for s in shards {
            t.shards += 1;
            match (&s.error, s.observations) {
                (Some(_), _) => t.errors += 1,
                (None, 0) => t.empty += 1,
                (None, _) => t.with_data += 1,
            }
            t.observations += s.observations;
            t.cells += s.cells;
            t.bytes_read += s.bytes_read;
            t.requests += s.requests;
            t.rounds += s.rounds;
            t.max_rounds = t.max_rounds.max(s.rounds);
            t.index_fallbacks += s.index_fallbacks;
            t.shard_seconds += s.seconds;
        }
        t
    }
}

impl RunReport {
    /// The failed shards with their errors, sorted by shard.
    pub fn failures(&self) -> Vec<(u64, &str)> {
        let mut v: Vec<(u64, &str)> = self
            .shards
            .iter()
            .filter_map(|s| s.error.as_deref().map(|e| (s.shard, e)))
            .collect();
        v.sort_unstable();
        v
    }

    /// A human summary of the run.
    pub fn summary(&self) -> String {
        let t = &self.totals;
        let mut s = String::new();
        let wall = self.wall_seconds.max(1e-9);
        let _ = writeln!(
            s,
            "shards: {} run ({} with data, {} empty, {} errors){}{}",
            t.shards,
            t.with_data,
            t.empty,
            t.errors,
            if self.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped (already complete)", self.skipped.len())
            },
            if self.not_started.is_empty() {
                String::new()
            } else {
                format!(", {} not started (interrupted)", self.not_started.len())
            },
        );
        let _ = writeln!(
            s,
            "observations: {} in {} cells",
            human(t.observations),
            human(t.cells)
        );
        let cpu = self
            .cpu_seconds
            .map_or(String::from("n/a"), |c| format!("{c:.2} s"));
        // On a pay-per-use executor the shards ran elsewhere: this
        // process's CPU is the orchestrator's, and the per-observation
        // figure is the workers' billed time.
        let (cpu_label, per_obs_label) = if self.cost.is_some() {
            ("orchestrator CPU", "billed worker time")
        } else {
            ("CPU", "CPU")
        };
        let _ = writeln!(
            s,
            "time: {:.2} s wall, {cpu} {cpu_label}, {} workers ({} executor)",
            self.wall_seconds, self.workers, self.executor
        );
        let per_obs = if t.observations > 0 {
            t.bytes_read as f64 / t.observations as f64
        } else {
            0.0
        };
        let _ = writeln!(
            s,
            "read: {:.1} MB in {} requests ({per_obs:.1} bytes/observation); rounds per shard: {:.1} mean, {} most",
            t.bytes_read as f64 / 1e6,
            t.requests,
            t.rounds as f64 / t.shards.max(1) as f64,
            t.max_rounds
        );
        if t.index_fallbacks > 0 {
            let _ = writeln!(
                s,
                "chunk index: {} granule reads fell back to the granules' metadata (entries stale, corrupt, or \
                 without what the config reads, as a linked level's photons)",
                t.index_fallbacks
            );
        }
        let _ = writeln!(
            s,
            "throughput: {} observations/s wall{}",
            human((t.observations as f64 / wall) as u64),
            self.cost
                .as_ref()
                .map_or(self.cpu_seconds, |c| Some(c.billed_seconds))
                .filter(|c| *c > 0.0)
                .map_or(String::new(), |c| format!(
                    ", {:.3} µs {per_obs_label} per observation",
                    c * 1e6 / (t.observations.max(1) as f64)
                ))
        );
        if let Some(c) = &self.cost {
            let _ = writeln!(
                s,
                "cost: {} invocations, {:.1} GB-s ({} MB, {}) = ${:.4} compute + ${:.4} requests = ${:.4}",
                c.invocations,
                c.gb_seconds,
                c.memory_mb,
                c.architecture,
                c.compute_usd,
                c.requests_usd,
                c.total_usd
            );
        }
        if let Some(c) = &self.concurrency {
            let _ = writeln!(s, "{}", c.summary());
        }
        for (shard, err) in self.failures() {
            let _ = writeln!(s, "FAILED shard {shard}: {err}");
        }
        s
    }

    /// Writes the results JSON.
    pub fn write_json(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_json_text())
    }

    /// The results JSON text.
    pub fn to_json_text(&self) -> String {
        serde_json::to_string_pretty(self).expect("run reports serialize") + "\n"
    }
}

/// CPU time (user + system) of this process so far, seconds, on Linux.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime, stime are 14, 15.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux platform magg targets.
    Some(ticks / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(cost: Option<Cost>) -> RunReport {
        let mut shard = ShardStatus::new(1);
        shard.observations = 2_000_000;
        RunReport {
            magg_results: RESULTS_VERSION,
            executor: "x".into(),
            workers: 1,
            store: "mem".into(),
            wall_seconds: 2.0,
            cpu_seconds: Some(0.5),
            skipped: vec![],
            not_started: vec![],
            totals: Totals::of(std::slice::from_ref(&shard)),
            shards: vec![shard],
            cost,
            concurrency: None,
        }
    }

    #[test]
    fn per_observation_time_is_cpu_locally_and_billed_time_on_lambda() {
        // 0.5 s CPU / 2e6 observations = 0.25 µs.
        let local = report(None).summary();
        assert!(local.contains("0.50 s CPU,"), "{local}");
        assert!(local.contains(", 0.250 µs CPU per observation"), "{local}");

        // 8 s billed / 2e6 observations = 4 µs.
        let cost = Cost {
            billed_seconds: 8.0,
            ..Cost::default()
        };
        let lambda = report(Some(cost)).summary();
        assert!(lambda.contains("0.50 s orchestrator CPU,"), "{lambda}");
        assert!(
            lambda.contains(", 4.000 µs billed worker time per observation"),
            "{lambda}"
        );
        assert!(!lambda.contains("µs CPU"), "{lambda}");
    }

    #[test]
    fn rounds_are_summed_and_the_most_kept() {
        let shards: Vec<ShardStatus> = [(3, 40), (7, 90)]
            .into_iter()
            .enumerate()
            .map(|(i, (rounds, requests))| {
                let mut s = ShardStatus::new(i as u64);
                s.rounds = rounds;
                s.requests = requests;
                s
            })
            .collect();
        let t = Totals::of(&shards);
        assert_eq!((t.rounds, t.max_rounds, t.requests), (10, 7, 130));
        let mut r = report(None);
        r.totals = t;
        let text = r.summary();
        assert!(text.contains("in 130 requests"), "{text}");
        assert!(
            text.contains("rounds per shard: 5.0 mean, 7 most"),
            "{text}"
        );
        // Results JSON written before rounds were counted still reads.
        let old = r#"{"shards":1,"with_data":1,"empty":0,"errors":0,"observations":5,
            "cells":1,"bytes_read":9,"requests":2,"shard_seconds":0.5}"#;
        let t: Totals = serde_json::from_str(old).unwrap();
        assert_eq!((t.rounds, t.max_rounds), (0, 0));
    }
}
