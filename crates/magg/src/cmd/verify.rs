//! `magg verify`: the conservation check of a finished store.

use std::path::PathBuf;

use anyhow::{Result, bail};
use magg_catalog::ShardMap;
use magg_store::OutputStore;

/// Check a store against its shard map: every shard has a complete status
/// record and its `count` chunks add up to the recorded observations.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The store (local path or `s3://bucket/prefix`).
    store: String,
    /// The shard map the store was made from.
    #[arg(long)]
    catalog: PathBuf,
    /// The variable holding per-cell observation counts.
    #[arg(long, default_value = "count")]
    count_var: String,
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let map = ShardMap::read(&args.catalog)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(async {
        let store = OutputStore::open(&args.store).await?;
        magg_run::verify(&store, &map, &args.count_var).await
    })?;
    for p in &report.problems {
        println!(
            "shard {} ({}): {}",
            p.shard,
            magg_morton::to_label(p.shard)?,
            p.what
        );
    }
    println!(
        "{} shards checked, {} consistent ({} observations), {} problem(s)",
        report.shards,
        report.consistent,
        report.observations,
        report.problems.len()
    );
    if !report.ok() {
        bail!(
            "store {} does not match {}",
            args.store,
            args.catalog.display()
        );
    }
    Ok(())
}
