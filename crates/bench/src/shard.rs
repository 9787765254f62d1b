//! One shard, stage by stage.
//!
//! How each stage is obtained:
//! - **open**: a pass that opens every granule and the 5 datasets of every
//!   present beam (metadata only), all at once under the shard's limits
//!   as `read_shard` does, timed on its own (fastest of `repeat`).
//! - **read_shard**, **reduce**, **write**: one whole pass of the worker's
//!   pipeline — `magg_agg::read_shard` (open + fetch + inflate + decode +
//!   filter + index + group), `GroupedShard::reduce` at the child order,
//!   `OutputStore::write_shard` into a fresh local store — timed part by
//!   part; the pass with the fastest total of `repeat` is kept, so the
//!   parts and the total come from one pass.
//! - **fetch**: whole-object GETs of the granules through the same
//!   object store, timed, scaled to the bytes `read_shard` fetched.
//! - **index**: `magg_morton::geo_to_nested_batch` at the child order over
//!   as many points (inside the shard) as `read_shard` read rows.
//! - **inflate + decode + filter + group**: read_shard − open − fetch −
//!   index (a residual, not a direct timing).
//!
//! The h5py reference, when asked, also runs `repeat` whole passes and
//! reports its fastest: the ratio compares one whole pass with one.

use std::sync::Arc;
use std::time::Instant;

use magg_agg::{AggConfig, GroupedShard, ReadOptions, RowSearch, ShardGrid, read_shard};
use magg_h5::{Counters, File, IoStats};
use magg_store::{CreateMode, OutputStore};
use object_store::ObjectStoreExt as _;

use crate::BenchError;
use crate::python::PyReport;

/// What to measure.
#[derive(Debug, Clone)]
pub struct ShardOptions {
    /// The shard (morton word at the config's parent order).
    pub shard: u64,
    /// Granule paths or URLs.
    pub granules: Vec<String>,
    /// Local paths of the same granules (for the Python reference).
    pub local_granules: Vec<String>,
    /// Passes of each stage; the fastest is kept.
    pub repeat: usize,
    /// Also run the h5py reference and the needed-bytes count.
    pub python: bool,
    /// Where the granules come from (for the printout).
    pub source: String,
    /// `data_source.row_search` of the config.
    pub row_search: RowSearch,
    /// How the worker reads (limits, budget, open options with the store
    /// settings). Each pass opens the granules afresh: `files` is ignored.
    pub read: ReadOptions,
}

/// One stage's figures.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Stage name.
    pub name: &'static str,
    /// Wall seconds.
    pub seconds: f64,
    /// CPU seconds of the process during the stage (user + system), where
    /// measured directly.
    pub cpu_seconds: Option<f64>,
    /// How the figure is obtained.
    pub how: &'static str,
}

/// Everything measured for one shard.
#[derive(Debug, Clone)]
pub struct ShardReport {
    /// The shard.
    pub shard: u64,
    /// Where the granules were read from.
    pub source: String,
    /// Granules given.
    pub granules: usize,
    /// Valid observations aggregated (read_shard's count).
    pub observations: u64,
    /// Rows read from the variable datasets.
    pub rows_read: u64,
    /// `data_source.row_search` used.
    pub row_search: RowSearch,
    /// Beams whose latitude search fell back to a whole-column read.
    pub row_search_fallbacks: u32,
    /// Granules read from the chunk index (`ReadOptions::index`).
    pub indexed: usize,
    /// Granules whose index entry could not be used.
    pub index_fallbacks: u32,
    /// Child cells with data.
    pub cells: u64,
    /// I/O of the kept read_shard pass (requests, bytes, the shard's rounds).
    pub io: Counters,
    /// The most rounds of any one granule in that pass.
    pub granule_rounds: u64,
    /// I/O of the open pass alone.
    pub open_io: Counters,
    /// The stages, in pipeline order.
    pub stages: Vec<Stage>,
    /// Wall seconds of the kept whole pass: read_shard + reduce + write.
    pub total_seconds: f64,
    /// CPU seconds of that pass.
    pub total_cpu_seconds: f64,
    /// Peak RSS of the process, bytes.
    pub peak_rss: Option<u64>,
    /// Peak RSS during the pipeline passes alone (the peak reset before
    /// them), bytes.
    pub pipeline_peak_rss: Option<u64>,
    /// The Python reference, when asked.
    pub python: Option<PyReport>,
}

