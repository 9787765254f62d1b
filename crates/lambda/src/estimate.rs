//! The dry-run cost model: projects a Lambda run's duration, GB-seconds and
//! dollars from per-observation figures measured by a local run (its
//! results JSON).
//!
//! Per shard, billed time = CPU time + transfer time + request latency +
//! start-up, where
//! - CPU time = measured CPU seconds per observation × observations in the
//!   shard ÷ the function's vCPU share (Lambda allots 1 vCPU at 1,769 MB,
//!   proportionally below; the share is capped at 1 because a shard's
//!   reduce is mostly one core);
//! - transfer = measured bytes per observation × observations ÷ S3
//!   throughput per worker (assumed 80 MB/s: one Lambda worker's typical
//!   single-digit-stream GET throughput within a region);
//! - latency = rounds per shard × first-byte latency (assumed 30 ms within
//!   a region): a round is a step of the longest chain of dependent
//!   requests (`magg-h5`'s `IoStats` counts them; the shard reader asks all
//!   the requests of a round at once), measured by the local run; when a
//!   shard asks more requests than it keeps in flight (256), its requests
//!   ÷ 256 rounds instead, if more;
//! - start-up = 0.3 s per invocation (a cold start of a static Rust binary
//!   plus opening the store), assumed.
//!
//! Observations are spread evenly over shards (real shards vary; the
//! costliest-first order bounds the wall time by the longest shard, which
//! this model does not see).

use magg_run::{Cost, RunReport};

use crate::cost::{Arch, Prices};

/// The assumptions of the model (see the module docs).
#[derive(Debug, Clone)]
pub struct Assumptions {
    /// S3 throughput per worker, bytes/s.
    pub s3_bytes_per_second: f64,
    /// First-byte latency of one range request, seconds.
    pub request_latency_s: f64,
    /// Range requests in flight per worker at most (the shard reader's
    /// request limiter, `magg_agg::ReadOptions`: 256).
    pub requests_in_flight: f64,
    /// Start-up per invocation, seconds.
    pub startup_s: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            s3_bytes_per_second: 80e6,
            request_latency_s: 0.030,
            requests_in_flight: magg_agg::DEFAULT_REQUESTS_IN_FLIGHT as f64,
            startup_s: 0.3,
        }
    }
}

/// Figures measured by a local run.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// CPU seconds per observation.
    pub cpu_s_per_observation: f64,
    /// Bytes read per observation.
    pub bytes_per_observation: f64,
    /// Range requests per observation.
    pub requests_per_observation: f64,
    /// Rounds (longest chains of dependent requests) per shard, the mean
    /// of the measured shards.
    pub rounds_per_shard: f64,
}

impl Measured {
    /// The figures of a local run's report; `None` without observations or
    /// CPU time, for another executor's report (a Lambda run's CPU time
    /// is the orchestrator's, not the workers'), or for a report written
    /// before rounds were counted (requests but no rounds).
    pub fn from_report(r: &RunReport) -> Option<Measured> {
        if r.executor != "local" {
            return None;
        }
        let obs = r.totals.observations as f64;
        let cpu = r.cpu_seconds?;
        let t = &r.totals;
        if t.requests > 0 && t.rounds == 0 {
            return None;
        }
        (obs > 0.0).then(|| Measured {
            cpu_s_per_observation: cpu / obs,
            bytes_per_observation: t.bytes_read as f64 / obs,
            requests_per_observation: t.requests as f64 / obs,
            rounds_per_shard: t.rounds as f64 / t.shards.max(1) as f64,
        })
    }
}

/// A projected run.
#[derive(Debug, Clone)]
pub struct Projection {
    /// Invocations: shards (one each), or the index pass's batches.
    pub shards: u64,
    /// Observations in all.
    pub observations: u64,
    /// Billed seconds of an average shard.
    pub seconds_per_shard: f64,
    /// Wall time at the given concurrency (shards in waves), seconds.
    pub wall_seconds: f64,
    /// The bill.
    pub cost: Cost,
}

impl Projection {
    /// `~W s wall, G GB-s, $C compute + $R requests = $T`.
    pub fn bill_line(&self) -> String {
        format!(
            "~{:.1} s wall, {:.0} GB-s, ${:.4} compute + ${:.4} requests = ${:.4}",
            self.wall_seconds,
            self.cost.gb_seconds,
            self.cost.compute_usd,
            self.cost.requests_usd,
            self.cost.total_usd
        )
    }
}

