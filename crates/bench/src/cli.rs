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
        /// Read the granules from an S3 server on loopback (started here;
        /// needs the `magg-bench` binary: the `magg` binary leaves the
        /// server out).
        #[arg(long)]
        s3: bool,
        /// With `--s3`: which server, `s3s-fs` (in this process, fast) or
        /// `moto` (Python; its own CPU bounds the figures).
        #[arg(long, default_value = "s3s-fs", requires = "s3")]
        s3_server: String,
        /// With `--s3`: a loopback proxy answers every granule GET no
        /// sooner than this many milliseconds after it arrived (S3's time
        /// to first byte is tens of ms; the servers here answer in well
        /// under one).
        #[arg(long, requires = "s3")]
        s3_latency_ms: Option<u64>,
        /// Passes per stage (the fastest is kept; the Python reference
        /// runs as many whole passes).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Also run the h5py + numpy + mortie reference and count the needed bytes.
        #[arg(long)]
        python: bool,
        /// `data_source.row_search`: `along_track` (default) or `full`
        /// (whole latitude columns, the behaviour before the search).
        #[arg(long, default_value = "along_track")]
        row_search: String,
        /// Build the chunk index of the granules first (timed and counted
        /// apart) and read the shard from it (`ReadOptions::index`).
        #[arg(long, conflicts_with = "chunk_index_file")]
        chunk_index: bool,
        /// With `--chunk-index`: write the index there (a path or URL;
        /// gzip when it ends in `.gz`) and stop, so that another process
        /// reads the shard from it alone (`--chunk-index-file`).
        #[arg(long, requires = "chunk_index")]
        write_chunk_index: Option<String>,
        /// Read the shard from this chunk index (written by
        /// `--chunk-index --write-chunk-index`, or `magg catalog` /
        /// `magg chunk-index` over the same objects): the process then
        /// holds the shard pass and the loaded index, not the index pass.
        #[arg(long)]
        chunk_index_file: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// The S3 server behind `shard --s3`, run in its own process so the
    /// benchmark measures the reader alone (started by `shard --s3`).
    #[command(hide = true)]
    S3Server {
        /// `s3s-fs` or `moto`.
        #[arg(long)]
        server: String,
        /// First-byte delay of the proxy in front, milliseconds.
        #[arg(long)]
        latency_ms: Option<u64>,
        /// The granules to upload.
        granules: Vec<String>,
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
        /// At most this many granules of a shard at once (default: all).
        #[arg(long)]
        granule_concurrency: Option<usize>,
        /// At most this many beams of a granule at once (default: all).
        #[arg(long)]
        beam_concurrency: Option<usize>,
    },
}

/// The read path's knobs (`magg_agg::ReadOptions`, `magg_h5::OpenOptions`),
/// to measure before/after; each defaults to the library's default.
#[derive(clap::Args, Debug)]
struct ReadArgs {
    /// Range requests in flight per shard (`ReadOptions::requests_in_flight`).
    #[arg(long, default_value_t = magg_agg::DEFAULT_REQUESTS_IN_FLIGHT)]
    requests_in_flight: usize,
    /// Bytes a shard's reads may hold in flight, in MB
    /// (`ReadOptions::memory_budget`).
    #[arg(long)]
    memory_budget_mb: Option<u64>,
    /// At most this many granules at once (`ReadOptions::granule_concurrency`;
    /// default: all).
    #[arg(long)]
    granule_concurrency: Option<usize>,
    /// At most this many beams of a granule at once
    /// (`ReadOptions::beam_concurrency`; default: all).
    #[arg(long)]
    beam_concurrency: Option<usize>,
    /// Bytes read at open (`OpenOptions::first_block`).
    #[arg(long)]
    first_block: Option<u64>,
    /// Metadata read-ahead in bytes (`OpenOptions::read_ahead`).
    #[arg(long)]
    read_ahead: Option<u64>,
    /// Bytes read before an object header (`OpenOptions::read_behind`).
    #[arg(long)]
    read_behind: Option<u64>,
}

impl ReadArgs {
    fn options(&self) -> magg_agg::ReadOptions {
        let mut r = magg_agg::ReadOptions {
            requests_in_flight: self.requests_in_flight,
            ..magg_agg::ReadOptions::default()
        };
        if let Some(mb) = self.memory_budget_mb {
            r.memory_budget = mb << 20;
        }
        if let Some(n) = self.granule_concurrency {
            r.granule_concurrency = n;
        }
        if let Some(n) = self.beam_concurrency {
            r.beam_concurrency = n;
        }
        if let Some(b) = self.first_block {
            r.open.first_block = b;
        }
        if let Some(b) = self.read_ahead {
            r.open.read_ahead = b;
        }
        if let Some(b) = self.read_behind {
            r.open.read_behind = b;
        }
        r
    }
}

