//! The `bench` command line (`magg bench …` and the standalone `magg-bench`
//! binary, which builds without the Lambda crates and the AWS SDK).

use std::path::PathBuf;

use crate::{BenchError, ShardOptions, granules_in, render};

/// Measure the pipeline: one shard stage by stage, or a slice of shards.
#[derive(clap::Args, Debug)]
pub struct Args {
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
        /// With `--s3`: a loopback proxy between the reader and moto delays
        /// every granule GET by this many milliseconds (real S3's time to
        /// first byte is tens of ms; moto answers in a few).
        #[arg(long, requires = "s3")]
        s3_latency_ms: Option<u64>,
        /// Passes per stage (the fastest is kept).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Also run the h5py + numpy + mortie reference and count the needed bytes.
        #[arg(long)]
        python: bool,
        /// `data_source.row_search`: `along_track` (default) or `full`
        /// (whole latitude columns, the behaviour before the search).
        #[arg(long, default_value = "along_track")]
        row_search: String,
        /// Bytes read at open (default: `magg_h5::OpenOptions`' default).
        #[arg(long)]
        first_block: Option<u64>,
        /// Metadata read-ahead in bytes (default: `magg_h5::OpenOptions`' default).
        #[arg(long)]
        read_ahead: Option<u64>,
        /// Granules read at once (`magg_agg::ReadOptions::granule_concurrency`).
        #[arg(long, default_value_t = 4)]
        granule_concurrency: usize,
        /// Beams read at once per granule after the first
        /// (`magg_agg::ReadOptions::beam_concurrency`).
        #[arg(long, default_value_t = magg_agg::DEFAULT_BEAM_CONCURRENCY)]
        beam_concurrency: usize,
    },
    /// Open a local store with xarray + xdggs as `magg demo` prints it, then
    /// select the cells with data: time and peak memory, a fresh Python
    /// process per pass.
    Open {
        /// The store (a local path; any layout version).
        store: String,
        /// The order group to open.
        #[arg(long, default_value = "12")]
        group: String,
        /// Passes (each in a new Python process).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
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
        /// Beams read at once per granule after the first.
        #[arg(long, default_value_t = magg_agg::DEFAULT_BEAM_CONCURRENCY)]
        beam_concurrency: usize,
    },
}

/// A shard given as `ORDER:NESTED`, a morton word or a mortie label.
pub fn parse_shard(s: &str) -> Result<u64, BenchError> {
    let bad = |e: &dyn std::fmt::Display| BenchError::Input(format!("shard {s}: {e}"));
    let word = if let Some((o, n)) = s.split_once(':') {
        let order = o.trim().parse().map_err(|e| bad(&e))?;
        let nested = n.trim().parse().map_err(|e| bad(&e))?;
        magg_morton::encode(order, nested).map_err(|e| bad(&e))?
    } else {
        match s.parse::<u64>() {
            Ok(w) if w >= 1 << 60 => w,
            _ => magg_morton::parse_label(s).map_err(|e| bad(&e))?,
        }
    };
    magg_morton::decode(word).map_err(|e| bad(&e))?;
    Ok(word)
}

fn default_workers() -> usize {
    2 * std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Runs the benchmark `args` asks for and returns its printout.
pub fn run(args: &Args) -> Result<String, BenchError> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| BenchError::step("runtime", e))?;
    match &args.what {
        What::Shard {
            data,
            shard,
            catalog,
            s3,
            s3_latency_ms,
            repeat,
            python,
            row_search,
            first_block,
            read_ahead,
            granule_concurrency,
            beam_concurrency,
        } => {
            let shard = parse_shard(shard)?;
            let row_search = match row_search.as_str() {
                "along_track" => magg_agg::RowSearch::AlongTrack,
                "full" => magg_agg::RowSearch::Full,
                other => {
                    return Err(BenchError::Input(format!(
                        "--row-search {other}: expected along_track or full"
                    )));
                }
            };
            let mut local = granules_in(data)?;
            if *catalog {
                local = runtime.block_on(crate::shard::catalog_granules(shard, &local))?;
                if local.is_empty() {
                    return Err(BenchError::Input(format!(
                        "the shard map of {} has no granule for shard {shard}",
                        data.display()
                    )));
                }
            }
            let server = s3.then(|| crate::s3::upload(&local, *s3_latency_ms));
            let (granules, store_options, source) = match &server {
                Some(s) => (s.urls.clone(), s.store_options(), s.describe()),
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
                row_search,
                first_block: *first_block,
                read_ahead: *read_ahead,
                granule_concurrency: *granule_concurrency,
                beam_concurrency: *beam_concurrency,
            };
            let report = runtime.block_on(crate::shard::run(&opts))?;
            Ok(render::shard(&report))
        }
        What::Open {
            store,
            group,
            repeat,
        } => {
            let passes = crate::open::run(store, group, *repeat)?;
            Ok(crate::open::render(store, group, &passes))
        }
        What::Slice {
            data,
            shards,
            workers,
            beam_concurrency,
        } => {
            let granules = granules_in(data)?;
            let workers = workers.unwrap_or_else(default_workers);
            let report = runtime.block_on(crate::slice::run(
                &granules,
                *shards,
                workers,
                *beam_concurrency,
            ))?;
            Ok(render::slice(&report))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_forms_agree() {
        let word = magg_morton::encode(6, 32776).unwrap();
        assert_eq!(parse_shard("6:32776").unwrap(), word);
        assert_eq!(parse_shard(&word.to_string()).unwrap(), word);
        assert!(parse_shard("6:x").is_err());
        assert!(parse_shard("99:1").is_err());
    }
}
