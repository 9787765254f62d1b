//! Typed errors of the catalog; each names the query, page, file or field.

/// What can go wrong while cataloguing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// CMR refused the query (HTTP 4xx): the query is wrong, retrying will
    /// not help.
    #[error("CMR rejected the query {url} with HTTP {status}: {body}")]
    Query {
        /// The full request URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// The start of the response body (CMR explains itself there).
        body: String,
    },
    /// CMR kept failing (5xx or transport errors) after every retry.
    #[error("CMR request {url} failed after {attempts} attempts: {last}")]
    Unavailable {
        /// The full request URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// A page of results that is not valid UMM-G JSON.
    #[error("CMR page {page} ({url}) is malformed: {reason}")]
    MalformedPage {
        /// 1-based page number.
        page: usize,
        /// The request URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A granule record that lacks what a shard map needs.
    #[error("granule {granule}: {reason}")]
    Granule {
        /// The granule's id or position.
        granule: String,
        /// What is wrong.
        reason: String,
    },
    /// A shard map document that is not valid.
    #[error("shard map {what}: {reason}")]
    ShardMap {
        /// Where (file name or field).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A region name or file that cannot be used.
    #[error("region {name}: {reason}")]
    Region {
        /// The region as given.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Bad build parameters (orders, buffer, cycle).
    #[error("invalid parameter: {0}")]
    Parameter(String),
    /// Geometry errors from the coverage layer.
    #[error(transparent)]
    Coverage(#[from] magg_coverage::Error),
    /// Morton errors.
    #[error(transparent)]
    Morton(#[from] magg_morton::Error),
    /// Reading a granule file.
    #[error(transparent)]
    H5(#[from] magg_h5::Error),
    /// Listing the granules under a prefix failed.
    #[error("listing {location}: {reason}")]
    Listing {
        /// The prefix as given.
        location: String,
        /// What went wrong.
        reason: String,
    },
    /// File system errors, with the path.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}
