//! `magg-bench`: the `magg bench` subcommands as a standalone binary, so a
//! release build needs neither the Lambda crates nor the AWS SDK
//! (`cargo build --release -p magg-bench`).

use clap::Parser;

/// Whole-shard and slice benchmarks of the magg pipeline (see `BENCHMARKS.md`).
#[derive(Parser, Debug)]
#[command(name = "magg-bench", version)]
struct Cli {
    #[command(flatten)]
    args: magg_bench::cli::Args,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match magg_bench::cli::run(&cli.args) {
        Ok(text) => {
            print!("{text}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("magg-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
