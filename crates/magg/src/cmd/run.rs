//! `magg run`: aggregate the shards of a shard map into a Zarr store.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use magg_agg::AggConfig;
use magg_catalog::ShardMap;
use magg_run::{JobOptions, ResultsPlace, RunReport, Selection, StoreMode};

/// Aggregate the shards of a shard map into a Zarr v3 (DGGS) store, on a
/// local pool of workers, costliest shards first.
#[derive(clap::Args, Debug)]
#[allow(clippy::struct_excessive_bools)] // CLI flags
pub(crate) struct Args {
    /// The shard map (`magg catalog` output).
    #[arg(long)]
    catalog: PathBuf,
    /// Output store: a local path or `s3://bucket/prefix`.
    #[arg(long)]
    store: String,
    /// Pipeline config: a YAML file, or a built-in one by name (`atl06`,
    /// `atl03`, `atl08`, `atl08_canopy`, `gedi_l2a`); default: the built-in ATL06
    /// config.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Shards in flight at once (default: 2 × cores; with `--executor
    /// lambda`, 1700).
    #[arg(long)]
    workers: Option<usize>,
    /// At most this many granules of a shard read at once (default: all;
    /// a shard's requests in flight and the bytes its reads hold are
    /// bounded anyway).
    #[arg(long)]
    granule_concurrency: Option<usize>,
    /// At most this many beams of a granule read at once (local executor;
    /// default: all).
    #[arg(long)]
    beam_concurrency: Option<usize>,
    /// A chunk index of the granules (`magg catalog --granules` writes one
    /// beside the shard map): granules it lists are read without metadata
    /// requests; a stale or corrupt entry falls back to the metadata
    /// (counted). A local path or `s3://` URL; with `--executor lambda`
    /// each event carries its granules' entries (or, when they would not
    /// fit the event, this location, which the function must then read).
    #[arg(long)]
    chunk_index: Option<String>,
    /// Run at most K shards (the costliest).
    #[arg(long)]
    max_shards: Option<usize>,
    /// Run only this shard: on HEALPix a morton word, mortie label or `ORDER:NESTED` (6:32776); on a rectilinear grid a tile `R,C` or its number.
    #[arg(long, allow_hyphen_values = true)]
    shard: Option<String>,
    /// Print the plan and exit.
    #[arg(long)]
    dry_run: bool,
    /// Reuse the store and skip shards whose status record says complete.
    #[arg(long, conflicts_with = "overwrite")]
    resume: bool,
    /// Reuse the store and rerun only the shards whose status record has
    /// an error.
    #[arg(long, conflicts_with_all = ["overwrite", "resume"])]
    retry_failed: bool,
    /// Replace an existing store.
    #[arg(long)]
    overwrite: bool,
    /// Aggregate every observation of each listed shard, also those whose
    /// child cell lies outside the region (config `output.all_observations:
    /// true`); the shard map must be built with `magg catalog
    /// --all-observations`. By default only observations whose child cell
    /// touches the region count.
    #[arg(long)]
    all_observations: bool,
    /// Also write coarser orders, e.g. `6..11` or `8,10` (exact, from the
    /// observations).
    #[arg(long)]
    pyramid: Option<String>,
    /// Results JSON file (default: `<store>.results.json` beside a local
    /// store; for an `s3://` store, `<bucket>_<key>.results.json` here,
    /// besides the object `<store>.results.json` beside the store).
    #[arg(long)]
    results: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
    /// Elevation change over the shard map's time windows (with two or
    /// more): `MEAN,SIGMA`, the outputs it is fitted to (default
    /// `h_mean,h_sigma`), or `none`. Written as variables `dhdt`,
    /// `dhdt_sigma`, `dhdt_chi2`, `dhdt_windows`, `dhdt_span`.
    #[arg(long, default_value = "h_mean,h_sigma")]
    dhdt: String,
    /// Windows a cell needs for a rate (at least 2; the windows' times
    /// must differ).
    #[arg(long, default_value_t = magg_agg::trend::DEFAULT_MIN_WINDOWS)]
    dhdt_min_windows: u32,
    /// Retries of a failed S3/HTTP request (5xx, SlowDown, reset, timeout)
    /// before the granule or shard fails.
    #[arg(long, default_value_t = magg_h5::IoPolicy::default().max_retries)]
    io_retries: usize,
    /// Seconds one S3/HTTP request attempt may take, connect to last byte
    /// (cuts a stalled transfer).
    #[arg(long, default_value_t = magg_h5::IoPolicy::default().request_timeout.as_secs_f64())]
    io_timeout: f64,
    /// Seconds after a request's first attempt when no more retries start.
    #[arg(long, default_value_t = magg_h5::IoPolicy::default().retry_timeout.as_secs_f64())]
    io_retry_timeout: f64,
    /// Where shards run (`--executor lambda --function NAME ...`; boxed:
    /// keeps the `Command` enum small).
    #[command(flatten)]
    lambda: Box<super::lambda::LambdaArgs>,
}

