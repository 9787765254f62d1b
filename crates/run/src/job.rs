//! A whole local run, as `magg run` and `magg demo` do it: shard map +
//! config → store template → tasks (costliest first, resume-aware) →
//! local executor → report.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use magg_agg::{AggConfig, GridSpec};
use magg_catalog::{Access, ShardMap};
use magg_store::{Location, OutputStore, TimeWindow};
use serde_json::{Map, Value, json};

use crate::execute::{ExecOptions, ShardWorker, execute};
use crate::mode::StoreMode;
use crate::region::{check_rule, shard_region};
use crate::report::RunReport;
use crate::spec::{store_spec, with_windows};
use crate::task::{GranuleSource, Selection, Task, plan};
use crate::worker::LocalWorker;

/// Options of a local run.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Output store: a local path or `s3://` URL.
    pub store: String,
    /// Shards in flight.
    pub workers: usize,
    /// At most this many granules of a shard read at once
    /// ([`magg_agg::ReadOptions::granule_concurrency`]; `usize::MAX`: all).
    pub granule_concurrency: usize,
    /// At most this many beams of a granule read at once
    /// ([`magg_agg::ReadOptions::beam_concurrency`]; local workers only:
    /// a Lambda worker reads every beam at once).
    pub beam_concurrency: usize,
    /// Which shards.
    pub selection: Selection,
    /// New store, overwrite, resume or retry the failed shards.
    pub mode: StoreMode,
    /// Coarser output orders besides the child order.
    pub pyramid: Vec<u8>,
    /// No progress output.
    pub quiet: bool,
    /// Retries and timeouts of remote reads and writes (granules, store).
    pub io: magg_h5::IoPolicy,
    /// A chunk index of the granules (local workers read the granules it
    /// lists without metadata requests; `magg_agg::ReadOptions::index`).
    pub chunk_index: Option<Arc<magg_index::ChunkIndex>>,
    /// Elevation change over the map's time windows (with two or more),
    /// or `None` for none.
    pub trend: Option<magg_agg::dhdt::TrendSpec>,
}

