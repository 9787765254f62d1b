//! The store's one error type. Every message names the store URL and, where
//! it applies, the key, variable, order and shard involved.

/// A boxed underlying error (from `object_store`, `zarrs` or `serde_json`).
pub(crate) type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong creating, opening, writing or reading a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The [`StoreSpec`](crate::StoreSpec) is not valid (names, orders, fill values).
    #[error("invalid store spec: {0}")]
    Spec(String),

    /// The URL or path cannot be turned into a store location.
    #[error("invalid store location {url:?}: {reason}")]
    Location {
        /// The URL or path as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },

    /// `CreateMode::New` found a store already there.
    #[error("store {url} already exists (use overwrite, or open it to resume)")]
    AlreadyExists {
        /// The store URL.
        url: String,
    },

    /// The prefix holds objects that are not a magg store: nothing is written
    /// or deleted there.
    #[error(
        "{url} is not empty and is not a magg store (found {example:?}); refusing to write there"
    )]
    NotAStore {
        /// The store URL.
        url: String,
        /// One of the objects found.
        example: String,
    },

    /// No store at this location.
    #[error("no magg store at {url} (missing {key})")]
    NotFound {
        /// The store URL.
        url: String,
        /// The key that was looked for.
        key: String,
    },

    /// The store was written by a magg with another store layout (version
    /// 1: dense global arrays); this magg neither reads nor extends it.
    #[error(
        "store {url} has magg store layout version {found}; this magg reads and writes layout \
         version {supported} (compact: each array spans only the store's shards). Write the \
         store again with `magg run ... --overwrite` (CreateMode::Overwrite), or use a new path"
    )]
    Layout {
        /// The store URL.
        url: String,
        /// The layout version found in the root `zarr.json`.
        found: u64,
        /// The layout version this magg reads and writes.
        supported: u64,
    },

    /// The existing store was written with another layout or configuration.
    #[error(
        "store {url} was written with a different configuration: {field} is {stored}, requested {requested}"
    )]
    Mismatch {
        /// The store URL.
        url: String,
        /// Which part of the spec differs.
        field: String,
        /// The stored value.
        stored: String,
        /// The requested value.
        requested: String,
    },

    /// Bad arguments to a shard write or read (unknown variable, wrong
    /// length or dtype, a shard word at the wrong order, ...).
    #[error("store {url}, shard {shard}, order {order}: {reason}")]
    Input {
        /// The store URL.
        url: String,
        /// The shard's morton word.
        shard: u64,
        /// The output order.
        order: u8,
        /// What is wrong.
        reason: String,
    },

    /// Reading or writing a key failed.
    #[error("store {url}, key {key}: {source}")]
    Storage {
        /// The store URL.
        url: String,
        /// The key (relative to the store root), or what was being done.
        key: String,
        /// The underlying error.
        #[source]
        source: Source,
    },

    /// A metadata or status document in the store is not what magg wrote.
    #[error("store {url}, key {key}: {reason}")]
    Corrupt {
        /// The store URL.
        url: String,
        /// The key (relative to the store root).
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