pub(crate) fn parse_shard(s: &str) -> Result<u64> {
    // `ORDER:NESTED`, as `magg bench` and the docs write shards (6:32776).
    if let Some((o, n)) = s.split_once(':') {
        let (o, n) = (o.trim().parse::<u8>(), n.trim().parse::<u64>());
        if let (Ok(o), Ok(n)) = (o, n) {
            return Ok(magg_morton::encode(o, n)?);
        }
    }
    let w = match s.parse::<u64>() {
        Ok(w) if w >= 1 << 60 => w,
        _ => magg_morton::parse_label(s)?,
    };
    magg_morton::decode(w)?;
    Ok(w)
}

/// `--shard` against the map's grid: a morton word or mortie label on
/// HEALPix; a tile as `R,C`, `tile R,C` or its number on a rectilinear grid.
fn shard_of_map(map: &ShardMap, s: &str) -> Result<u64> {
    let spec = map.grid_spec();
    if matches!(spec, magg_grid::GridSpec::Healpix(_)) {
        return parse_shard(s);
    }
    let grid = spec.build()?;
    let t = s.trim();
    let t = t.strip_prefix("tile").map_or(t, str::trim);
    let id = if let Some((r, c)) = t.split_once(',') {
        let want = format!("tile {},{}", r.trim(), c.trim());
        map.shards
            .keys()
            .copied()
            .find(|&w| grid.shard_label(w) == want)
            .with_context(|| format!("--shard {s}: no tile {} in the shard map", &want[5..]))?
    } else {
        t.parse::<u64>().with_context(|| {
            format!("--shard {s}: a rectilinear map's shard is a tile `R,C` or its number")
        })?
    };
    grid.check_shard(id)?;
    Ok(id)
}

pub(crate) fn parse_orders(s: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        if let Some((a, b)) = part.split_once("..") {
            let (a, b): (u8, u8) = (a.trim().parse()?, b.trim().parse()?);
            out.extend(a..=b);
        } else {
            out.push(part.trim().parse()?);
        }
    }
    Ok(out)
}

pub(crate) fn default_workers() -> usize {
    2 * std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Sets the returned flag on SIGINT/SIGTERM: shards in flight finish, the
/// rest are listed as not started, and the results JSON is still written.
pub(crate) fn stop_on_signal() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
        eprintln!("magg: stopping: shards in flight will finish, the rest are left for --resume");
        flag.store(true, Ordering::SeqCst);
    });
    stop
}

