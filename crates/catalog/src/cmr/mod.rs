//! NASA CMR granule search: query, UMM-G parsing, paged client.

mod client;
mod query;
mod umm;

pub use client::{CmrClient, SearchResult};
pub use query::{DEFAULT_CMR_URL, GRANULE_SEARCH_PATH, GranuleQuery};
