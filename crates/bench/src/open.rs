//! `magg bench open STORE`: the time and peak memory of opening a store the
//! way `magg demo` tells a user to (xarray + xdggs), and of selecting the
//! cells with data, measured by `py/open_store.py` in a fresh Python
//! process per pass (so no pass reuses another's caches or memory).
//!
//! Works on any local magg store, including layout-1 stores (the script
//! reads the root `zarr.json` itself), so before/after figures come from
//! one command.

use std::fmt::Write as _;
use std::process::Command;

use serde::Deserialize;

use crate::BenchError;

/// The script, embedded so the binary runs it from anywhere.
pub const SCRIPT: &str = include_str!("../py/open_store.py");

/// What one pass of the script measured.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenPass {
    /// The store's `magg.layout_version` (layout 1: `format_version`).
    pub layout_version: Option<u64>,
    /// Shards in the store's shard list (layout 2).
    pub shards: Option<u64>,
    /// Cells along the `cells` dimension of the group.
    pub cells: u64,
    /// Cells with `count > 0`.
    pub populated: u64,
    /// Sum of `count` over them.
    pub observations: u64,
    /// `import xarray, xdggs` (and numpy), seconds.
    pub import_seconds: f64,
    /// RSS after the imports, MB: the baseline of the peaks.
    pub import_rss_mb: f64,
    /// `xr.open_zarr(store, group=…).pipe(xdggs.decode)`, seconds.
    pub open_seconds: f64,
    /// CPU seconds of the open (all threads of the process).
    pub open_cpu_seconds: f64,
    /// Peak RSS during the open beyond the baseline, MB.
    pub open_peak_mb: f64,
    /// `cells = ds.isel(cells=ds["count"].values > 0)` and loading
    /// `cells["h_mean"]` (what the printed `print(cells.h_mean)` does), seconds.
    pub select_seconds: f64,
    /// CPU seconds of the selection (all threads of the process).
    pub select_cpu_seconds: f64,
    /// Peak RSS during the selection beyond the baseline, MB.
    pub select_peak_mb: f64,
    /// `cells.load()` afterwards: every variable of the selected cells, seconds.
    pub load_all_seconds: f64,
    /// CPU seconds of `cells.load()`.
    pub load_all_cpu_seconds: f64,
    /// Peak RSS during `cells.load()` beyond the baseline, MB.
    pub load_all_peak_mb: f64,
    /// Open + select, seconds.
    pub total_seconds: f64,
    /// The larger of the open and select peaks, MB beyond the baseline.
    pub peak_mb: f64,
    /// Warnings raised by the open and the selection.
    pub warnings: Vec<String>,
}

/// Runs the script `repeat` times on `store`'s `group`.
pub fn run(store: &str, group: &str, repeat: usize) -> Result<Vec<OpenPass>, BenchError> {
    let python = std::env::var("MAGG_PYTHON").unwrap_or_else(|_| "python3".to_string());
    (0..repeat.max(1))
        .map(|_| {
            let out = Command::new(&python)
                .arg("-c")
                .arg(SCRIPT)
                .arg(store)
                .arg(group)
                .output()
                .map_err(|e| BenchError::Python(format!("cannot run {python}: {e}")))?;
            if !out.status.success() {
                return Err(BenchError::Python(format!(
                    "{python} failed opening {store} ({}): {}; hint: pip install -r requirements-test.txt",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            let text = String::from_utf8_lossy(&out.stdout);
            serde_json::from_str(text.trim())
                .map_err(|e| BenchError::Python(format!("unexpected output ({e}): {text}")))
        })
        .collect()
}

/// The passes as a table, with the fastest pass's figures last.
pub fn render(store: &str, group: &str, passes: &[OpenPass]) -> String {
    let mut s = String::new();
    let Some(first) = passes.first() else {
        return s;
    };
    let layout = first
        .layout_version
        .map_or_else(|| "?".to_string(), |v| v.to_string());
    let shards = first
        .shards
        .map_or_else(String::new, |n| format!(", {n} shards"));
    let _ = writeln!(
        s,
        "store {store}, group {group} (layout {layout}{shards}): {} cells, {} with data, {} observations",
        first.cells, first.populated, first.observations
    );
    let _ = writeln!(
        s,
        "import xarray, xdggs: {:.2} s, {:.0} MB RSS (the baseline of the peaks below)",
        first.import_seconds, first.import_rss_mb
    );
    let _ = writeln!(
        s,
        "{:<4} | {:>7} {:>7} {:>7} | {:>8} {:>7} {:>7} | {:>7} {:>7} | {:>8} {:>7} {:>7}",
        "pass",
        "open s",
        "cpu s",
        "MB",
        "select s",
        "cpu s",
        "MB",
        "total s",
        "peak MB",
        "load s",
        "cpu s",
        "MB"
    );
    for (i, p) in passes.iter().enumerate() {
        let _ = writeln!(
            s,
            "{:<4} | {:>7.3} {:>7.3} {:>7.1} | {:>8.3} {:>7.3} {:>7.1} | {:>7.3} {:>7.1} | {:>8.3} {:>7.3} {:>7.1}",
            i + 1,
            p.open_seconds,
            p.open_cpu_seconds,
            p.open_peak_mb,
            p.select_seconds,
            p.select_cpu_seconds,
            p.select_peak_mb,
            p.total_seconds,
            p.peak_mb,
            p.load_all_seconds,
            p.load_all_cpu_seconds,
            p.load_all_peak_mb
        );
    }
    let best = passes
        .iter()
        .min_by(|a, b| a.total_seconds.total_cmp(&b.total_seconds))
        .unwrap_or(first);
    let _ = writeln!(
        s,
        "fastest: open + decode {:.3} s ({:.3} s CPU), select the cells with data + h_mean {:.3} s ({:.3} s CPU): total {:.3} s, peak {:.1} MB beyond the imports; then all variables {:.3} s ({:.3} s CPU, {:.1} MB)",
        best.open_seconds,
        best.open_cpu_seconds,
        best.select_seconds,
        best.select_cpu_seconds,
        best.total_seconds,
        best.peak_mb,
        best.load_all_seconds,
        best.load_all_cpu_seconds,
        best.load_all_peak_mb
    );
    let warned: Vec<&String> = passes.iter().flat_map(|p| &p.warnings).collect();
    if warned.is_empty() {
        let _ = writeln!(s, "warnings: none");
    } else {
        for w in warned {
            let _ = writeln!(s, "warning: {w}");
        }
    }
    s
}