/// The elevation change `--dhdt` asks for.
fn trend(args: &Args) -> Result<Option<magg_agg::dhdt::TrendSpec>> {
    if args.dhdt == "none" {
        return Ok(None);
    }
    let (mean, sigma) = args
        .dhdt
        .split_once(',')
        .context("--dhdt wants MEAN,SIGMA (two outputs of the config) or none")?;
    Ok(Some(magg_agg::dhdt::TrendSpec {
        mean: mean.trim().to_string(),
        sigma: sigma.trim().to_string(),
        min_windows: args.dhdt_min_windows,
    }))
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let mut config = match &args.config {
        Some(p) => AggConfig::load(p)?,
        None => AggConfig::atl06_default(),
    };
    config.output.all_observations |= args.all_observations;
    let map = ShardMap::read(&args.catalog)?;
    let mut opts = JobOptions {
        store: args.store.clone(),
        workers: args
            .workers
            .unwrap_or_else(|| args.lambda.default_workers()),
        granule_concurrency: args
            .granule_concurrency
            .unwrap_or(magg_agg::DEFAULT_GRANULE_CONCURRENCY),
        beam_concurrency: args
            .beam_concurrency
            .unwrap_or(magg_agg::DEFAULT_BEAM_CONCURRENCY),
        selection: Selection {
            shard: args
                .shard
                .as_deref()
                .map(|s| shard_of_map(&map, s))
                .transpose()?,
            max_shards: args.max_shards,
        },
        mode: store_mode(args),
        pyramid: args
            .pyramid
            .as_deref()
            .map(parse_orders)
            .transpose()?
            .unwrap_or_default(),
        quiet: args.quiet,
        io: io_policy(args)?,
        chunk_index: None,
        trend: trend(args)?,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    if let Some(at) = &args.chunk_index {
        let ix = runtime.block_on(magg_index::ChunkIndex::load(at))?;
        eprintln!("chunk index: {} granules ({at})", ix.len());
        opts.chunk_index = Some(std::sync::Arc::new(ix));
    }
    let index_at = args.chunk_index.as_deref();
    if args.dry_run && args.lambda.is_lambda() {
        return super::lambda::dry_run(&map, &config, &opts, &args.lambda, index_at);
    }
    if args.dry_run {
        return dry_run(&map, &config, &opts);
    }
    let place = ResultsPlace::for_store(&args.store, args.results.as_deref());
    let plan = magg_agg::Plan::new(&config)?;
    let (report, written) = runtime.block_on(async {
        let stop = stop_on_signal();
        let report = if args.lambda.is_lambda() {
            super::lambda::run(&map, config, &opts, &args.lambda, index_at, stop).await?
        } else {
            magg_run::run_local(&map, config, &opts, stop).await?
        };
        let written = place.write(&report, &opts.io).await;
        anyhow::Ok((report, written))
    })?;
    finish(&report, written)?;
    if !args.quiet {
        let (count, show) = super::demo::snippet_variables(&plan);
        eprintln!("open it in Python:");
        let windows = map.windows.len() > 1;
        let lines = if map.rectilinear.is_some() {
            super::demo::grid_snippet(&args.store, windows, &count, &show)
        } else {
            super::demo::python_snippet(&args.store, plan.child_order(), windows, &count, &show)
        };
        for line in lines {
            eprintln!("    {line}");
        }
    }
    Ok(())
}

/// The I/O policy of the `--io-*` flags.
fn io_policy(args: &Args) -> Result<magg_h5::IoPolicy> {
    let secs = |flag: &str, v: f64| {
        std::time::Duration::try_from_secs_f64(v)
            .ok()
            .filter(|d| !d.is_zero())
            .with_context(|| format!("{flag} {v}: expected a positive number of seconds"))
    };
    let policy = magg_h5::IoPolicy {
        max_retries: args.io_retries,
        request_timeout: secs("--io-timeout", args.io_timeout)?,
        retry_timeout: secs("--io-retry-timeout", args.io_retry_timeout)?,
        ..magg_h5::IoPolicy::default()
    };
    // The retry window includes the attempts: a shorter one than an
    // attempt would never retry a timed-out request.
    if policy.max_retries > 0 && policy.retry_timeout <= policy.request_timeout {
        bail!(
            "--io-retry-timeout ({}) must exceed --io-timeout ({}) for timed-out requests to be retried",
            args.io_retry_timeout,
            args.io_timeout
        );
    }
    Ok(policy)
}

/// The store mode of `--overwrite`, `--resume` and `--retry-failed` (clap
/// refuses any two together; none is a new store).
fn store_mode(args: &Args) -> StoreMode {
    match (args.overwrite, args.resume, args.retry_failed) {
        (true, _, _) => StoreMode::Overwrite,
        (_, true, _) => StoreMode::Resume,
        (_, _, true) => StoreMode::RetryFailed,
        _ => StoreMode::New,
    }
}

/// Prints the summary and where the results JSON was `written`, and fails
/// if writing it or any shard did.
pub(crate) fn finish(report: &RunReport, written: Result<Vec<String>, String>) -> Result<()> {
    eprint!("{}", report.summary());
    for place in written.map_err(anyhow::Error::msg)? {
        eprintln!("results: {place}");
    }
    if report.totals.errors > 0 || !report.not_started.is_empty() {
        bail!(
            "{} shard(s) failed and {} not started; fix the cause and rerun with --resume",
            report.totals.errors,
            report.not_started.len()
        );
    }
    Ok(())
}

fn dry_run(map: &ShardMap, config: &AggConfig, opts: &JobOptions) -> Result<()> {
    let tasks = magg_run::planned(map, config, opts)?;
    let pairs: usize = tasks.iter().map(|t| t.granules.len()).sum();
    println!(
        "{} shards, {} (shard, granule) pairs, {} workers",
        tasks.len(),
        pairs,
        opts.workers
    );
    let boundary = tasks.iter().filter(|t| !t.region.is_whole()).count();
    let rule = magg_run::config_rule(config);
    println!(
        "region rule {}: {}; {boundary} boundary shards keep only their cells in the region",
        rule.name(),
        rule.describe()
    );
    println!("costliest first:");
    let grid = map.grid_spec().build()?;
    for t in tasks.iter().take(10) {
        grid.check_shard(t.shard)?;
        println!(
            "  {} ({}): {} granules",
            t.shard,
            grid.shard_label(t.shard),
            t.granules.len()
        );
    }
    Ok(())
}
