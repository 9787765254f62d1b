//! [`ShardAccumulator`]: collects one shard's valid observations, batch by
//! batch, as (child cell, source values); [`finish`](ShardAccumulator::finish)
//! groups them by cell with a counting sort.
//!
//! Memory is bounded by the shard's own points: a `u32` local cell index and
//! one `f64` per source variable per kept observation, plus scratch buffers
//! reused from batch to batch.

use crate::batch::{Batch, SourceSlice};
use crate::error::AggError;
use crate::locate::CellLocator;
use crate::plan::Plan;
use crate::reduce::GroupedShard;
use crate::region::ShardRegion;

/// Why observations were dropped, and how many were kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterStats {
    /// Rows offered.
    pub rows: u64,
    /// Dropped by the filters (the quality flag and `data_source.filters`).
    pub rejected_filters: u64,
    /// Dropped because a source variable was the fill value or not finite.
    pub rejected_values: u64,
    /// Dropped because latitude/longitude was fill, not finite, or |lat| > 90.
    pub rejected_coordinates: u64,
    /// Valid, but in another shard.
    pub outside_shard: u64,
    /// In the shard, but in a child cell the shard's region leaves out.
    pub outside_region: u64,
    /// Kept.
    pub kept: u64,
}

impl FilterStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &FilterStats) {
        self.rows += other.rows;
        self.rejected_filters += other.rejected_filters;
        self.rejected_values += other.rejected_values;
        self.rejected_coordinates += other.rejected_coordinates;
        self.outside_shard += other.outside_shard;
        self.outside_region += other.outside_region;
        self.kept += other.kept;
    }
}

/// Collects the observations of one shard.
#[derive(Debug)]
pub struct ShardAccumulator {
    plan: Plan,
    shard: u64,
    locator: CellLocator,
    cells: Vec<u32>,
    columns: Vec<Vec<f64>>,
    stats: FilterStats,
    // Scratch, reused across batches.
    rows: Vec<u32>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    local: Vec<u32>,
}

impl ShardAccumulator {
    /// An empty accumulator for the shard with morton word `shard`, which
    /// must be a cell at the plan's parent order, keeping every observation
    /// of the shard.
    pub fn new(plan: &Plan, shard: u64) -> Result<ShardAccumulator, AggError> {
        ShardAccumulator::in_region(plan, shard, &ShardRegion::Whole)
    }

    /// An empty accumulator for the shard `shard` that keeps only the
    /// observations whose child cell `region` selects.
    pub fn in_region(
        plan: &Plan,
        shard: u64,
        region: &ShardRegion,
    ) -> Result<ShardAccumulator, AggError> {
        let locator = CellLocator::new(plan, shard, region)?;
        Ok(ShardAccumulator {
            plan: plan.clone(),
            shard,
            locator,
            cells: Vec::new(),
            columns: vec![Vec::new(); plan.sources().len()],
            stats: FilterStats::default(),
            rows: Vec::new(),
            lat: Vec::new(),
            lon: Vec::new(),
            local: Vec::new(),
        })
    }

    /// The shard's morton word.
    pub fn shard(&self) -> u64 {
        self.shard
    }

    /// Filter counts so far.
    pub fn stats(&self) -> FilterStats {
        self.stats
    }

