//! Conservation check of a finished store (`magg verify`): every shard of
//! the shard map must have a complete status record, and at every output
//! order the shard's `count` chunk must add up to the record's
//! observations (and, at the finest order, have the record's number of
//! populated cells).

use std::collections::BTreeSet;

use magg_catalog::ShardMap;
use magg_store::{Column, OutputStore, ShardStatus, StoreError};

/// One thing wrong with one shard.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The shard's morton word.
    pub shard: u64,
    /// What is wrong.
    pub what: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Shards of the map checked.
    pub shards: usize,
    /// Shards whose chunks agree with their complete status record.
    pub consistent: usize,
    /// Observations in the consistent shards.
    pub observations: u64,
    /// Every problem, by shard.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn sum_and_cells(c: &Column) -> Result<(u64, u64), String> {
    fn go<T: Copy + Into<f64>>(v: &[T]) -> Result<(u64, u64), String> {
        let mut sum = 0u64;
        let mut cells = 0u64;
        for &x in v {
            let x: f64 = x.into();
            if x < 0.0 || x.fract() != 0.0 || !x.is_finite() {
                return Err(format!(
                    "count value {x} is not a whole non-negative number"
                ));
            }
            sum += x as u64;
            cells += u64::from(x > 0.0);
        }
        Ok((sum, cells))
    }
    match c {
        Column::I32(v) => go(v),
        Column::U32(v) => go(v),
        Column::F32(v) => go(v),
        Column::F64(v) => go(v),
        Column::I64(v) => go(&v.iter().map(|&x| x as f64).collect::<Vec<_>>()),
        Column::U64(v) => go(&v.iter().map(|&x| x as f64).collect::<Vec<_>>()),
    }
}

/// The sum of a shard's `count_var` chunk at `order` and its cells with
/// data, per time window of a store with windows (one entry without).
async fn per_window(
    store: &OutputStore,
    order: u8,
    count_var: &str,
    shard: u64,
) -> Result<Vec<(u64, u64)>, String> {
    let spec = store.spec();
    let windows: Vec<Option<usize>> = if spec.has_time(count_var) {
        (0..spec.windows.len()).map(Some).collect()
    } else {
        vec![None]
    };
    let mut out = Vec::with_capacity(windows.len());
    for w in windows {
        let c = store
            .read_window_chunk(order, count_var, shard, w)
            .await
            .map_err(|e| e.to_string())?;
        out.push(sum_and_cells(&c)?);
    }
    Ok(out)
}

/// What a status record claims, as `(label, observations, cells)`: one
/// entry per time window when the record keeps them (and the store has
/// that many windows), else one for the whole shard (`label` empty).
fn claims(rec: &ShardStatus, windows: &[magg_store::TimeWindow]) -> Vec<(String, u64, u64)> {
    if !rec.windows.is_empty() && rec.windows.len() == windows.len() {
        rec.windows
            .iter()
            .zip(windows)
            .map(|(t, w)| (format!("window {}: ", w.label), t.observations, t.cells))
            .collect()
    } else {
        vec![(String::new(), rec.observations, rec.cells)]
    }
}

/// Checks `store` against `map` using the `count_var` arrays: in a store
/// with time windows, window by window against the record's per-window
/// counts (records that predate them: summed over the windows, against the
/// record's totals, which count every window). Storage
/// errors on one shard are that shard's problem; only listing the status
/// records failing is an error.
pub async fn verify(
    store: &OutputStore,
    map: &ShardMap,
    count_var: &str,
) -> Result<VerifyReport, StoreError> {
    let mut report = VerifyReport::default();
    let records = store.list_status().await?;
    let in_map: BTreeSet<u64> = map.iter().map(|(s, _)| s).collect();
    let mut problems = Vec::new();
    let mut problem = |shard, what: String| problems.push(Problem { shard, what });
    for r in &records {
        if !in_map.contains(&r.shard) {
            problem(
                r.shard,
                "has a status record but is not in the shard map".into(),
            );
        }
    }
    let spec = store.spec();
    let finest = spec
        .orders
        .iter()
        .copied()
        .max()
        .unwrap_or(spec.parent_order);
    for &shard in &in_map {
        report.shards += 1;
        let Some(rec) = records.iter().find(|r| r.shard == shard) else {
            problem(shard, "no status record (never run, or interrupted)".into());
            continue;
        };
        if let Some(e) = &rec.error {
            problem(shard, format!("failed: {e}"));
            continue;
        }
        let mut fine = true;
        let claimed = claims(rec, &spec.windows);
        let (obs, cells) = claimed
            .iter()
            .fold((0, 0), |(o, c), (_, wo, wc)| (o + wo, c + wc));
        if obs != rec.observations || cells != rec.cells {
            problem(
                shard,
                format!(
                    "the status record's windows add up to {obs} observations and {cells} cells, \
                     its totals say {} and {}",
                    rec.observations, rec.cells
                ),
            );
            fine = false;
        }
        for &order in &spec.orders {
            let mut found = match per_window(store, order, count_var, shard).await {
                Ok(x) => x,
                Err(e) => {
                    problem(shard, format!("order {order} {count_var}: {e}"));
                    fine = false;
                    continue;
                }
            };
            if claimed.len() == 1 && found.len() > 1 {
                let total = found.iter().fold((0, 0), |(o, c), (s, n)| (o + s, c + n));
                found = vec![total];
            }
            for ((label, want_obs, want_cells), (sum, cells)) in claimed.iter().zip(&found) {
                if sum != want_obs {
                    problem(
                        shard,
                        format!(
                            "order {order}: {label}{count_var} adds up to {sum} but the status record says {want_obs} observations"
                        ),
                    );
                    fine = false;
                }
                if order == finest && cells != want_cells {
                    problem(
                        shard,
                        format!(
                            "order {order}: {label}{cells} cells have data but the status record says {want_cells}"
                        ),
                    );
                    fine = false;
                }
            }
        }
        if fine {
            report.consistent += 1;
            report.observations += rec.observations;
        }
    }
    problems.sort_by_key(|p| p.shard);
    report.problems = problems;
    Ok(report)
}
