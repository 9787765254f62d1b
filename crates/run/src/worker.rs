//! [`LocalWorker`]: one shard in this process — read the granules' rows in
//! the shard (concurrently, bounded), aggregate, write the shard's chunks,
//! then its status record.

use std::sync::Arc;
use std::time::Instant;

use magg_agg::dhdt::CompiledTrend;
use magg_agg::{AggConfig, Plan, ReadOptions, ShardGrid, read_shard_in_region};
use magg_h5::IoStats;
use magg_store::{OutputStore, ShardStatus, WindowTally};

use crate::execute::ShardWorker;
use crate::task::Task;

/// What a shard's processing counted: observations and child cells with
/// data, in all and per time window (empty without windows).
struct Tally {
    observations: u64,
    cells: u64,
    windows: Vec<WindowTally>,
}

/// Runs shards in this process.
pub struct LocalWorker {
    config: AggConfig,
    plan: Plan,
    store: Arc<OutputStore>,
    orders: Vec<u8>,
    /// The elevation change over the windows, when the store has derived
    /// variables.
    trend: Option<CompiledTrend>,
    /// How granules are read (concurrency, range coalescing, store options).
    pub read: ReadOptions,
}

impl LocalWorker {
    /// A worker for `config`, writing to `store` at the store's orders.
    pub fn new(config: AggConfig, store: Arc<OutputStore>) -> Result<Self, String> {
        let plan = Plan::new(&config).map_err(|e| e.to_string())?;
        let orders = store.spec().orders.clone();
        let trend = crate::spec::store_trend(store.spec(), &plan)?;
        Ok(LocalWorker {
            config,
            plan,
            store,
            orders,
            trend,
            read: ReadOptions::default(),
        })
    }

    /// Reads, reduces and writes one shard: its observations and cells,
    /// and how many granules fell back from the chunk index (also when the
    /// shard failed). With time windows, each window's granules alone, as
    /// a run of that window would, then the derived variables over the
    /// windows; observations and cells are then summed over the windows,
    /// and kept per window for `magg verify`.
    async fn process(
        &self,
        task: &Task,
        stats: &Arc<IoStats>,
        index_fallbacks: &mut u64,
    ) -> Result<Tally, String> {
        let spec = self.store.spec();
        if spec.windows.is_empty() {
            let (observations, cells, _) = self.window(task, None, stats, index_fallbacks).await?;
            return Ok(Tally {
                observations,
                cells,
                windows: Vec::new(),
            });
        }
        let (mut observations, mut cells) = (0, 0);
        let mut grids = Vec::with_capacity(spec.windows.len());
        let mut windows = Vec::with_capacity(spec.windows.len());
        for w in 0..spec.windows.len() {
            let (o, c, g) = self.window(task, Some(w), stats, index_fallbacks).await?;
            observations += o;
            cells += c;
            windows.push(WindowTally {
                observations: o,
                cells: c,
            });
            grids.push(g);
        }
        if let Some(trend) = &self.trend {
            let times: Vec<f64> = spec
                .windows
                .iter()
                .map(magg_store::TimeWindow::mid)
                .collect();
            for (k, &order) in self.orders.iter().enumerate() {
                let at: Vec<&ShardGrid> = grids.iter().map(|g| &g[k]).collect();
                let columns = tokio::task::block_in_place(|| trend.derive(&times, &at))?;
                let refs: Vec<_> = columns
                    .iter()
                    .map(|(name, col)| (name.as_str(), col.as_ref()))
                    .collect();
                if observations > 0 {
                    self.store
                        .write_derived(task.shard, order, &refs)
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        Ok(Tally {
            observations,
            cells,
            windows,
        })
    }

    /// One window of a shard (`None`: the store has no windows): reads its
    /// granules, reduces and writes every order; returns its observations,
    /// populated cells at the child order, and the grids (store order).
    async fn window(
        &self,
        task: &Task,
        window: Option<usize>,
        stats: &Arc<IoStats>,
        index_fallbacks: &mut u64,
    ) -> Result<(u64, u64, Vec<ShardGrid>), String> {
        let mut read = self.read.clone();
        read.open.stats = Some(Arc::clone(stats));
        let granules: Vec<_> = task
            .granules
            .iter()
            .filter(|g| window.is_none_or(|w| g.window as usize == w))
            .collect();
        let urls: Vec<String> = granules.iter().map(|g| g.url.clone()).collect();
        let output = read_shard_in_region(task.shard, &task.region, &urls, &self.config, &read)
            .await
            .map_err(|e| e.to_string())?;
        *index_fallbacks += u64::from(output.index_fallbacks());
        let failures: Vec<String> = output
            .failed()
            .filter_map(|g| g.error.as_ref().map(|e| format!("granule {}: {e}", g.url)))
            .collect();
        if !failures.is_empty() {
            // A shard missing a granule's rows would be silently wrong:
            // record it as failed and write nothing.
            return Err(format!(
                "{} of {} granules failed: {}",
                failures.len(),
                granules.len(),
                failures.join("; ")
            ));
        }
        let grouped = output.grouped;
        let observations = grouped.observations();
        let mut cells = 0;
        let mut grids = Vec::with_capacity(self.orders.len());
        for &order in &self.orders {
            let grid =
                tokio::task::block_in_place(|| grouped.reduce(order)).map_err(|e| e.to_string())?;
            if order == self.plan.child_order() {
                cells = grid.populated;
            }
            if observations > 0 {
                let columns: Vec<_> = grid
                    .variables
                    .iter()
                    .map(|(name, col)| (name.as_str(), col.as_ref()))
                    .collect();
                let written = match window {
                    None => self.store.write_shard(grid.shard, order, &columns).await,
                    Some(w) => {
                        self.store
                            .write_window(grid.shard, w, order, &columns)
                            .await
                    }
                };
                written.map_err(|e| e.to_string())?;
            }
            grids.push(grid);
        }
        Ok((observations, cells, grids))
    }
}

/// Writes one shard's reduced grid (one order) as that shard's chunks: the
/// grid's columns are the store's column type, borrowed as they are.
pub async fn write_grid(
    store: &OutputStore,
    grid: &ShardGrid,
) -> Result<(), magg_store::StoreError> {
    let columns: Vec<_> = grid
        .variables
        .iter()
        .map(|(name, col)| (name.as_str(), col.as_ref()))
        .collect();
    store.write_shard(grid.shard, grid.order, &columns).await
}

#[async_trait::async_trait]
impl ShardWorker for LocalWorker {
    async fn run(&self, task: Task) -> ShardStatus {
        let start = Instant::now();
        let stats = IoStats::new();
        let mut index_fallbacks = 0;
        let result = self.process(&task, &stats, &mut index_fallbacks).await;
        let io = stats.snapshot();
        let mut status = ShardStatus::new(task.shard);
        status.granules_read = task.granules.len() as u64;
        status.bytes_read = io.bytes_fetched;
        status.requests = io.requests;
        status.rounds = io.rounds;
        status.index_fallbacks = index_fallbacks;
        match result {
            Ok(tally) => {
                status.observations = tally.observations;
                status.cells = tally.cells;
                status.windows = tally.windows;
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

    async fn crashed(&self, status: &ShardStatus) -> Result<(), String> {
        self.store
            .write_status(status)
            .await
            .map_err(|e| format!("writing status record: {e}"))
    }

    fn kind(&self) -> &'static str {
        "local"
    }
}
