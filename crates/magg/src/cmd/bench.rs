//! `magg bench`: whole-shard and slice benchmarks (see `BENCHMARKS.md`).

use std::path::PathBuf;

use anyhow::{Result, bail};
use magg_bench::{ShardOptions, granules_in, render};

/// Measure the pipeline: one shard stage by stage, or a slice of shards.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand, Debug)]
enum What {
    /// One shard over the granules of a directory, per stage.
    Shard {
        /// Directory of `.h5` granules.
        #[arg(long)]
        data: PathBuf,
        /// The shard: `ORDER:NESTED` (e.g. 6:32776), a morton word or a mortie label.
        #[arg(long, default_value = "6:32776", allow_hyphen_values = true)]
        shard: String,
        /// Only the granules a shard map built from the directory lists for the shard.
        #[arg(long)]
        catalog: bool,
        /// Read the granules from a moto S3 server on loopback (started here).
        #[arg(long)]
        s3: bool,
        /// Passes per stage (the fastest is kept).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Also run the h5py + numpy + mortie reference and count the needed bytes.
        #[arg(long)]
        python: bool,
    },
    /// K shards of a directory's shard map through the local executor.
    Slice {
        /// Directory of `.h5` granules.
        #[arg(long)]
        data: PathBuf,
        /// Shards to run (the costliest).
        #[arg(long, default_value_t = 50)]
        shards: usize,
        /// Shards in flight (default: 2 × cores).
        #[arg(long)]
        workers: Option<usize>,
    },
}

fn parse_shard(s: &str) -> Result<u64> {
    if let Some((o, n)) = s.split_once(':') {
        return Ok(magg_morton::encode(o.parse()?, n.parse()?)?);
    }
    super::run::parse_shard(s)
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    match &args.what {
        What::Shard {
            data,
            shard,
            catalog,
            s3,
            repeat,
            python,
        } => {
            let shard = parse_shard(shard)?;
            let mut local = granules_in(data)?;
            if *catalog {
                local = runtime.block_on(magg_bench::shard::catalog_granules(shard, &local))?;
                if local.is_empty() {
                    bail!(
                        "the shard map of {} has no granule for shard {shard}",
                        data.display()
                    );
                }
            }
            let server = s3.then(|| magg_bench::s3::upload(&local));
            let (granules, store_options, source) = match &server {
                Some(s) => (
                    s.urls.clone(),
                    s.server.store_options(),
                    format!("moto S3 {}", s.server.endpoint),
                ),
                None => (local.clone(), Vec::new(), "local disk".to_string()),
            };
            let opts = ShardOptions {
                shard,
                granules,
                local_granules: local,
                store_options,
                repeat: *repeat,
                python: *python,
                source,
            };
            let report = runtime.block_on(magg_bench::shard::run(&opts))?;
            print!("{}", render::shard(&report));
        }
        What::Slice {
            data,
            shards,
            workers,
        } => {
            let granules = granules_in(data)?;
            let workers = workers.unwrap_or_else(super::run::default_workers);
            let report = runtime.block_on(magg_bench::slice::run(&granules, *shards, workers))?;
            print!("{}", render::slice(&report));
        }
    }
    Ok(())
}
