//! Errors of the reduction (config errors are [`ConfigError`](crate::ConfigError)).

/// What can go wrong pushing observations into a shard or reducing it.
#[derive(Debug, thiserror::Error)]
pub enum AggError {
    /// The config is invalid.
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
    /// The shard word is not a cell at the config's parent order.
    #[error("shard {word}: {reason}")]
    Shard {
        /// The morton word given.
        word: u64,
        /// Why it is refused.
        reason: String,
    },
    /// A batch's columns do not match the config or each other.
    #[error("shard {shard}: malformed batch: {reason}")]
    Batch {
        /// The shard's morton word.
        shard: u64,
        /// What does not match.
        reason: String,
    },
    /// Computing cells failed for coordinates that passed the checks.
    #[error("shard {shard}: cell index: {source}")]
    Index {
        /// The shard's morton word.
        shard: u64,
        /// The morton layer's error.
        source: magg_morton::BatchError,
    },
    /// A granule could not be read (missing dataset, corrupt or unreachable
    /// file); the h5 error names the file and the HDF5 object.
    #[error("{source}")]
    Read {
        /// The granule's URL or path.
        granule: String,
        /// The reader's error (boxed: it is large and rare).
        source: Box<magg_h5::Error>,
    },
    /// An order outside the shard's parent..=child range was asked for.
    #[error("shard {shard}: order {order} is outside {parent}..={child}")]
    Order {
        /// The shard's morton word.
        shard: u64,
        /// The order asked for.
        order: u8,
        /// The parent (shard) order.
        parent: u8,
        /// The child order.
        child: u8,
    },
}
