//! The h5py + numpy + mortie reference (`py/reference.py`), run as a
//! subprocess on the same shard and granules.

use std::process::Command;

use serde::Deserialize;

use crate::BenchError;

/// The reference script, embedded so the binary runs it from anywhere.
pub const SCRIPT: &str = include_str!("../py/reference.py");

/// What the reference printed.
#[derive(Debug, Clone, Deserialize)]
pub struct PyReport {
    /// Seconds per stage (`read`, `select`, `index`, `group_reduce`) of
    /// the fastest whole pass.
    pub seconds: std::collections::BTreeMap<String, f64>,
    /// Sum of the stages (the fastest whole pass).
    pub total_seconds: f64,
    /// Whole passes run.
    pub passes: usize,
    /// Rows read (all beams, all granules).
    pub rows_read: u64,
    /// Observations kept in the shard.
    pub observations: u64,
    /// Child cells with data.
    pub cells: u64,
    /// Stored bytes of the 5 columns' chunks meeting the shard's rows
    /// (with `needed`).
    pub needed_bytes: Option<u64>,
    /// Rows (before filtering) in the shard (with `needed`).
    pub shard_rows: Option<u64>,
}

/// Runs the reference on `shard` over local `granules`, `repeat` whole
/// passes (the fastest is reported); with `needed`, it also sums the needed
/// chunks' stored sizes (not timed).
pub fn run(
    shard: u64,
    granules: &[String],
    repeat: usize,
    needed: bool,
) -> Result<PyReport, BenchError> {
    let python = std::env::var("MAGG_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let mut cmd = Command::new(&python);
    cmd.arg("-c")
        .arg(SCRIPT)
        .arg(shard.to_string())
        .args(granules)
        .args(["--repeat", &repeat.max(1).to_string()]);
    if needed {
        cmd.arg("--needed");
    }
    let out = cmd
        .output()
        .map_err(|e| BenchError::Python(format!("cannot run {python}: {e}")))?;
    if !out.status.success() {
        return Err(BenchError::Python(format!(
            "{python} failed ({}): {}; hint: pip install -r requirements-test.txt",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .map_err(|e| BenchError::Python(format!("unexpected output ({e}): {text}")))
}
