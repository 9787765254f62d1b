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
//! **Time windows** ([`window`]): a map holds one or more windows (cycles,
//! months, ranges between given edges; [`WindowPlan`]), one slice each of
//! the store's time dimension, and each granule says which window it is in
//! ([`GranuleRef::window`]). [`cmr::search_windows`] runs the searches a
//! plan needs; [`local::build`] places granule files by their names.
//!
//! # Shard map JSON (`"magg_shardmap": 3`)
//!
//! ```json
//! {
//!   "magg_shardmap": 3,
//!   "query": {
//!     "source": "cmr",                       // or "local"
//!     "short_name": "ATL06", "version": "006",  // when known
//!     "temporal": ["2024-01-01T00:00:00Z", "2024-04-01T00:00:00Z"],  // the range searched, if one
//!     "cmr_url": "https://cmr.earthdata.nasa.gov",
//!     "region": {"name": "antarctica", "moc_order": 12,
//!                "moc": [10376293541461622788, ...]},  // compact mortie words
//!     "match_order": 12,
//!     "buffer_km": 2.0,
//!     "region_rule": "child_cells"          // or "all_observations"
//!   },
//!   "windows": [                             // in time order, [start, end)
//!     {"label": "cycle 21", "start": "2023-09-18T...Z", "end": "2023-12-18T21:15:00Z", "cycle": 21},
//!     {"label": "cycle 22", "start": "2023-12-18T21:15:00Z", "end": "2024-03-18T16:54:42Z", "cycle": 22}
//!   ],                                       // one unbounded {"label": "all"} for files of any name
//!   "parent_order": 6,
//!   "child_order": 12,
//!   "shards": {                              // keys: shard morton words, decimal,
//!     "10377137966391754758": [              //       in numeric order
//!       {"id": "ATL06_20231218222155_00012211_006_01.h5",
//!        "urls": {"s3": "s3://...", "https": "https://..."},  // or "file"
//!        "bbox": {"west": -8.4, "south": -88.0, "east": 152.6, "north": -79.0},
//!        "time_start": "...", "time_end": "...", "concept_id": "G...",
//!        "window": 1}                        // index into "windows"; absent = 0
//!     ]
//!   },
//!   "totals": {"shards": 1, "granules": 1, "pairs": 1}
//! }
//! ```
//!
//! A map of tiles (a rectilinear grid, [`tiles`]) has `"grid": {"type":
//! "rectilinear", "crs": ..., "resolution": ..., "bounds": ...,
//! "chunk_shape": ...}` in place of `parent_order` / `child_order`, tile
//! ids as keys and `region_rule: "all_observations"`.
//!
//! Granules under a shard are sorted by (window, `id`); optional fields are
//! omitted when unknown. [`ShardMap::from_json`] / [`ShardMap::read`] also
//! read version 2 (one window: the cycle's, from `query.cycle`, else the
//! `query.temporal` range, else `all`) and version 1 (also no
//! `region_rule`: read as `child_cells`, refused if its match order is
//! finer than its child order), and reject another version, missing or
//! unknown fields, a repeated shard, a key that is not a parent-order
//! cell, a granule without URL, a granule in a window the map lacks (or in
//! two windows), windows out of time order, overlapping, unbounded among
//! several or with a repeated label, and totals that do not add up, naming
//! the problem. [`ShardMap::iter`] yields `(shard, &[GranuleRef])`;
//! [`ShardMap::granules_in`] one window's granules of a shard.

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
pub mod tiles;
pub mod widen;
pub mod window;

pub use build::{BuildSpec, DEFAULT_BUFFER_KM, FootprintGranule};
pub use error::Error;
pub use granule::{Access, BBox, GranuleRef, GranuleUrls, NameFields, parse_name};
pub use rule::{RegionRule, ShardCells};
pub use shardmap::{FORMAT_VERSION, Query, RegionInfo, ShardMap, Totals};
pub use window::{Split, Window, WindowPlan, parse_cycles};