fn cpu() -> f64 {
    magg_run::process_cpu_seconds().unwrap_or(0.0)
}

/// Times `f` `repeat` times; returns the fastest (wall, cpu) and the last value.
async fn best<T, F, Fut>(repeat: usize, mut f: F) -> Result<(f64, f64, T), BenchError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BenchError>>,
{
    let mut best = (f64::INFINITY, f64::INFINITY);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let (t0, c0) = (Instant::now(), cpu());
        let v = f().await?;
        let (wall, cpu_s) = (t0.elapsed().as_secs_f64(), cpu() - c0);
        if wall < best.0 {
            best = (wall, cpu_s);
        }
        last = Some(v);
    }
    Ok((best.0, best.1, last.expect("at least one pass")))
}

/// One whole pass of the worker's pipeline: each part's (wall, cpu).
struct Pass {
    read: (f64, f64),
    reduce: (f64, f64),
    write: (f64, f64),
    grouped: GroupedShard,
    grid: ShardGrid,
    io: Counters,
    granule_rounds: u64,
    rows_read: u64,
    fallbacks: u32,
    /// Granules read from the index, and those that fell back.
    indexed: (usize, u32),
}

impl Pass {
    fn wall(&self) -> f64 {
        self.read.0 + self.reduce.0 + self.write.0
    }
}

/// Times a part of a pass: (wall, cpu) and its value.
async fn timed<T>(
    part: impl std::future::Future<Output = Result<T, BenchError>>,
) -> Result<((f64, f64), T), BenchError> {
    let (t0, c0) = (Instant::now(), cpu());
    let v = part.await?;
    Ok(((t0.elapsed().as_secs_f64(), cpu() - c0), v))
}

/// The read options of one pass: fresh counters, no file cache.
fn pass_options(read: &ReadOptions, stats: &Arc<IoStats>) -> ReadOptions {
    let mut read = read.clone();
    read.files = None;
    read.open.stats = Some(Arc::clone(stats));
    read
}

async fn pipeline_pass(
    opts: &ShardOptions,
    config: &AggConfig,
    dir: &std::path::Path,
) -> Result<Pass, BenchError> {
    let stats = IoStats::new();
    let read = pass_options(&opts.read, &stats);
    let (read_t, out) = timed(async {
        read_shard(opts.shard, &opts.granules, config, &read)
            .await
            .map_err(|e| BenchError::step("read_shard", e))
    })
    .await?;
    if let Some(g) = out.failed().next() {
        return Err(BenchError::Input(format!(
            "granule {}: {}",
            g.url,
            g.error
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        )));
    }
    let io = out.io();
    let granule_rounds = out.granules.iter().map(|g| g.io.rounds).max().unwrap_or(0);
    let rows_read = out.granules.iter().map(|g| g.rows_read).sum();
    let fallbacks = out.granules.iter().map(|g| g.row_search_fallbacks).sum();
    let indexed = (
        out.granules.iter().filter(|g| g.indexed).count(),
        out.index_fallbacks(),
    );
    let grouped = out.grouped;
    let child_order = config
        .output
        .healpix()
        .ok_or_else(|| BenchError::Input("the shard benchmark runs HEALPix configs".into()))?
        .child_order;
    let (reduce_t, grid) = timed(async {
        grouped
            .reduce(child_order)
            .map_err(|e| BenchError::step("reduce", e))
    })
    .await?;
    let (write_t, ()) = timed(write_pass(dir, config, &grouped, &grid)).await?;
    Ok(Pass {
        read: read_t,
        reduce: reduce_t,
        write: write_t,
        grouped,
        grid,
        io,
        granule_rounds,
        rows_read,
        fallbacks,
        indexed,
    })
}

