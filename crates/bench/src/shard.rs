//! One shard, stage by stage.
//!
//! How each stage is obtained (each pass is repeated, the fastest kept):
//! - **open**: a pass that opens every granule and the 5 datasets of every
//!   present beam (metadata only), timed on its own.
//! - **read_shard**: `magg_agg::read_shard` as the worker runs it: open +
//!   fetch + inflate + decode + filter + index + group (counting sort).
//! - **fetch**: whole-object GETs of the granules through the same
//!   object store, timed, scaled to the bytes `read_shard` fetched.
//! - **index**: `magg_morton::geo_to_nested_batch` at the child order over
//!   as many points (inside the shard) as `read_shard` read rows.
//! - **inflate + decode + filter + group**: read_shard − open − fetch −
//!   index (a residual, not a direct timing).
//! - **reduce**: `GroupedShard::reduce` at the child order.
//! - **write**: `OutputStore::write_shard` into a fresh local store.

use std::sync::Arc;
use std::time::Instant;

use magg_agg::{AggConfig, GroupedShard, ReadOptions, RowSearch, read_shard};
use magg_h5::{Counters, File, IoStats, OpenOptions};
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
    /// Store options for opening the granules (S3 endpoint, keys).
    pub store_options: Vec<(String, String)>,
    /// Passes of each stage; the fastest is kept.
    pub repeat: usize,
    /// Also run the h5py reference and the needed-bytes count.
    pub python: bool,
    /// Where the granules come from (for the printout).
    pub source: String,
    /// `data_source.row_search` of the config.
    pub row_search: RowSearch,
    /// Bytes read at open ([`OpenOptions::first_block`]); `None`: the default.
    pub first_block: Option<u64>,
    /// Metadata read-ahead ([`OpenOptions::read_ahead`]); `None`: the default.
    pub read_ahead: Option<u64>,
    /// [`ReadOptions::granule_concurrency`].
    pub granule_concurrency: usize,
    /// [`ReadOptions::beam_concurrency`].
    pub beam_concurrency: usize,
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
    /// Child cells with data.
    pub cells: u64,
    /// I/O of the fastest read_shard pass.
    pub io: Counters,
    /// I/O of the open pass alone.
    pub open_io: Counters,
    /// The stages, in pipeline order.
    pub stages: Vec<Stage>,
    /// Wall seconds end to end: read_shard + reduce + write.
    pub total_seconds: f64,
    /// CPU seconds end to end (same passes).
    pub total_cpu_seconds: f64,
    /// Peak RSS of the process, bytes.
    pub peak_rss: Option<u64>,
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

/// Runs the benchmark (needs a multi-threaded tokio runtime).
pub async fn run(opts: &ShardOptions) -> Result<ShardReport, BenchError> {
    if opts.granules.is_empty() {
        return Err(BenchError::Input("no granules".into()));
    }
    let mut config = AggConfig::atl06_default();
    config.data_source.row_search = opts.row_search;
    let child_order = config.output.grid.child_order;
    let mut open_opts = OpenOptions {
        store_options: opts.store_options.clone(),
        ..OpenOptions::default()
    };
    if let Some(b) = opts.first_block {
        open_opts.first_block = b;
    }
    if let Some(b) = opts.read_ahead {
        open_opts.read_ahead = b;
    }

    let (open_s, open_cpu, open_io) = best(opts.repeat, || {
        open_pass(&opts.granules, &config, &open_opts)
    })
    .await?;

    let (read_s, read_cpu, (grouped, io, rows_read, fallbacks)) = best(opts.repeat, || async {
        let stats = IoStats::new();
        let mut read = ReadOptions {
            open: open_opts.clone(),
            granule_concurrency: opts.granule_concurrency,
            beam_concurrency: opts.beam_concurrency,
            ..ReadOptions::default()
        };
        read.open.stats = Some(Arc::clone(&stats));
        let out = read_shard(opts.shard, &opts.granules, &config, &read)
            .await
            .map_err(|e| BenchError::step("read_shard", e))?;
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
        let rows: u64 = out.granules.iter().map(|g| g.rows_read).sum();
        let fallbacks: u32 = out.granules.iter().map(|g| g.row_search_fallbacks).sum();
        Ok((out.grouped, stats.snapshot(), rows, fallbacks))
    })
    .await?;
    let observations = grouped.observations();

    let (fetch_s, _, fetched_whole) = best(opts.repeat, || {
        fetch_pass(&opts.granules, &opts.store_options)
    })
    .await?;
    let fetch_est = fetch_s * io.bytes_fetched as f64 / fetched_whole.max(1) as f64;

    let (index_s, index_cpu, ()) = best(opts.repeat, || async {
        index_pass(opts.shard, rows_read, child_order)
    })
    .await?;

    let (reduce_s, reduce_cpu, grid) = best(opts.repeat, || async {
        grouped
            .reduce(child_order)
            .map_err(|e| BenchError::step("reduce", e))
    })
    .await?;

    let dir = tempfile::tempdir().map_err(|e| BenchError::step("temporary store", e))?;
    let (write_s, write_cpu, ()) = best(opts.repeat, || {
        write_pass(dir.path(), &config, &grouped, &grid)
    })
    .await?;

    let residual = (read_s - open_s - fetch_est - index_s).max(0.0);
    let stages = vec![
        Stage {
            name: "open + metadata",
            seconds: open_s,
            cpu_seconds: Some(open_cpu),
            how: "separate pass: open each granule and the 5 datasets of each beam",
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
            how: "magg_agg::read_shard as the worker runs it",
        },
        Stage {
            name: "reduce (9 outputs)",
            seconds: reduce_s,
            cpu_seconds: Some(reduce_cpu),
            how: "GroupedShard::reduce at the child order",
        },
        Stage {
            name: "write (zarr chunk)",
            seconds: write_s,
            cpu_seconds: Some(write_cpu),
            how: "OutputStore::write_shard into a fresh local store",
        },
    ];

    let python = if opts.python {
        Some(crate::python::run(opts.shard, &opts.local_granules, true)?)
    } else {
        None
    };
    Ok(ShardReport {
        shard: opts.shard,
        source: opts.source.clone(),
        granules: opts.granules.len(),
        observations,
        rows_read,
        row_search: opts.row_search,
        row_search_fallbacks: fallbacks,
        cells: grid.populated,
        io,
        open_io,
        stages,
        total_seconds: read_s + reduce_s + write_s,
        total_cpu_seconds: read_cpu + reduce_cpu + write_cpu,
        peak_rss: crate::rss::peak_rss_bytes(),
        python,
    })
}

async fn open_pass(
    granules: &[String],
    config: &AggConfig,
    open: &OpenOptions,
) -> Result<Counters, BenchError> {
    let stats = IoStats::new();
    let mut open = open.clone();
    open.stats = Some(Arc::clone(&stats));
    for url in granules {
        let file = File::open_url(url, &open)
            .await
            .map_err(|e| BenchError::step("open", e))?;
        let root = file
            .list("/")
            .await
            .map_err(|e| BenchError::step("list", e))?;
        for group in &config.data_source.groups {
            if !root.iter().any(|e| &e.name == group) {
                continue;
            }
            let p = config.paths_for_group(group);
            let paths = [&p.latitude, &p.longitude]
                .into_iter()
                .chain(&p.variables)
                .chain(p.filters.iter().map(|(path, _)| path));
            for path in paths {
                file.dataset(path)
                    .await
                    .map_err(|e| BenchError::step("dataset", e))?;
            }
        }
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
    grid: &magg_agg::ShardGrid,
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
