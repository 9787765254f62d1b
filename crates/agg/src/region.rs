//! Which of a shard's observations count: [`ShardRegion`] (what a task
//! carries) and [`CellMask`] (its compiled form, one bit per child cell,
//! tested where observations are indexed).
//!
//! The rule itself (which cells a shard keeps) is decided upstream, from
//! the shard map's region cover: the default keeps the observations whose
//! child cell touches the region, so a boundary shard carries the region's
//! cells inside it and an interior shard (or a run that keeps every
//! observation) carries nothing.

use std::ops::Range;

use magg_morton as morton;
use serde::{Deserialize, Serialize};

use crate::error::AggError;

/// The cells of one shard whose observations count.
///
/// In JSON (tasks, Lambda events): absent or `null` for
/// [`Whole`](ShardRegion::Whole), else the list of morton words.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "Option<Vec<u64>>", into = "Option<Vec<u64>>")]
pub enum ShardRegion {
    /// Every observation of the shard.
    #[default]
    Whole,
    /// Only observations whose child cell touches one of these cells:
    /// mortie morton words (compact, any order) inside the shard. A cell
    /// finer than the child order selects the child cell holding it; a
    /// coarser one, every child cell in it. An empty list keeps nothing.
    Cells(Vec<u64>),
}

impl ShardRegion {
    /// Whether every observation counts.
    pub fn is_whole(&self) -> bool {
        matches!(self, ShardRegion::Whole)
    }
}

impl From<Option<Vec<u64>>> for ShardRegion {
    fn from(cells: Option<Vec<u64>>) -> ShardRegion {
        cells.map_or(ShardRegion::Whole, ShardRegion::Cells)
    }
}

impl From<ShardRegion> for Option<Vec<u64>> {
    fn from(region: ShardRegion) -> Option<Vec<u64>> {
        match region {
            ShardRegion::Whole => None,
            ShardRegion::Cells(words) => Some(words),
        }
    }
}

/// A [`ShardRegion`] compiled for one shard: which of its child cells
/// (local index = nested id − the shard's first child) keep their
/// observations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellMask {
    /// One bit per child cell; `None`: all of them.
    bits: Option<Vec<u64>>,
}

impl CellMask {
    /// Keeps every child cell.
    pub fn all() -> CellMask {
        CellMask { bits: None }
    }

    /// Compiles `region` for the shard `shard` (a morton word) whose child
    /// cells are the order-`child_order` nested ids `children`. A word that
    /// is not a cell, or lies outside the shard, is an error naming it.
    pub fn new(
        region: &ShardRegion,
        shard: u64,
        children: &Range<u64>,
        child_order: u8,
    ) -> Result<CellMask, AggError> {
        let ShardRegion::Cells(words) = region else {
            return Ok(CellMask::all());
        };
        let n = children.end - children.start;
        let mut bits = vec![0u64; n.div_ceil(64) as usize];
        let to29 = |order: u8| 2 * u32::from(morton::MAX_ORDER - order);
        let child_shift = to29(child_order);
        let shard29 = (children.start << child_shift)..(children.end << child_shift);
        for &word in words {
            let refuse = |reason: String| AggError::Shard {
                word: shard,
                reason: format!("region cell {word}: {reason}"),
            };
            let cell = morton::decode(word).map_err(|e| refuse(e.to_string()))?;
            if cell.is_point {
                return Err(refuse("is a point, not a cell".to_string()));
            }
            let s = to29(cell.order);
            let (start, end) = (cell.nested << s, (cell.nested + 1) << s);
            let (start, end) = (start.max(shard29.start), end.min(shard29.end));
            if start >= end {
                return Err(refuse("lies outside the shard".to_string()));
            }
            let first = (start >> child_shift) - children.start;
            let last = ((end - 1) >> child_shift) - children.start;
            for i in first..=last {
                bits[(i / 64) as usize] |= 1 << (i % 64);
            }
        }
        Ok(CellMask { bits: Some(bits) })
    }

    /// Whether the child cell with local index `local` keeps its
    /// observations.
    #[inline]
    pub fn keeps(&self, local: u64) -> bool {
        self.bits
            .as_ref()
            .is_none_or(|b| b[(local / 64) as usize] >> (local % 64) & 1 == 1)
    }

    /// Whether the mask keeps every child cell without a cell list.
    pub fn keeps_all(&self) -> bool {
        self.bits.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(words: Vec<u64>) -> Result<CellMask, AggError> {
        let shard = morton::encode(6, 32776).unwrap();
        let children = morton::child_nested_range(shard, 12).unwrap();
        CellMask::new(&ShardRegion::Cells(words), shard, &children, 12)
    }

    #[test]
    fn whole_keeps_every_cell_and_serializes_to_nothing() {
        let shard = morton::encode(6, 32776).unwrap();
        let children = morton::child_nested_range(shard, 12).unwrap();
        let m = CellMask::new(&ShardRegion::Whole, shard, &children, 12).unwrap();
        assert!(m.keeps_all() && m.keeps(0) && m.keeps(4095));
        assert_eq!(serde_json::to_string(&ShardRegion::Whole).unwrap(), "null");
        let back: ShardRegion = serde_json::from_str("[5]").unwrap();
        assert_eq!(back, ShardRegion::Cells(vec![5]));
    }

    #[test]
    fn cells_of_any_order_select_the_child_cells_they_touch() {
        let first = 32776 * 4096;
        // An order-8 cell: 256 child cells; an order-14 cell: the one
        // order-12 cell holding it; an order-12 cell: itself.
        let o8 = morton::encode(8, 32776 * 16 + 3).unwrap();
        let o14 = morton::encode(14, (first + 2000) * 16 + 7).unwrap();
        let o12 = morton::encode(12, first + 4095).unwrap();
        let m = mask(vec![o8, o14, o12]).unwrap();
        let kept: Vec<u64> = (0..4096).filter(|&i| m.keeps(i)).collect();
        let mut want: Vec<u64> = (3 * 256..4 * 256).collect();
        want.extend([2000, 4095]);
        want.sort_unstable();
        assert_eq!(kept, want);
        // A coarser cell holding the shard keeps all of it.
        let o4 = morton::encode(4, 32776 / 16).unwrap();
        let all = mask(vec![o4]).unwrap();
        assert!((0..4096).all(|i| all.keeps(i)));
        assert!(mask(vec![]).is_ok_and(|m| (0..4096).all(|i| !m.keeps(i))));
    }

    #[test]
    fn cells_outside_the_shard_or_points_are_refused_by_name() {
        let other = morton::encode(12, 32777 * 4096).unwrap();
        let e = mask(vec![other]).unwrap_err().to_string();
        assert!(
            e.contains(&other.to_string()) && e.contains("outside"),
            "{e}"
        );
        let point = morton::geo_to_point(-88.0, 10.0).unwrap();
        let e = mask(vec![point]).unwrap_err().to_string();
        assert!(e.contains("point"), "{e}");
    }
}