/// Runs the benchmark (needs a multi-threaded tokio runtime).
pub async fn run(opts: &ShardOptions) -> Result<ShardReport, BenchError> {
    if opts.granules.is_empty() {
        return Err(BenchError::Input("no granules".into()));
    }
    let mut config = AggConfig::atl06_default();
    config.data_source.row_search = opts.row_search;
    let child_order = config
        .output
        .healpix()
        .ok_or_else(|| BenchError::Input("the shard benchmark runs HEALPix configs".into()))?
        .child_order;

    let (open_s, open_cpu, open_io) = best(opts.repeat, || {
        open_pass(&opts.granules, &config, &opts.read)
    })
    .await?;

    let dir = tempfile::tempdir().map_err(|e| BenchError::step("temporary store", e))?;
    let reset = crate::rss::reset_peak_rss();
    let mut kept: Option<Pass> = None;
    for _ in 0..opts.repeat.max(1) {
        let pass = pipeline_pass(opts, &config, dir.path()).await?;
        if kept.as_ref().is_none_or(|k| pass.wall() < k.wall()) {
            kept = Some(pass);
        }
    }
    let pipeline_peak_rss = crate::rss::peak_rss_bytes().filter(|_| reset);
    let pass = kept.expect("at least one pass");
    let (read_s, read_cpu) = pass.read;
    let observations = pass.grouped.observations();

    let (fetch_s, _, fetched_whole) = best(opts.repeat, || {
        fetch_pass(&opts.granules, &opts.read.open.store_options)
    })
    .await?;
    let fetch_est = fetch_s * pass.io.bytes_fetched as f64 / fetched_whole.max(1) as f64;

    let (index_s, index_cpu, ()) = best(opts.repeat, || async {
        index_pass(opts.shard, pass.rows_read, child_order)
    })
    .await?;

    let residual = (read_s - open_s - fetch_est - index_s).max(0.0);
    let stages = vec![
        Stage {
            name: "open + metadata",
            seconds: open_s,
            cpu_seconds: Some(open_cpu),
            how: "separate pass: open each granule and the 5 datasets of each beam, all at once",
        },
        Stage {
            name: "range fetch",
            seconds: fetch_est,
            cpu_seconds: None,
            how: "whole-object GETs timed, scaled to read_shard's bytes fetched",
        },
        Stage {
            name: "inflate+decode+filter+group",
            seconds: residual,
            cpu_seconds: None,
            how: "residual: read_shard - open - fetch - index",
        },
        Stage {
            name: "index (order 12)",
            seconds: index_s,
            cpu_seconds: Some(index_cpu),
            how: "separate pass: geo_to_nested_batch over rows_read points in the shard",
        },
        Stage {
            name: "read_shard (all above)",
            seconds: read_s,
            cpu_seconds: Some(read_cpu),
            how: "magg_agg::read_shard as the worker runs it (kept whole pass)",
        },
        Stage {
            name: "reduce (9 outputs)",
            seconds: pass.reduce.0,
            cpu_seconds: Some(pass.reduce.1),
            how: "GroupedShard::reduce at the child order (kept whole pass)",
        },
        Stage {
            name: "write (zarr chunk)",
            seconds: pass.write.0,
            cpu_seconds: Some(pass.write.1),
            how: "OutputStore::write_shard into a fresh local store (kept whole pass)",
        },
    ];

    let python = if opts.python {
        Some(crate::python::run(
            opts.shard,
            &opts.local_granules,
            opts.repeat,
            true,
        )?)
    } else {
        None
    };
    Ok(ShardReport {
        shard: opts.shard,
        source: opts.source.clone(),
        granules: opts.granules.len(),
        observations,
        rows_read: pass.rows_read,
        row_search: opts.row_search,
        row_search_fallbacks: pass.fallbacks,
        indexed: pass.indexed.0,
        index_fallbacks: pass.indexed.1,
        cells: pass.grid.populated,
        io: pass.io,
        granule_rounds: pass.granule_rounds,
        open_io,
        stages,
        total_seconds: pass.wall(),
        total_cpu_seconds: pass.read.1 + pass.reduce.1 + pass.write.1,
        peak_rss: crate::rss::peak_rss_bytes(),
        pipeline_peak_rss,
        python,
    })
}