    /// Observations kept so far.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether no observation was kept yet.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Filters a batch (the config's filters, fill and non-finite values,
    /// invalid coordinates), indexes it to the child order and keeps the
    /// observations inside the shard and its region. Returns this batch's
    /// counts.
    pub fn push(&mut self, batch: &Batch<'_>) -> Result<FilterStats, AggError> {
        let n = self.check_shape(batch)?;
        let mut st = FilterStats {
            rows: n as u64,
            ..FilterStats::default()
        };
        let rows = &mut self.rows;
        rows.clear();
        rows.extend(0..n as u32);

        for (filter, flags) in self.plan.filters().iter().zip(&batch.filters) {
            filter.retain(flags, rows);
        }
        st.rejected_filters = (n - rows.len()) as u64;
        let before = rows.len();
        for var in &batch.variables {
            retain_valid(var, rows, |_| true);
        }
        st.rejected_values = (before - rows.len()) as u64;
        let before = rows.len();
        retain_valid(&batch.latitude, rows, |lat| lat.abs() <= 90.0);
        retain_valid(&batch.longitude, rows, |_| true);
        st.rejected_coordinates = (before - rows.len()) as u64;

        self.lat.clear();
        self.lon.clear();
        batch.latitude.values.gather(rows, &mut self.lat);
        batch.longitude.values.gather(rows, &mut self.lon);
        let before = rows.len();
        let (kept, outside_region) = self.locator.keep(
            self.shard,
            (&self.lat, &self.lon),
            rows,
            &mut self.cells,
            &mut self.local,
        )?;
        rows.truncate(kept);
        st.outside_region = outside_region;
        st.outside_shard = (before - kept) as u64 - outside_region;
        st.kept = kept as u64;
        for (var, col) in batch.variables.iter().zip(&mut self.columns) {
            var.values.gather(rows, col);
        }
        self.stats.add(&st);
        Ok(st)
    }

    fn check_shape(&self, batch: &Batch<'_>) -> Result<usize, AggError> {
        let bad = |reason: String| AggError::Batch {
            shard: self.shard,
            reason,
        };
        let sources = self.plan.sources();
        if batch.variables.len() != sources.len() {
            return Err(bad(format!(
                "{} variable columns given, the config has {} ({})",
                batch.variables.len(),
                sources.len(),
                sources.join(", ")
            )));
        }
        let n = batch.latitude.values.len();
        let mut lens = vec![("longitude".to_string(), batch.longitude.values.len())];
        lens.extend(
            sources
                .iter()
                .zip(&batch.variables)
                .map(|(s, v)| (s.clone(), v.values.len())),
        );
        let filters = self.plan.filters().len();
        if batch.filters.len() != filters {
            return Err(bad(format!(
                "{} filter columns given, the config has {filters} filters",
                batch.filters.len()
            )));
        }
        lens.extend((0..filters).map(|i| (format!("filter {i}"), batch.filters[i].len())));
        if let Some((name, len)) = lens.iter().find(|(_, len)| *len != n) {
            return Err(bad(format!(
                "column `{name}` has {len} rows, latitude has {n}"
            )));
        }
        if self.cells.len() + n > u32::MAX as usize {
            return Err(bad("more than 2^32 observations in one shard".to_string()));
        }
        Ok(n)
    }

    /// Groups the kept observations by child cell (a stable counting sort
    /// over the shard's 4^(child−parent) cells), ready to reduce.
    pub fn finish(self) -> GroupedShard {
        let n_cells = self.locator.n_cells();
        let mut offsets = vec![0u32; n_cells + 1];
        for &c in &self.cells {
            offsets[c as usize + 1] += 1;
        }
        for i in 0..n_cells {
            offsets[i + 1] += offsets[i];
        }
        let mut next: Vec<u32> = offsets[..n_cells].to_vec();
        let dest: Vec<u32> = self
            .cells
            .iter()
            .map(|&c| {
                let slot = &mut next[c as usize];
                let d = *slot;
                *slot += 1;
                d
            })
            .collect();
        drop(next);
        let n = self.cells.len();
        let columns = self
            .columns
            .into_iter()
            .map(|col| {
                let mut sorted = vec![0.0; n];
                for (&d, &v) in dest.iter().zip(&col) {
                    sorted[d as usize] = v;
                }
                sorted
            })
            .collect();
        GroupedShard::new(self.plan, self.shard, self.stats, offsets, columns)
    }
}

/// Keeps rows whose value is finite, not the fill value, and passes `extra`.
fn retain_valid(col: &SourceSlice<'_>, rows: &mut Vec<u32>, extra: impl Fn(f64) -> bool) {
    match col.fill_value {
        Some(fill) => col
            .values
            .retain_rows(rows, |v| v.is_finite() && v != fill && extra(v)),
        None => col.values.retain_rows(rows, |v| v.is_finite() && extra(v)),
    }
}
