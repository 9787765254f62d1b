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

impl From<magg_store::StoreError> for ExportError {
    /// A store that cannot be read is an input that cannot be exported
    /// (the message names the store and the key).
    fn from(e: magg_store::StoreError) -> ExportError {
        ExportError::Input(e.to_string())
    }
}
