//! NASA CMR granule search: query, UMM-G parsing, paged client.

mod client;
mod query;
mod umm;
mod windows;

pub use client::{CmrClient, SearchResult};
pub use query::{DEFAULT_CMR_URL, GRANULE_SEARCH_PATH, GranuleQuery};
/// Parses one CMR `umm_json` search page (exposed for the fuzz target).
#[doc(hidden)]
pub use umm::parse_page;
pub use windows::{WindowedSearch, search_windows};
