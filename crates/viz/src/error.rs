//! Typed errors, naming the file, store, variable or cell concerned.

use std::path::PathBuf;

/// Everything that can go wrong while reading inputs or drawing.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] magg_store::StoreError),
    /// The variable is not in the store.
    #[error("store {store}: no variable {name} (variables: {known})")]
    UnknownVariable {
        /// Store URL.
        store: String,
        /// The name asked for.
        name: String,
        /// The names that exist, comma-separated.
        known: String,
    },
    /// The order is not in the store.
    #[error("store {store}: no order {order} (orders: {known:?})")]
    UnknownOrder {
        /// Store URL.
        store: String,
        /// The order asked for.
        order: u8,
        /// The orders that exist.
        known: Vec<u8>,
    },
    /// A cell word could not be decoded.
    #[error("cell {word}: {source}")]
    Cell {
        /// The morton word.
        word: u64,
        /// Why.
        source: magg_morton::Error,
    },
    /// Nothing to draw.
    #[error("{0}")]
    Empty(String),
    /// An argument is out of range.
    #[error("{0}")]
    Invalid(String),
    /// A region outline could not be read.
    #[error("region {name}: {reason}")]
    Outline {
        /// Region name or file.
        name: String,
        /// Why.
        reason: String,
    },
    /// A results JSON could not be read.
    #[error("{path}: {reason}")]
    Results {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// PNG encoding failed.
    #[error("PNG encoding: {0}")]
    Png(String),
    /// Writing an output file failed.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
