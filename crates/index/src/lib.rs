//! `magg-index`: the per-granule chunk index, built once, so that a shard
//! worker reads its rows without HDF5 metadata requests.
//!
//! One job: the sidecar. Its format (versioned serde JSON, gzip when the
//! name ends in `.gz`; specified in this crate's README), building entries
//! from granules ([`index_granule`]: the descriptions of `magg-h5` plus a
//! spatial summary of the coordinate columns), writing and loading it at
//! any location ([`ChunkIndex::write`], [`ChunkIndex::load`]), and looking a
//! granule up with its entry's checksum verified ([`ChunkIndex::granule`]).
//! Reading rows from an entry is `magg-h5`'s ([`magg_h5::File::from_desc`]);
//! choosing the rows is the shard reader's (`magg-agg`).
//!
//! The spatial summary does not depend on a pipeline's grid: for each block
//! of rows of a beam (the latitude's chunk rows), the sorted HEALPix cells
//! (nested ids at [`ChunkIndex::summary_order`], default
//! [`DEFAULT_SUMMARY_ORDER`]) of its points with valid coordinates. A shard
//! at any order finds the blocks that can hold its points by comparing
//! cells at the coarser of the two orders ([`Summary::rows_for`]).

mod build;
mod link;
mod store;

pub use build::{
    EachGranule, IndexLink, IndexPass, IndexSpec, IndexedGranule, index_each, index_granule,
    index_granules,
};
pub use link::{EARTH_RADIUS_M, cells_near};

use std::collections::HashMap;
use std::ops::Range;

use magg_h5::{DatasetDesc, FileDesc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `format` field of every index.
pub const FORMAT: &str = "magg-chunk-index";

/// The format version this crate writes and reads.
pub const VERSION: u32 = 1;

/// Order of the summary's cells by default (the shard order of the
/// built-in config: blocks of 10,000 ATL06 rows then list a few cells).
pub const DEFAULT_SUMMARY_ORDER: u8 = 6;

/// An index: one entry per granule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChunkIndex {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// The HEALPix order of the summaries' cells.
    pub summary_order: u8,
    /// The entries, in the order they were built.
    pub granules: Vec<Entry>,
    /// Entries by granule id (file name), built on load.
    #[serde(skip)]
    by_id: HashMap<String, usize>,
}

/// One granule's entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The granule's file name (the lookup key: the same object may be
    /// reached by another URL; its identity is checked on every read).
    pub id: String,
    /// The URL it was indexed from.
    pub url: String,
    /// `sha256:<hex>` of the compact JSON of `granule`.
    pub checksum: String,
    /// What the entry describes.
    pub granule: GranuleIndex,
}

/// A granule, as a shard reader needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GranuleIndex {
    /// The object's identity and superblock facts.
    pub file: FileDesc,
    /// The beam groups asked for when building (present or not).
    pub groups: Vec<String>,
    /// The groups of `groups` the granule has, with their summaries.
    pub beams: Vec<BeamIndex>,
    /// Every described dataset (absolute paths).
    pub datasets: Vec<DatasetDesc>,
}

/// One beam group present in a granule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeamIndex {
    /// Group name (`gt1l`).
    pub group: String,
    /// Path of the latitude dataset.
    pub latitude: String,
    /// Path of the longitude dataset.
    pub longitude: String,
    /// Where its rows lie.
    pub summary: Summary,
    /// With a linked read (ATL03's photons found through their ~20 m
    /// segments, [`IndexLink`]): where each block of the *base* level's
    /// rows (the photons, in blocks of their latitude's chunk rows) can
    /// lie, from the link: the cells within the margin of the linked rows
    /// (segments) linking to it. `None` without a link, when the link's
    /// columns do not check, or in an index built before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Summary>,
}

/// The cells of a beam's points, per block of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Rows per block (the last block may be shorter).
    pub block_rows: u64,
    /// Rows of the beam.
    pub rows: u64,
    /// Per block, the sorted distinct nested cell ids (at the index's
    /// `summary_order`) of its rows whose coordinates are valid.
    pub cells: Vec<Vec<u64>>,
}

/// Why an index or an entry cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading or writing the sidecar failed.
    #[error("index {location}: {reason}")]
    Io {
        /// Where.
        location: String,
        /// Why.
        reason: String,
    },
    /// The sidecar is not an index this crate reads.
    #[error("index {location}: {reason}")]
    Format {
        /// Where.
        location: String,
        /// Why.
        reason: String,
    },
    /// An entry's checksum does not match its content.
    #[error("index entry of {id}: checksum mismatch (the entry is corrupt)")]
    Checksum {
        /// The granule.
        id: String,
    },
    /// Building an entry failed.
    #[error("indexing {url}: {source}")]
    Build {
        /// The granule.
        url: String,
        /// Why.
        #[source]
        source: Box<magg_h5::Error>,
    },
}

impl ChunkIndex {
    /// An index of `entries` with summaries at `summary_order`.
    pub fn new(summary_order: u8, granules: Vec<Entry>) -> ChunkIndex {
        let mut ix = ChunkIndex {
            format: FORMAT.to_string(),
            version: VERSION,
            summary_order,
            granules,
            by_id: HashMap::new(),
        };
        ix.reindex();
        ix
    }

    fn reindex(&mut self) {
        self.by_id = self
            .granules
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
    }

    /// Parses an index (JSON bytes): checks the format and version; the
    /// entries' checksums are checked when looked up.
    pub fn from_json(location: &str, bytes: &[u8]) -> Result<ChunkIndex, IndexError> {
        let bad = |reason: String| IndexError::Format {
            location: location.to_string(),
            reason,
        };
        let ix: ChunkIndex = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        ix.checked(location)
    }

