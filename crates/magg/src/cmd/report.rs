//! `magg report`: a run's results JSON as a self-contained HTML page.

use std::path::PathBuf;

use anyhow::{Context, Result};
use magg_viz::report::{Results, render_report};

/// Turn a results JSON (`magg run`) into a self-contained HTML report:
/// totals and cost, what bounds the wall time, wall time vs observations
/// per shard, the longest shards, bytes read per observation, errors.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The results JSON written by `magg run` or `magg demo`.
    results: PathBuf,
    /// Output HTML (default: the results path with `.html`).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Page title.
    #[arg(long, default_value = "magg run report")]
    title: String,
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let results = Results::read(&args.results)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.results.with_extension("html"));
    let html = render_report(&results, &args.title);
    std::fs::write(&out, html).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "report: {} shards, {} errors -> {}",
        results.report.totals.shards,
        results.report.totals.errors,
        out.display()
    );
    Ok(())
}
