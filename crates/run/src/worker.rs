//! [`LocalWorker`]: one shard in this process — read the granules' rows in
//! the shard (concurrently, bounded), aggregate, write the shard's chunks,
//! then its status record.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use magg_agg::{AggConfig, Batch, Plan, ShardAccumulator, ShardGrid, SourceSlice, Values};
use magg_h5::{IoStats, OpenOptions};
use magg_store::{ColumnRef, OutputStore, ShardStatus};

use crate::execute::ShardWorker;
use crate::read::{GranuleRows, read_granule};
use crate::task::Task;

/// Runs shards in this process.
pub struct LocalWorker {
    config: AggConfig,
    plan: Plan,
    store: Arc<OutputStore>,
    orders: Vec<u8>,
    /// Granules read at once per shard.
    pub granule_concurrency: usize,
    /// HDF5 open options (range coalescing, store options for `s3://`).
    pub open: OpenOptions,
}

impl LocalWorker {
    /// A worker for `config`, writing to `store` at the store's orders.
    pub fn new(config: AggConfig, store: Arc<OutputStore>) -> Result<Self, magg_agg::ConfigError> {
        let plan = Plan::new(&config)?;
        let orders = store.spec().orders.clone();
        Ok(LocalWorker {
            config,
            plan,
            store,
            orders,
            granule_concurrency: 4,
            open: OpenOptions::default(),
        })
    }

    async fn process(&self, task: &Task, stats: &Arc<IoStats>) -> Result<(u64, u64), String> {
        let mut acc = ShardAccumulator::new(&self.plan, task.shard).map_err(|e| e.to_string())?;
        let mut open = self.open.clone();
        open.stats = Some(Arc::clone(stats));
        let sources = self.plan.sources().to_vec();
        let (open, sources, shard) = (&open, &sources, task.shard);
        let mut reads = futures::stream::iter(task.granules.iter().cloned())
            .map(|g| async move {
                let rows = read_granule(&g.url, shard, &self.config, sources, open).await;
                (g, rows)
            })
            .buffer_unordered(self.granule_concurrency.max(1));
        let mut failures = Vec::new();
        while let Some((g, rows)) = reads.next().await {
            match rows {
                Ok(rows) => push(&mut acc, &rows).map_err(|e| format!("{}: {e}", g.id))?,
                Err(e) => failures.push(format!("granule {}: {e}", g.id)),
            }
        }
        if !failures.is_empty() {
            // A shard missing a granule's rows would be silently wrong:
            // record it as failed and write nothing.
            return Err(format!(
                "{} of {} granules failed: {}",
                failures.len(),
                task.granules.len(),
                failures.join("; ")
            ));
        }
        let grouped = tokio::task::block_in_place(|| acc.finish());
        let observations = grouped.observations();
        let mut cells = 0;
        for &order in &self.orders {
            let grid =
                tokio::task::block_in_place(|| grouped.reduce(order)).map_err(|e| e.to_string())?;
            if order == self.plan.child_order() {
                cells = grid.populated;
            }
            if observations > 0 {
                self.write(&grid).await?;
            }
        }
        Ok((observations, cells))
    }

    async fn write(&self, grid: &ShardGrid) -> Result<(), String> {
        let columns: Vec<(&str, ColumnRef<'_>)> = grid
            .variables
            .iter()
            .map(|(name, col)| (name.as_str(), column_ref(col)))
            .collect();
        self.store
            .write_shard(grid.shard, grid.order, &columns)
            .await
            .map_err(|e| e.to_string())
    }
}

fn column_ref(c: &magg_agg::Column) -> ColumnRef<'_> {
    use magg_agg::Column as C;
    match c {
        C::F32(v) => ColumnRef::F32(v),
        C::F64(v) => ColumnRef::F64(v),
        C::I32(v) => ColumnRef::I32(v),
        C::U32(v) => ColumnRef::U32(v),
        C::I64(v) => ColumnRef::I64(v),
        C::U64(v) => ColumnRef::U64(v),
    }
}

fn push(acc: &mut ShardAccumulator, rows: &GranuleRows) -> Result<(), magg_agg::AggError> {
    for beam in &rows.beams {
        let variables = beam
            .variables
            .iter()
            .map(|(v, fill)| match fill {
                Some(f) => SourceSlice::with_fill(&v[..], *f),
                None => SourceSlice::new(&v[..]),
            })
            .collect();
        acc.push(&Batch {
            latitude: SourceSlice::new(&beam.latitude[..]),
            longitude: SourceSlice::new(&beam.longitude[..]),
            variables,
            quality: beam.quality.as_deref().map(Values::I64),
        })?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl ShardWorker for LocalWorker {
    async fn run(&self, task: Task) -> ShardStatus {
        let start = Instant::now();
        let stats = IoStats::new();
        let result = self.process(&task, &stats).await;
        let io = stats.snapshot();
        let mut status = ShardStatus::new(task.shard);
        status.granules_read = task.granules.len() as u64;
        status.bytes_read = io.bytes_fetched;
        status.requests = io.requests;
        match result {
            Ok((observations, cells)) => {
                status.observations = observations;
                status.cells = cells;
            }
            Err(e) => status.error = Some(e),
        }
        status.seconds = start.elapsed().as_secs_f64();
        // The status record goes last: its presence (without error) means
        // the shard's chunks are complete.
        if let Err(e) = self.store.write_status(&status).await {
            let msg = format!("writing status record: {e}");
            status.error = Some(
                status
                    .error
                    .map_or(msg.clone(), |prev| format!("{prev}; {msg}")),
            );
        }
        status
    }

    fn kind(&self) -> &'static str {
        "local"
    }
}
