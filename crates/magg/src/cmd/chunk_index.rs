//! `magg chunk-index`: the index pass of a shard map (a CMR catalog's, whose
//! granules `magg catalog` did not read): every granule's metadata and
//! coordinates read once into the chunk index sidecar, on this machine or
//! on Lambda (`--executor lambda`: batches of granules, one invocation
//! each, merged into the same file). The work is in `magg-index` and
//! `magg-lambda`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use magg_agg::AggConfig;
use magg_catalog::{Access, ShardMap};
use magg_lambda::estimate::{Assumptions, FULL_DENSITY_GRANULE, project_index_pass};
use magg_lambda::{DEFAULT_CONCURRENCY, DEFAULT_INDEX_BATCH, IndexJob, US_EAST_1};

/// Build the chunk index of a shard map's granules (for `magg run
/// --chunk-index`), reading each granule once, on this machine or on
/// Lambda.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The shard map (`magg catalog` output).
    #[arg(long)]
    catalog: PathBuf,
    /// Where the index goes: a path or `s3://` URL (gzip when it ends in
    /// `.gz`). Default: beside the map, `NAME.chunks.json.gz`. With
    /// `--executor lambda`, a location the function can write beside:
    /// each batch's entries go to `<out>.parts/`, merged here, then
    /// deleted.
    #[arg(long)]
    out: Option<String>,
    /// Pipeline config whose datasets the index describes (YAML; default:
    /// the built-in ATL06 config).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Granules read at once on this machine (default 16); with
    /// `--executor lambda`, invocations at once (default 1700).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Read the granules' HTTPS URLs rather than their `s3://` ones.
    #[arg(long)]
    https: bool,
    /// Where the pass runs: `local` (this machine) or `lambda` (one
    /// invocation per batch of granules, the function of `magg run
    /// --executor lambda`).
    #[arg(long, default_value = "local", value_parser = ["local", "lambda"])]
    executor: String,
    /// Lambda: granules per invocation.
    #[arg(long, default_value_t = DEFAULT_INDEX_BATCH)]
    batch: usize,
    /// Lambda: granules indexed at once in each invocation (default: the
    /// whole batch).
    #[arg(long)]
    granule_concurrency: Option<usize>,
    /// Lambda: print the invocations and their events' sizes; invoke
    /// nothing.
    #[arg(long)]
    dry_run: bool,
    /// The function and how to invoke it (`--executor lambda`).
    #[command(flatten)]
    function: super::lambda::FunctionArgs,
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let config = match &args.config {
        Some(p) => AggConfig::from_path(p)?,
        None => AggConfig::atl06_default(),
    };
    let map = ShardMap::read(&args.catalog)?;
    let access = if args.https {
        Access::Https
    } else {
        Access::Direct
    };
    let tasks = magg_run::tasks_from_map(&map, access)?;
    let pairs: usize = tasks.iter().map(|t| t.granules.len()).sum();
    let mut seen = HashSet::new();
    let urls: Vec<String> = tasks
        .into_iter()
        .flat_map(|t| t.granules)
        .filter(|g| seen.insert(g.id.clone()))
        .map(|g| g.url)
        .collect();
    if urls.is_empty() {
        bail!("{}: no granules", args.catalog.display());
    }
    let at = args
        .out
        .clone()
        .unwrap_or_else(|| super::catalog::default_chunk_index(&args.catalog));
    if args.executor == "lambda" {
        return on_lambda(args, config, &urls, at);
    }
    if args.dry_run {
        bail!("--dry-run is for --executor lambda");
    }
    let spec = config.index_spec(magg_index::DEFAULT_SUMMARY_ORDER);
    let t0 = Instant::now();
    let runtime = tokio::runtime::Runtime::new()?;
    let pass = runtime.block_on(magg_index::index_granules(
        &urls,
        &spec,
        &magg_h5::OpenOptions::default(),
        args.concurrency.unwrap_or(16),
    ));
    let seconds = t0.elapsed().as_secs_f64();
    runtime.block_on(pass.index.write(&at))?;
    for why in &pass.skipped {
        eprintln!("chunk index: left out: {why}");
    }
    eprintln!(
        "chunk index of {} of {} granules ({pairs} (shard, granule) pairs) in {seconds:.1} s: {} requests, {} rounds, {:.1} MB fetched -> {at}",
        pass.index.len(),
        urls.len(),
        pass.io.requests,
        pass.io.rounds,
        pass.io.bytes_fetched as f64 / 1e6,
    );
    if !pass.skipped.is_empty() {
        eprintln!(
            "chunk index: {} granule(s) left out (listed above): shards read them through their metadata",
            pass.skipped.len()
        );
    }
    Ok(())
}

