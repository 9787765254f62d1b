//! The synthetic function: the emulator answers invocations itself, with
//! no worker process, after a delay that grows with the shard's granules
//! (2–6 s in a full-scale benchmark, 20–60 ms scaled down for CI), under
//! an account's concurrency quota (429 beyond it), with windows in which
//! every invocation is throttled. Its answer is a shard record as a
//! worker's would be; it reads no granule and writes nothing to the store.
//!
//! [`shard_map`] makes a shard map for it: any number of order-6 shards
//! with 1..=N fake granule URLs each (never read).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use magg_catalog::{BBox, GranuleRef, GranuleUrls, Query, RegionInfo, ShardMap};
use serde_json::json;

/// What the synthetic function does.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// Time of an invocation, before the granules.
    pub base: Duration,
    /// Time added per granule of the event.
    pub per_granule: Duration,
    /// Concurrent executions the account allows: an invocation beyond
    /// gets 429 `TooManyRequestsException`, as Lambda answers.
    pub quota: Option<usize>,
    /// Windows (start, length), from the first invocation, in which every
    /// invocation is throttled whatever the concurrency.
    pub bursts: Vec<(Duration, Duration)>,
    /// Observations reported per granule.
    pub observations_per_granule: u64,
}

impl Synthetic {
    /// `base + per_granule × granules`, no quota, no bursts.
    pub fn new(base: Duration, per_granule: Duration) -> Self {
        Synthetic {
            base,
            per_granule,
            quota: None,
            bursts: Vec::new(),
            observations_per_granule: 1000,
        }
    }

    /// How long a shard of `granules` runs.
    pub fn delay(&self, granules: usize) -> Duration {
        self.base + self.per_granule * granules as u32
    }
}

/// Counters of the synthetic function.
#[derive(Debug, Default)]
pub(super) struct Counters {
    first: std::sync::OnceLock<Instant>,
    running: AtomicUsize,
    pub(super) peak_running: AtomicUsize,
    pub(super) throttled: AtomicU64,
    pub(super) completed: AtomicU64,
}

/// One execution counted as running while it lives.
pub(super) struct Running<'a>(&'a Counters);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Counters {
    /// Takes one of the quota's executions, or `None`: throttled (over
    /// the quota, or inside a burst).
    pub(super) fn admit(&self, syn: &Synthetic) -> Option<Running<'_>> {
        let since = self.first.get_or_init(Instant::now).elapsed();
        let in_burst = syn
            .bursts
            .iter()
            .any(|&(start, len)| since >= start && since < start + len);
        let n = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        let running = Running(self);
        if in_burst || syn.quota.is_some_and(|q| n > q) {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            return None;
        }
        self.peak_running.fetch_max(n, Ordering::SeqCst);
        Some(running)
    }

    /// Counts a throttle answered before the quota check (an injected
    /// fault).
    pub(super) fn throttle(&self) {
        self.throttled.fetch_add(1, Ordering::SeqCst);
    }
}

/// The shard record the function answers for `event` after `elapsed`.
pub(super) fn answer(syn: &Synthetic, event: &serde_json::Value, elapsed: Duration) -> Vec<u8> {
    let granules = event["granules"].as_array().map_or(0, Vec::len) as u64;
    json!({
        "shard": event["shard"],
        "observations": granules * syn.observations_per_granule,
        "cells": granules,
        "granules_read": granules,
        "bytes_read": 0,
        "requests": 0,
        "seconds": elapsed.as_secs_f64(),
        "error": null,
    })
    .to_string()
    .into_bytes()
}

/// A shard map of `shards` order-6 shards (consecutive cells from nested
/// index 32768) whose granule counts spread evenly over `granules`
/// (shuffled across shards), with fake `s3://synthetic-granules/` URLs
/// that only the synthetic function accepts (it reads none).
pub fn shard_map(shards: usize, granules: RangeInclusive<usize>) -> ShardMap {
    let (lo, hi) = (*granules.start().max(&1), *granules.end());
    let span = hi.saturating_sub(lo) + 1;
    let granule = |i: usize| GranuleRef {
        id: format!("SYNTHETIC_{i:04}.h5"),
        urls: GranuleUrls {
            s3: Some(format!("s3://synthetic-granules/SYNTHETIC_{i:04}.h5")),
            ..GranuleUrls::default()
        },
        bbox: BBox {
            west: -180.0,
            south: -90.0,
            east: 180.0,
            north: -60.0,
        },
        time_start: None,
        time_end: None,
        concept_id: None,
        window: 0,
    };
    let mut map = BTreeMap::new();
    for i in 0..shards {
        // A multiplicative shuffle (7919 is prime) spreads the counts.
        let rank = (i * 7919) % shards;
        let n = lo + rank * span / shards.max(1);
        let word = magg_morton::encode(6, 32768 + i as u64).expect("an order-6 cell");
        map.insert(word, (0..n).map(granule).collect());
    }
    ShardMap {
        query: Query {
            source: "synthetic".into(),
            short_name: None,
            version: None,
            temporal: None,
            cmr_url: None,
            region: RegionInfo {
                name: "synthetic".into(),
                moc_order: 6,
                moc: map.keys().copied().collect(),
            },
            match_order: 6,
            buffer_km: 0.0,
            region_rule: magg_catalog::RegionRule::default(),
        },
        windows: vec![magg_catalog::Window::all()],
        parent_order: 6,
        child_order: 12,
        rectilinear: None,
        shards: map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_spreads_granule_counts_and_round_trips() {
        let map = shard_map(1427, 1..=41);
        assert_eq!(map.shards.len(), 1427);
        let counts: Vec<usize> = map.shards.values().map(Vec::len).collect();
        assert_eq!(counts.iter().min(), Some(&1));
        assert_eq!(counts.iter().max(), Some(&41));
        let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
        assert!((mean - 21.0).abs() < 0.5, "{mean}");
        let back = ShardMap::from_json(&map.to_json(), "synthetic").unwrap();
        assert_eq!(back, map);
        let syn = Synthetic::new(Duration::from_millis(1900), Duration::from_millis(100));
        assert_eq!(syn.delay(1), Duration::from_secs(2));
        assert_eq!(syn.delay(41), Duration::from_secs(6));
    }

    #[test]
    fn the_quota_and_bursts_throttle() {
        let c = Counters::default();
        let mut syn = Synthetic::new(Duration::ZERO, Duration::ZERO);
        syn.quota = Some(2);
        let a = c.admit(&syn).unwrap();
        let b = c.admit(&syn).unwrap();
        assert!(c.admit(&syn).is_none(), "over the quota");
        drop(a);
        let a = c.admit(&syn).unwrap();
        drop((a, b));
        syn.bursts = vec![(Duration::ZERO, Duration::from_mins(1))];
        assert!(c.admit(&syn).is_none(), "inside a burst");
        assert_eq!(c.throttled.load(Ordering::SeqCst), 2);
        assert_eq!(c.peak_running.load(Ordering::SeqCst), 2);
        assert_eq!(c.running.load(Ordering::SeqCst), 0);
    }
}