/// Opens every granule and the datasets of each present beam, all at
/// once, under one set of the shard's limits (as `read_shard` does).
async fn open_pass(
    granules: &[String],
    config: &AggConfig,
    read: &ReadOptions,
) -> Result<Counters, BenchError> {
    let stats = IoStats::new();
    let mut open = pass_options(read, &stats).open;
    open.share_limits(read.requests_in_flight, read.memory_budget);
    let open = &open;
    let one = |url: String| async move {
        let file = File::open_url(&url, open)
            .await
            .map_err(|e| BenchError::step("open", e))?;
        let root = file
            .names("/")
            .await
            .map_err(|e| BenchError::step("list", e))?;
        let mut paths = Vec::new();
        for group in &config.data_source.groups {
            if root.iter().any(|n| n == group) {
                let p = config.paths_for_group(group);
                paths.extend([p.latitude, p.longitude]);
                paths.extend(p.variables);
                paths.extend(p.filters.iter().map(|(path, _)| path.clone()));
            }
        }
        let open = paths.iter().map(|p| magg_h5::branch(file.dataset(p)));
        for ds in futures::future::join_all(open).await {
            ds.map_err(|e| BenchError::step("dataset", e))?;
        }
        Ok::<(), BenchError>(())
    };
    // Rounds by dependency depth, each granule a branch (as `read_shard`).
    // (made inside the tracked future, which gives them their depth).
    let all = magg_h5::track_rounds(async {
        let parts = granules.iter().cloned().map(|g| magg_h5::branch(one(g)));
        futures::future::join_all(parts).await
    });
    for r in all.await {
        r?;
    }
    Ok(stats.snapshot())
}

async fn fetch_pass(granules: &[String], options: &[(String, String)]) -> Result<u64, BenchError> {
    let mut total = 0;
    for url in granules {
        let (store, path) = magg_h5::store_for(url, options)
            .map_err(|e| BenchError::Input(format!("{url}: {e:?}")))?;
        let bytes = store
            .get(&path)
            .await
            .map_err(|e| BenchError::step("GET", e))?
            .bytes()
            .await
            .map_err(|e| BenchError::step("GET body", e))?;
        total += bytes.len() as u64;
    }
    Ok(total)
}

fn index_pass(shard: u64, n: u64, order: u8) -> Result<(), BenchError> {
    let bad = |e: magg_morton::Error| BenchError::Input(format!("shard {shard}: {e}"));
    let (clat, clon) = magg_morton::center(shard).map_err(bad)?;
    let corners = magg_morton::boundary(shard).map_err(bad)?;
    // Points spread over the shard: between the centre and each corner.
    let n = n as usize;
    let (mut lats, mut lons) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let (la, lo) = corners[i % 4];
        let t = (i / 4) as f64 / (n / 4 + 1) as f64 * 0.95;
        lats.push(clat + t * (la - clat));
        lons.push(clon + t * (lo - clon));
    }
    let mut out = vec![0u64; n];
    magg_morton::geo_to_nested_batch(&lats, &lons, order, &mut out)
        .map_err(|e| BenchError::Input(format!("index pass: {e:?}")))?;
    std::hint::black_box(&out);
    Ok(())
}

async fn write_pass(
    dir: &std::path::Path,
    config: &AggConfig,
    grouped: &GroupedShard,
    grid: &ShardGrid,
) -> Result<(), BenchError> {
    let spec = magg_run::store_spec(config, &[], &[grid.shard], serde_json::Map::new())
        .map_err(BenchError::Input)?;
    let url = dir.join(format!(
        "store-{}.zarr",
        Instant::now().elapsed().as_nanos()
    ));
    let store = OutputStore::create(&url.to_string_lossy(), &spec, CreateMode::Overwrite)
        .await
        .map_err(|e| BenchError::step("create store", e))?;
    if grouped.observations() > 0 {
        magg_run::write_grid(&store, grid)
            .await
            .map_err(|e| BenchError::step("write_shard", e))?;
    }
    Ok(())
}

/// The granules a shard map built from `granules` (Antarctica, orders
/// 6/12, as `magg catalog --granules`) lists for `shard`.
pub async fn catalog_granules(shard: u64, granules: &[String]) -> Result<Vec<String>, BenchError> {
    let map = crate::slice::shard_map(granules).await?;
    let found = map
        .iter()
        .find(|(s, _)| *s == shard)
        .map(|(_, gs)| {
            gs.iter()
                .filter_map(|g| g.urls.pick(magg_catalog::Access::Direct))
                .map(ToString::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(found)
}
