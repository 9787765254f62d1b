//! `magg chunk-index`: the index pass of a shard map (a CMR catalog's, whose
//! granules `magg catalog` did not read): every granule's metadata and
//! coordinates read once, on this machine, into the chunk index sidecar.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use magg_agg::AggConfig;
use magg_catalog::{Access, ShardMap};

/// Build the chunk index of a shard map's granules (for `magg run
/// --chunk-index`), reading each granule once on this machine.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The shard map (`magg catalog` output).
    #[arg(long)]
    catalog: PathBuf,
    /// Where the index goes: a path or `s3://` URL (gzip when it ends in
    /// `.gz`). Default: beside the map, `NAME.chunks.json.gz`.
    #[arg(long)]
    out: Option<String>,
    /// Pipeline config whose datasets the index describes (YAML; default:
    /// the built-in ATL06 config).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Granules read at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Read the granules' HTTPS URLs rather than their `s3://` ones.
    #[arg(long)]
    https: bool,
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
    let spec = config.index_spec(magg_index::DEFAULT_SUMMARY_ORDER);
    let t0 = Instant::now();
    let runtime = tokio::runtime::Runtime::new()?;
    let pass = runtime.block_on(magg_index::index_granules(
        &urls,
        &spec,
        &magg_h5::OpenOptions::default(),
        args.concurrency,
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