/// Projects `shards` invocations over `observations` observations.
#[allow(clippy::too_many_arguments)]
pub fn project(
    measured: &Measured,
    a: &Assumptions,
    shards: u64,
    observations: u64,
    memory_mb: u32,
    arch: Arch,
    concurrency: usize,
    prices: &Prices,
) -> Projection {
    let per_shard = observations as f64 / shards.max(1) as f64;
    let vcpu = (f64::from(memory_mb) / 1769.0).min(1.0);
    let cpu = measured.cpu_s_per_observation * per_shard / vcpu;
    let transfer = measured.bytes_per_observation * per_shard / a.s3_bytes_per_second;
    let rounds = measured
        .rounds_per_shard
        .max(measured.requests_per_observation * per_shard / a.requests_in_flight.max(1.0));
    let latency = rounds * a.request_latency_s;
    let seconds = cpu + transfer + latency + a.startup_s;
    let waves = (shards as f64 / concurrency.max(1) as f64).ceil();
    let billed_ms = (seconds * 1000.0).ceil() as u64 * shards;
    Projection {
        shards,
        observations,
        seconds_per_shard: seconds,
        wall_seconds: waves * seconds,
        cost: prices.bill(shards, billed_ms, memory_mb, arch),
    }
}

/// Per-granule figures of the chunk index pass (`magg chunk-index` prints
/// them for a map; `magg-bench shard --chunk-index` for the dense shard).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexMeasured {
    /// Rounds of one granule (dependency depth: a batch's granules are read
    /// at once, so a batch takes the deepest granule's).
    pub rounds_per_granule: f64,
    /// Bytes fetched per granule (its metadata, chunk tables and whole
    /// coordinate columns).
    pub bytes_per_granule: f64,
    /// CPU seconds per granule (inflating the coordinates, hashing every
    /// row for the summaries).
    pub cpu_s_per_granule: f64,
}

/// A full-density ATL06 granule, as measured: the 40 granules of the dense
/// shard 6:32776 (588 k rows each), `magg chunk-index` over their map,
/// 2026-12-03 (`BENCHMARKS.md`, "The index pass on Lambda"): 2,262
/// requests, 7 rounds, 269.9 MB fetched, 5.95 s CPU for the 40 in a
/// **debug** build (our crates unoptimised: an upper bound on a release
/// build's CPU).
pub const FULL_DENSITY_GRANULE: IndexMeasured = IndexMeasured {
    rounds_per_granule: 7.0,
    bytes_per_granule: 269.9e6 / 40.0,
    cpu_s_per_granule: 5.95 / 40.0,
};

