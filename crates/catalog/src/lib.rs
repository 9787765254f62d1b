//! Catalog once: which granules touch which shard.
//!
//! One job: turn a question (a product, a cycle or dates, a region) into a
//! [`ShardMap`]: shard (parent-order cell) → the granules to read for it,
//! with the query that made it. Sources:
//!
//! - NASA CMR ([`cmr::CmrClient`]): UMM-G granule search, paged with
//!   `CMR-Search-After`, retried with backoff on 5xx and timeouts, a clear
//!   [`Error::Query`] on 4xx naming the query, [`Error::MalformedPage`]
//!   naming the page. A cycle is its own query ([`cmr::GranuleQuery::cycle`]):
//!   CMR track search `cycle[]=N`, the real cycle's date window
//!   ([`cycle`]), and only granules whose file name says cycle N.
//! - Granule files directly ([`local::build`]): their coordinates, read with
//!   `magg-h5`, give the exact shards.
//!
//! Footprint ∩ region is exact on the sphere (`magg-coverage`), at the
//! match order (default the child order), with an explicit footprint
//! margin `buffer_km` ([`BuildSpec`], default [`DEFAULT_BUFFER_KM`]). The
//! [`RegionRule`] decides which observations count and so which pairs are
//! listed: those whose child cell touches the region (default), or every
//! observation of a shard that touches it; [`ShardMap::shard_cells`] gives
//! each shard's region cells under the map's rule ([`ShardCells`]).
//! Regions: [`regions::region`] (`antarctica`, `greenland`, or a GeoJSON
//! file).
//!
//! # Shard map JSON (`"magg_shardmap": 2`)
//!
//! ```json
//! {
//!   "magg_shardmap": 2,
//!   "query": {
//!     "source": "cmr",                       // or "local"
//!     "short_name": "ATL06", "version": "006",  // when known
//!     "cycle": 22,                           // when the query was a cycle
//!     "temporal": ["2023-12-17T21:15:00Z", "2024-03-19T16:54:42Z"],
//!     "cmr_url": "https://cmr.earthdata.nasa.gov",
//!     "region": {"name": "antarctica", "moc_order": 12,
//!                "moc": [10376293541461622788, ...]},  // compact mortie words
//!     "match_order": 12,
//!     "buffer_km": 2.0,
//!     "region_rule": "child_cells"          // or "all_observations"
//!   },
//!   "parent_order": 6,
//!   "child_order": 12,
//!   "shards": {                              // keys: shard morton words, decimal,
//!     "10377137966391754758": [              //       in numeric order
//!       {"id": "ATL06_20231218222155_00012211_006_01.h5",
//!        "urls": {"s3": "s3://...", "https": "https://..."},  // or "file"
//!        "bbox": {"west": -8.4, "south": -88.0, "east": 152.6, "north": -79.0},
//!        "time_start": "...", "time_end": "...", "concept_id": "G..."}
//!     ]
//!   },
//!   "totals": {"shards": 1, "granules": 1, "pairs": 1}
//! }
//! ```
//!
//! Granules under a shard are sorted by `id`; optional fields are omitted
//! when unknown. [`ShardMap::from_json`] / [`ShardMap::read`] also read
//! version 1 (no `region_rule`: read as `child_cells`, refused if its match
//! order is finer than its child order), and reject another version,
//! missing or unknown fields, a repeated shard, a key that is not
//! a parent-order cell, a granule without URL, and totals that do not add
//! up, naming the problem. [`ShardMap::iter`] yields `(shard, &[GranuleRef])`.

pub mod build;
pub mod cmr;
pub mod cycle;
mod error;
mod granule;
pub mod local;
pub mod regions;
mod rings;
mod rule;
mod shardmap;

pub use build::{BuildSpec, DEFAULT_BUFFER_KM, FootprintGranule};
pub use error::Error;
pub use granule::{Access, BBox, GranuleRef, GranuleUrls, NameFields, parse_name};
pub use rule::{RegionRule, ShardCells};
pub use shardmap::{FORMAT_VERSION, Query, RegionInfo, ShardMap, Totals};
