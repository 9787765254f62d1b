//! `magg bench`: whole-shard and slice benchmarks (see `BENCHMARKS.md`).
//! The command line lives in `magg_bench::cli`, shared with the standalone
//! `magg-bench` binary.

pub(crate) use magg_bench::cli::Args;

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    print!("{}", magg_bench::cli::run(args)?);
    Ok(())
}
