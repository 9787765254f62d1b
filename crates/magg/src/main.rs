//! `magg`: the command line. It parses arguments and calls library crates;
//! every feature lives in a library first (see the workspace README).
//!
//! One module per subcommand under `cmd/`, each with an `Args` struct (clap)
//! and a `run(args) -> anyhow::Result<()>`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// magg: aggregate satellite point observations onto HEALPix grids addressed
/// by mortie morton indices, and write them as Zarr v3 (DGGS).
#[derive(Parser)]
#[command(name = "magg", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on bundled sample granules (no network): the first thing to try.
    Demo(cmd::demo::Args),
    /// Build a shard map (shard -> granules) from NASA CMR or from granule files.
    Catalog(cmd::catalog::Args),
    /// Build the chunk index of a shard map's granules (each read once) for `magg run --chunk-index`.
    ChunkIndex(cmd::chunk_index::Args),
    /// Aggregate the shards of a shard map into a Zarr v3 DGGS store.
    Run(cmd::run::Args),
    /// Serve shard invocations inside an AWS Lambda sandbox (the function's `bootstrap`).
    LambdaWorker(cmd::lambda_worker::Args),
    /// Index `lat,lon` points from stdin to morton words (mortie's geo2mort).
    Index(cmd::index::Args),
    /// Describe one morton word: order, nested ipix, parent, centre, boundary.
    Cell(cmd::cell::Args),
    /// Show an HDF5 file's tree, or print a dataset's rows (`--dataset`, `--rows A:B`).
    Inspect(cmd::inspect::Args),
    /// Draw a map (PNG) of a store variable, or of a shard map's shards.
    Plot(cmd::plot::Args),
    /// Export a store variable as a Cloud-Optimized GeoTIFF (polar stereographic).
    Export(cmd::export::Args),
    /// Turn a results JSON into a self-contained HTML run report.
    Report(cmd::report::Args),
    /// Check a store against its shard map: status records vs `count` arrays.
    Verify(cmd::verify::Args),
    /// Benchmark one shard stage by stage (vs an h5py reference), or a slice of shards.
    Bench(cmd::bench::Args),
}

/// `magg ... | head`: once the reader has gone, `println!` panics with
/// "failed printing to stdout: Broken pipe". Exit as a C tool killed by
/// SIGPIPE would (status 141, no message) instead of printing a panic.
/// SIGPIPE itself stays ignored (Rust's default), so a socket closed by an
/// S3 or Lambda peer is still an error the I/O layer handles, never a kill.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(&args),
        Command::Catalog(args) => cmd::catalog::run(&args),
        Command::ChunkIndex(args) => cmd::chunk_index::run(&args),
        Command::Run(args) => cmd::run::run(&args),
        Command::LambdaWorker(args) => cmd::lambda_worker::run(&args),
        Command::Index(args) => cmd::index::run(&args),
        Command::Cell(args) => cmd::cell::run(&args),
        Command::Inspect(args) => cmd::inspect::run(&args),
        Command::Plot(args) => cmd::plot::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Report(args) => cmd::report::run(&args),
        Command::Verify(args) => cmd::verify::run(&args),
        Command::Bench(args) => cmd::bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("magg: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