/// What `--s3` reads from: store options, granule URLs, a description,
/// and the server (kept alive while the benchmark runs).
type S3Source = (
    Vec<(String, String)>,
    Vec<String>,
    String,
    Option<Box<dyn std::any::Any>>,
);

/// Starts the S3 server process `--s3` asks for, holding the granules.
#[cfg(feature = "s3-fixture")]
fn s3_granules(
    local: &[String],
    server: &str,
    latency_ms: Option<u64>,
) -> Result<S3Source, BenchError> {
    let server = crate::s3::Server::parse(server)?;
    let r = crate::s3::Remote::start(local, server, latency_ms)?;
    Ok((
        r.store_options.clone(),
        r.urls.clone(),
        r.describe.clone(),
        Some(Box::new(r)),
    ))
}

/// Without the `s3-fixture` feature there is no server to start.
#[cfg(not(feature = "s3-fixture"))]
fn s3_granules(_: &[String], _: &str, _: Option<u64>) -> Result<S3Source, BenchError> {
    Err(no_fixture())
}

#[cfg(feature = "s3-fixture")]
fn serve_s3(granules: &[String], server: &str, latency_ms: Option<u64>) -> Result<(), BenchError> {
    crate::s3::serve(granules, crate::s3::Server::parse(server)?, latency_ms)
}

#[cfg(not(feature = "s3-fixture"))]
fn serve_s3(_: &[String], _: &str, _: Option<u64>) -> Result<(), BenchError> {
    Err(no_fixture())
}

#[cfg(not(feature = "s3-fixture"))]
fn no_fixture() -> BenchError {
    BenchError::Input(
        "--s3 needs the loopback S3 server, a test fixture the `magg` binary leaves out: \
         run the `magg-bench` binary instead (`cargo run --release -p magg-bench -- shard --s3 ...`)"
            .into(),
    )
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
            s3_server,
            s3_latency_ms,
            repeat,
            python,
            row_search,
            chunk_index,
            write_chunk_index,
            chunk_index_file,
            read,
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
            let mut read = read.options();
            let (granules, source, _server) = if *s3 {
                let s = s3_granules(&local, s3_server, *s3_latency_ms)?;
                read.open.store_options = s.0;
                (s.1, s.2, s.3)
            } else {
                (local.clone(), "local disk".to_string(), None)
            };
            let mut index_line = String::new();
            if *chunk_index {
                let (ix, pass) = runtime.block_on(crate::chunk_index::build(
                    &granules,
                    &magg_agg::AggConfig::atl06_default(),
                    &read.open,
                ))?;
                index_line = crate::chunk_index::render(&pass);
                if let Some(out) = write_chunk_index {
                    runtime
                        .block_on(ix.write(out))
                        .map_err(|e| BenchError::step("write the chunk index", e))?;
                    return Ok(format!("{index_line}chunk index written to {out}\n"));
                }
                read.index = Some(std::sync::Arc::new(ix));
            }
            if let Some(path) = chunk_index_file {
                let ix = runtime
                    .block_on(magg_index::ChunkIndex::load(path))
                    .map_err(|e| BenchError::step("load the chunk index", e))?;
                index_line = format!(
                    "chunk index loaded from {path}: {} granules (the index pass ran elsewhere)\n",
                    ix.len()
                );
                read.index = Some(std::sync::Arc::new(ix));
            }
            let opts = ShardOptions {
                shard,
                granules,
                local_granules: local,
                repeat: *repeat,
                python: *python,
                source,
                row_search,
                read,
            };
            let report = runtime.block_on(crate::shard::run(&opts))?;
            Ok(index_line + &render::shard(&report))
        }
        What::S3Server {
            server,
            latency_ms,
            granules,
        } => serve_s3(granules, server, *latency_ms).map(|()| String::new()),
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
            granule_concurrency,
            beam_concurrency,
        } => {
            let granules = granules_in(data)?;
            let workers = workers.unwrap_or_else(default_workers);
            let defaults = magg_agg::ReadOptions::default();
            let report = runtime.block_on(crate::slice::run(
                &granules,
                *shards,
                workers,
                (
                    granule_concurrency.unwrap_or(defaults.granule_concurrency),
                    beam_concurrency.unwrap_or(defaults.beam_concurrency),
                ),
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