/// Projects the index pass over `granules` in batches of `batch`, one
/// invocation each: per batch, start-up + rounds × first-byte latency +
/// the batch's bytes ÷ throughput + its CPU ÷ the vCPU share (the
/// granules of a batch share one worker's bandwidth and core).
#[allow(clippy::too_many_arguments)]
pub fn project_index_pass(
    m: &IndexMeasured,
    a: &Assumptions,
    granules: u64,
    batch: u64,
    memory_mb: u32,
    arch: Arch,
    concurrency: usize,
    prices: &Prices,
) -> Projection {
    let batch = batch.max(1);
    let batches = granules.div_ceil(batch);
    let vcpu = (f64::from(memory_mb) / 1769.0).min(1.0);
    let b = batch.min(granules.max(1)) as f64;
    let seconds = a.startup_s
        + m.rounds_per_granule * a.request_latency_s
        + b * m.bytes_per_granule / a.s3_bytes_per_second
        + b * m.cpu_s_per_granule / vcpu;
    let waves = (batches as f64 / concurrency.max(1) as f64).ceil();
    let billed_ms = (seconds * 1000.0).ceil() as u64 * batches;
    Projection {
        shards: batches,
        observations: 0,
        seconds_per_shard: seconds,
        wall_seconds: waves * seconds,
        cost: prices.bill(batches, billed_ms, memory_mb, arch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::US_EAST_1;

    #[test]
    fn terms_add_up() {
        let m = Measured {
            cpu_s_per_observation: 1e-6,
            bytes_per_observation: 80.0,
            requests_per_observation: 1e-3,
            rounds_per_shard: 5.0,
        };
        let a = Assumptions::default();
        // 1e6 observations per shard at 1,769 MB: 1 s CPU + 1 s transfer
        // + 5 rounds × 30 ms (1000 requests fit in 4 rounds of 256) + 0.3 s.
        let p = project(&m, &a, 10, 10_000_000, 1769, Arch::Arm64, 5, &US_EAST_1);
        assert!((p.seconds_per_shard - 2.45).abs() < 1e-9, "{p:?}");
        assert!((p.wall_seconds - 2.0 * 2.45).abs() < 1e-9);
        assert_eq!(p.cost.invocations, 10);
        assert!((p.cost.billed_seconds - 24.5).abs() < 1e-9);
        // More requests than 5 rounds of 256 can hold: requests ÷ 256
        // rounds (5e-3 × 1e6 = 5,000 requests: 19.53125 rounds).
        let busy = Measured {
            requests_per_observation: 5e-3,
            ..m
        };
        let p = project(&busy, &a, 10, 10_000_000, 1769, Arch::Arm64, 5, &US_EAST_1);
        assert!(
            (p.seconds_per_shard - (2.3 + 19.531_25 * 0.03)).abs() < 1e-9,
            "{p:?}"
        );
    }

    #[test]
    fn a_hand_computed_case_below_one_vcpu_on_x86() {
        let m = Measured {
            cpu_s_per_observation: 2e-6,
            bytes_per_observation: 40.0,
            requests_per_observation: 2e-4,
            rounds_per_shard: 3.0,
        };
        // 5e5 observations per shard at 1,024 MB (1024/1769 of a vCPU):
        // CPU 1 s × 1769/1024 = 1.7275390625 s; transfer 2e7 B / 80 MB/s
        // = 0.25 s; 3 rounds × 30 ms = 0.09 s (100 requests: one round of
        // 256); start-up 0.3 s.
        let p = project(
            &m,
            &Assumptions::default(),
            100,
            50_000_000,
            1024,
            Arch::X86_64,
            40,
            &US_EAST_1,
        );
        assert!(
            (p.seconds_per_shard - 2.367_539_062_5).abs() < 1e-12,
            "{p:?}"
        );
        // 3 waves of 40.
        assert!((p.wall_seconds - 7.102_617_187_5).abs() < 1e-12);
        // 2,368 ms billed per shard (rounded up), 1 GB.
        assert!((p.cost.billed_seconds - 236.8).abs() < 1e-9);
        assert!((p.cost.gb_seconds - 236.8).abs() < 1e-9);
        assert!((p.cost.compute_usd - 0.003_946_674_56).abs() < 1e-14);
        assert!((p.cost.requests_usd - 0.000_02).abs() < 1e-15);
        assert!((p.cost.total_usd - 0.003_966_674_56).abs() < 1e-14);
        assert_eq!(p.cost.architecture, "x86_64");
    }

    #[test]
    fn an_index_pass_by_hand() {
        let m = IndexMeasured {
            rounds_per_granule: 6.0,
            bytes_per_granule: 8e6,
            cpu_s_per_granule: 0.05,
        };
        let a = Assumptions {
            request_latency_s: 0.025,
            ..Assumptions::default()
        };
        // 100 granules in batches of 8: 13 invocations at 1,769 MB (one
        // vCPU) of 0.3 + 6 × 0.025 + 8 × 0.1 + 8 × 0.05 = 1.65 s; 10 at
        // once: 2 waves.
        let p = project_index_pass(&m, &a, 100, 8, 1769, Arch::Arm64, 10, &US_EAST_1);
        assert_eq!(p.shards, 13);
        assert!((p.seconds_per_shard - 1.65).abs() < 1e-9, "{p:?}");
        assert!((p.wall_seconds - 3.3).abs() < 1e-9);
        assert!((p.cost.billed_seconds - 13.0 * 1.65).abs() < 1e-9);
        assert!((p.cost.gb_seconds - 13.0 * 1.65 * 1769.0 / 1024.0).abs() < 1e-9);
        // Fewer granules than a batch: the batch is what there is.
        let p = project_index_pass(&m, &a, 2, 8, 1769, Arch::Arm64, 10, &US_EAST_1);
        assert!(
            (p.seconds_per_shard - (0.45 + 0.2 + 0.1)).abs() < 1e-9,
            "{p:?}"
        );
    }

    #[test]
    fn measured_figures_come_from_a_results_json() {
        let r: RunReport = serde_json::from_value(serde_json::json!({
            "magg_results": 1, "executor": "local", "workers": 4, "store": "s.zarr",
            "wall_seconds": 3.0, "cpu_seconds": 5.0, "skipped": [], "not_started": [],
            "shards": [],
            "totals": {"shards": 10, "with_data": 9, "empty": 1, "errors": 0,
                       "observations": 2_000_000, "cells": 5, "bytes_read": 50_000_000,
                       "requests": 400, "rounds": 35, "max_rounds": 7, "shard_seconds": 6.0}
        }))
        .unwrap();
        let m = Measured::from_report(&r).unwrap();
        assert!((m.cpu_s_per_observation - 2.5e-6).abs() < 1e-18);
        assert!((m.bytes_per_observation - 25.0).abs() < 1e-12);
        assert!((m.requests_per_observation - 2e-4).abs() < 1e-18);
        assert!((m.rounds_per_shard - 3.5).abs() < 1e-12);
        // Written before rounds were counted: no latency to measure from.
        let mut old = r.clone();
        old.totals.rounds = 0;
        assert!(Measured::from_report(&old).is_none());
        let none = RunReport {
            cpu_seconds: None,
            ..r.clone()
        };
        assert!(Measured::from_report(&none).is_none());
        let lambda = RunReport {
            executor: "lambda".into(),
            ..r
        };
        assert!(Measured::from_report(&lambda).is_none());
    }
}
