//! `magg-bench`: reproducible measurements of the whole shard path
//! (issue 9), as `magg bench` runs them.
//!
//! - [`shard::run`] ([`ShardOptions`] → [`ShardReport`]): one shard over a
//!   set of granules, from local disk or from an S3 server on loopback
//!   (`s3`, feature `s3-fixture`), stage by stage (metadata/open, fetch, inflate + decode +
//!   filter + group, index, reduce, write) with wall and CPU seconds,
//!   observations/s per core, bytes and requests, peak RSS; optionally the
//!   same shard through the h5py + numpy + mortie reference ([`python`]) in
//!   the same run, and the stored bytes of the needed chunks (h5py's
//!   chunk index) to compare with the bytes fetched.
//! - [`slice::run`]: K shards of a local shard map end to end through the
//!   local executor, with the run report's totals.
//! - [`open`]: opening a store with xarray + xdggs as `magg demo` prints
//!   it, and selecting the cells with data (`py/open_store.py`): time and
//!   peak memory.
//! - [`cli`]: the command line of `magg bench` and of the standalone
//!   `magg-bench` binary (no Lambda crates: quick to build in release).
//!
//! Each figure says how it is obtained ([`Stage::how`]): stages that the
//! library does not time separately are measured by separate passes.

pub mod chunk_index;
pub mod cli;
pub mod open;
pub mod python;
pub mod render;
pub mod rss;
#[cfg(feature = "s3-fixture")]
pub mod s3;
pub mod shard;
pub mod slice;

pub use shard::{ShardOptions, ShardReport, Stage};

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Bad input (no granules, bad shard, failing granule).
    #[error("{0}")]
    Input(String),
    /// The Python reference failed or printed something unexpected.
    #[error("python reference: {0}")]
    Python(String),
    /// A library step failed.
    #[error("{what}: {source}")]
    Step {
        /// The step.
        what: String,
        /// Its error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl BenchError {
    pub(crate) fn step(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        BenchError::Step {
            what: what.to_string(),
            source: Box::new(e),
        }
    }
}

/// The `.h5` files of a directory, sorted.
pub fn granules_in(dir: &std::path::Path) -> Result<Vec<String>, BenchError> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| BenchError::Input(format!("reading directory {}: {e}", dir.display())))?;
    let mut out: Vec<String> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "h5"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(BenchError::Input(format!(
            "no .h5 files in {}",
            dir.display()
        )));
    }
    Ok(out)
}