impl JobOptions {
    /// The output store's location, opened with the run's I/O policy.
    pub fn location(&self) -> Result<Location, JobError> {
        let no_settings = std::iter::empty::<(&str, &str)>();
        Location::parse_with_policy(&self.store, no_settings, &self.io).map_err(|source| {
            JobError::Store {
                store: self.store.clone(),
                source,
            }
        })
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Config and shard map disagree, or a granule has no URL.
    #[error("{0}")]
    Input(String),
    /// The store could not be created or opened.
    #[error("store {store}: {source}")]
    Store {
        /// The store URL.
        store: String,
        /// What failed.
        source: magg_store::StoreError,
    },
}

/// One task per shard of the map, reading each granule (of every window)
/// from its best URL, with the shard's region cells under the map's rule.
pub fn tasks_from_map(map: &ShardMap, access: Access) -> Result<Vec<Task>, JobError> {
    let cells = map
        .shard_cells()
        .map_err(|e| JobError::Input(e.to_string()))?;
    map.iter()
        .map(|(shard, granules)| {
            let granules = granules
                .iter()
                .map(|g| {
                    let url = g.urls.pick(access).ok_or_else(|| {
                        JobError::Input(format!("shard {shard}: granule {} has no URL", g.id))
                    })?;
                    Ok(GranuleSource {
                        id: g.id.clone(),
                        url: url.to_string(),
                        window: g.window,
                    })
                })
                .collect::<Result<_, JobError>>()?;
            let region = shard_region(&cells, shard)?;
            Ok(Task {
                shard,
                granules,
                region,
            })
        })
        .collect()
}

/// Checks that the map was built for the config's grid, naming both
/// when not.
pub fn check_orders(map: &ShardMap, config: &AggConfig) -> Result<(), JobError> {
    let (made, asked) = (map.grid_spec(), &config.output.grid);
    if let (GridSpec::Healpix(m), GridSpec::Healpix(g)) = (&made, asked) {
        if (m.parent_order, m.child_order) != (g.parent_order, g.child_order) {
            return Err(JobError::Input(format!(
                "the shard map is for orders {}/{} (parent/child) but the config asks {}/{}",
                m.parent_order, m.child_order, g.parent_order, g.child_order
            )));
        }
    } else if made != *asked {
        let show = |g: &GridSpec| serde_json::to_string(g).unwrap_or_else(|e| e.to_string());
        return Err(JobError::Input(format!(
            "the shard map is for the grid {} but the config's output.grid is {}",
            show(&made),
            show(asked)
        )));
    }
    Ok(())
}

/// The tasks a run would execute, after selection (for `--dry-run`).
pub fn planned(
    map: &ShardMap,
    config: &AggConfig,
    opts: &JobOptions,
) -> Result<Vec<Task>, JobError> {
    check_orders(map, config)?;
    check_rule(map, config)?;
    if let Some(shard) = opts.selection.shard
        && !map.shards.contains_key(&shard)
    {
        // A selection that names no shard of the map is a mistake (a
        // label of the other grid, a shard outside the region), not an
        // empty run.
        let label = map
            .grid_spec()
            .build()
            .map_or_else(|_| shard.to_string(), |g| g.shard_label(shard));
        return Err(JobError::Input(format!(
            "shard {label} ({shard}) is not in the shard map ({} shards)",
            map.shards.len()
        )));
    }
    Ok(plan(tasks_from_map(map, Access::Direct)?, &opts.selection))
}

/// The map's windows as the store's: none for one window (no `time`
/// dimension); with several, each must be bounded.
pub fn time_windows(map: &ShardMap) -> Result<Vec<TimeWindow>, JobError> {
    if map.windows.len() < 2 {
        return Ok(Vec::new());
    }
    map.windows
        .iter()
        .map(|w| {
            let bounds = w
                .unix_bounds()
                .map_err(|e| JobError::Input(format!("time window {}: {e}", w.label)))?;
            let (start, end) = bounds.ok_or_else(|| {
                JobError::Input(format!(
                    "time window {} has no start and end: a store of several windows needs \
                     their times",
                    w.label
                ))
            })?;
            Ok(TimeWindow {
                label: w.label.clone(),
                start,
                end,
            })
        })
        .collect()
}

fn run_attrs(map: &ShardMap) -> Map<String, Value> {
    let q = &map.query;
    let mut m = Map::new();
    m.insert("title".into(), json!("magg aggregation"));
    if let Some(p) = &q.short_name {
        m.insert("product".into(), json!(p));
    }
    if let Some(v) = &q.version {
        m.insert("product_version".into(), json!(v));
    }
    if let Some(c) = map.cycle() {
        m.insert("cycle".into(), json!(c));
    }
    m.insert("region".into(), json!(q.region.name));
    m.insert(
        "source".into(),
        json!(format!("magg {}", env!("CARGO_PKG_VERSION"))),
    );
    m
}

/// Runs every selected shard of `map` locally into `opts.store`.
pub async fn run_local(
    map: &ShardMap,
    config: AggConfig,
    opts: &JobOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunReport, JobError> {
    let location = opts.location()?;
    let (granule_concurrency, beam_concurrency) = (opts.granule_concurrency, opts.beam_concurrency);
    run_with(map, config, opts, &location, stop, |config, store| {
        let mut worker = LocalWorker::new(config, store).map_err(JobError::Input)?;
        worker.read.granule_concurrency = granule_concurrency;
        worker.read.beam_concurrency = beam_concurrency;
        worker.read.open.io = opts.io.clone();
        worker.read.index.clone_from(&opts.chunk_index);
        Ok(Arc::new(worker))
    })
    .await
}

/// Runs every selected shard of `map` into the store at `location` with the
/// worker `make_worker` builds once the store exists (the local pool, or a
/// remote executor such as Lambda): the executor does not know which.
pub async fn run_with(
    map: &ShardMap,
    config: AggConfig,
    opts: &JobOptions,
    location: &Location,
    stop: Arc<AtomicBool>,
    make_worker: impl FnOnce(AggConfig, Arc<OutputStore>) -> Result<Arc<dyn ShardWorker>, JobError>,
) -> Result<RunReport, JobError> {
    let tasks = planned(map, &config, opts)?;
    // The store spans every shard of the map, whatever this run selects.
    let shards: Vec<u64> = map.iter().map(|(s, _)| s).collect();
    let spec =
        store_spec(&config, &opts.pyramid, &shards, run_attrs(map)).map_err(JobError::Input)?;
    let spec = with_windows(spec, time_windows(map)?, opts.trend.as_ref(), &config)
        .map_err(JobError::Input)?;
    let store_err = |source| JobError::Store {
        store: opts.store.clone(),
        source,
    };
    let started = std::time::Instant::now();
    let store = Arc::new(
        OutputStore::create_at(location, &spec, opts.mode.create_mode())
            .await
            .map_err(store_err)?,
    );
    if !opts.quiet {
        eprintln!(
            "store {}: {} shards at orders {:?} ready in {:.2} s",
            opts.store,
            store.chunks().len(),
            store.spec().orders,
            started.elapsed().as_secs_f64()
        );
    }
    let records = if opts.mode.reads_status() {
        store.list_status().await.map_err(store_err)?
    } else {
        Vec::new()
    };
    let (tasks, skipped) = opts.mode.select(tasks, &records);
    let worker = make_worker(config, Arc::clone(&store))?;
    let exec = ExecOptions {
        workers: opts.workers,
        quiet: opts.quiet,
        store: opts.store.clone(),
    };
    Ok(execute(tasks, worker, &exec, skipped, stop).await)
}
