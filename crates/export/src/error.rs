//! Typed errors, naming the file or the input concerned.

use std::path::PathBuf;

/// What can go wrong while exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// An input that cannot be exported as given.
    #[error("{0}")]
    Input(String),
    /// The file could not be written.
    #[error("{path}: {reason}")]
    Write {
        /// The output file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}