    /// An index deserialized by other means (e.g. inside a task, see
    /// [`Self::subset`]) made usable: checks the format and version and
    /// builds the lookup by granule id. `location` names it in errors.
    pub fn checked(mut self, location: &str) -> Result<ChunkIndex, IndexError> {
        let bad = |reason: String| IndexError::Format {
            location: location.to_string(),
            reason,
        };
        if self.format != FORMAT || self.version != VERSION {
            return Err(bad(format!(
                "format {:?} version {}, expected {FORMAT:?} version {VERSION}",
                self.format, self.version
            )));
        }
        if self.summary_order > magg_morton::MAX_ORDER {
            return Err(bad(format!("summary order {}", self.summary_order)));
        }
        self.reindex();
        Ok(self)
    }

    /// The index of only the granules at `urls` that this one lists (looked
    /// up by file name, as [`Self::granule`] does; entries copied as they
    /// are, checksums included, so a corrupt entry stays detectable): what a
    /// shard task carries instead of the whole index (a read plan).
    #[must_use]
    pub fn subset<'a>(&self, urls: impl IntoIterator<Item = &'a str>) -> ChunkIndex {
        let mut seen = std::collections::HashSet::new();
        let entries = urls
            .into_iter()
            .filter_map(|u| self.by_id.get(granule_id(u)).copied())
            .filter(|&i| seen.insert(i))
            .map(|i| self.granules[i].clone())
            .collect();
        ChunkIndex::new(self.summary_order, entries)
    }

    /// The granule at `url` (looked up by its file name), if indexed:
    /// `Err` when its entry's checksum does not match.
    pub fn granule(&self, url: &str) -> Option<Result<&GranuleIndex, IndexError>> {
        let e = &self.granules[*self.by_id.get(granule_id(url))?];
        Some(if checksum(&e.granule) == e.checksum {
            Ok(&e.granule)
        } else {
            Err(IndexError::Checksum { id: e.id.clone() })
        })
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.granules.len()
    }

    /// No entry.
    pub fn is_empty(&self) -> bool {
        self.granules.is_empty()
    }
}

impl Entry {
    /// The entry of `granule`, indexed from `url`, with its checksum.
    pub fn new(url: &str, granule: GranuleIndex) -> Entry {
        Entry {
            id: granule_id(url).to_string(),
            url: url.to_string(),
            checksum: checksum(&granule),
            granule,
        }
    }
}

impl GranuleIndex {
    /// The description of the dataset at `path`.
    pub fn dataset(&self, path: &str) -> Option<&DatasetDesc> {
        self.datasets.iter().find(|d| d.path == path)
    }

    /// The beam `group`, if the granule has it.
    pub fn beam(&self, group: &str) -> Option<&BeamIndex> {
        self.beams.iter().find(|b| b.group == group)
    }
}

impl Summary {
    /// `Err` (why) unless the summary covers its rows: blocks of at least
    /// one row, one cell list per block. A reader does not use an entry
    /// whose summary does not (rows in no listed block would never be
    /// read).
    pub fn check(&self) -> Result<(), String> {
        let blocks = match self.block_rows {
            0 => None,
            b => usize::try_from(self.rows.div_ceil(b)).ok(),
        };
        if blocks == Some(self.cells.len()) {
            Ok(())
        } else {
            Err(format!(
                "a summary of {} rows in blocks of {} lists {} blocks",
                self.rows,
                self.block_rows,
                self.cells.len()
            ))
        }
    }

    /// The row ranges (whole blocks, adjacent ones merged) that can hold
    /// points of the cell `nested` at `order`, the summary's cells being at
    /// `summary_order`: a block can when one of its cells and the cell
    /// have the same ancestor at the coarser of the two orders (HEALPix
    /// nested ids: the parent is the id shifted right two bits per order).
    pub fn rows_for(&self, order: u8, nested: u64, summary_order: u8) -> Vec<Range<u64>> {
        let (shift_cell, shift_mine) = if order <= summary_order {
            (0, 2 * u32::from(summary_order - order))
        } else {
            (2 * u32::from(order - summary_order), 0)
        };
        let target = nested >> shift_cell;
        self.rows_where(|cells| cells.iter().any(|&c| c >> shift_mine == target))
    }

    /// The row ranges (whole blocks, adjacent ones merged) that can hold
    /// points of a region given as its cover at the summary's order
    /// (`cover`: sorted nested ids, every point of the region in one of
    /// them; a rectilinear grid's tile, `magg_grid::Grid::shard_cover`): the
    /// blocks listing one of those cells.
    pub fn rows_in(&self, cover: &[u64]) -> Vec<Range<u64>> {
        self.rows_where(|cells| cells.iter().any(|c| cover.binary_search(c).is_ok()))
    }

    /// The blocks whose cells pass `keep`, as merged row ranges.
    fn rows_where(&self, keep: impl Fn(&[u64]) -> bool) -> Vec<Range<u64>> {
        let mut out: Vec<Range<u64>> = Vec::new();
        for (k, cells) in self.cells.iter().enumerate() {
            if !keep(cells) {
                continue;
            }
            let start = (k as u64).saturating_mul(self.block_rows);
            let end = start.saturating_add(self.block_rows).min(self.rows);
            if start >= end {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.end == start => last.end = end,
                _ => out.push(start..end),
            }
        }
        out
    }
}

/// The file name of a granule URL or path (its lookup key).
pub fn granule_id(url: &str) -> &str {
    url.rsplit(['/', '\\']).next().unwrap_or(url)
}

/// `sha256:<hex>` of the compact JSON of `g`.
fn checksum(g: &GranuleIndex) -> String {
    let json = serde_json::to_vec(g).expect("an index entry serializes");
    let digest = Sha256::digest(&json);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in digest {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests;