/// The pass on Lambda (or its dry run).
fn on_lambda(args: &Args, config: AggConfig, urls: &[String], at: String) -> Result<()> {
    let lambda = args.function.options()?;
    if args.batch == 0 {
        bail!("--batch 0: expected granules per invocation");
    }
    let job = IndexJob {
        config,
        summary_order: magg_index::DEFAULT_SUMMARY_ORDER,
        at,
        batch: args.batch,
        granule_concurrency: args.granule_concurrency.unwrap_or(args.batch),
        concurrency: args.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        store_options: Vec::new(),
        io: magg_h5::IoPolicy::default(),
    };
    if args.dry_run {
        let events = magg_lambda::index_events(urls, &job, None);
        println!(
            "would invoke {} {} time(s) (one per batch of at most {} granules, {} distinct), {} at once, {} MB {}, up to {} attempts each; parts under {}.parts/, merged into {}",
            lambda.function,
            events.len(),
            job.batch,
            events.iter().map(|e| e.granules.len()).sum::<usize>(),
            job.concurrency,
            lambda.memory_mb,
            lambda.arch.name(),
            lambda.retry.max_attempts,
            job.at,
            job.at
        );
        let sizes = magg_lambda::EventSizes::from_sizes(
            events
                .iter()
                .map(|e| serde_json::to_vec(e).map_or(usize::MAX, |j| j.len()))
                .collect(),
        );
        println!(
            "events: {}, bytes median {}, p99 {}, max {} (Invoke limits: 6,291,456 synchronous, 262,144 asynchronous: {} within)",
            sizes.events, sizes.median, sizes.p99, sizes.max, sizes.within_async
        );
        let (m, a) = (FULL_DENSITY_GRANULE, Assumptions::default());
        let p = project_index_pass(
            &m,
            &a,
            events.iter().map(|e| e.granules.len() as u64).sum(),
            job.batch as u64,
            lambda.memory_mb,
            lambda.arch,
            job.concurrency,
            &US_EAST_1,
        );
        println!(
            "projection for full-density granules (measured: {:.0} rounds, {:.2} MB, at most {:.3} s CPU each; assumed: S3 {:.0} MB/s and {:.0} ms first byte per round, {:.1} s start-up): {:.2} s per invocation, {}",
            m.rounds_per_granule,
            m.bytes_per_granule / 1e6,
            m.cpu_s_per_granule,
            a.s3_bytes_per_second / 1e6,
            a.request_latency_s * 1e3,
            a.startup_s,
            p.seconds_per_shard,
            p.bill_line()
        );
        return Ok(());
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let (_, report) = runtime.block_on(magg_lambda::index_lambda(urls, &job, &lambda))?;
    for e in &report.errors {
        eprintln!("chunk index: left out: {}: {}", e.granule, e.error);
    }
    for r in &report.retries {
        eprintln!("chunk index: retried: {r}");
    }
    eprintln!("{} -> {}", report.summary(), job.at);
    if !report.errors.is_empty() {
        eprintln!(
            "chunk index: {} granule(s) left out (listed above): shards read them through their metadata",
            report.errors.len()
        );
    }
    Ok(())
}
