//! The region rule: which observations of a shard count, and so which
//! (shard, granule) pairs a map lists and which cells each shard keeps.
//!
//! - [`RegionRule::ChildCells`] (default): the observations whose child
//!   cell touches the region.
//! - [`RegionRule::AllObservations`]: every observation of a shard that
//!   touches the region.
//!
//! "Touches the region" is tested against the map's region cover (its
//! cells at the match order, default the child order): a cell counts when
//! it overlaps the cover. Both rules are one test at one order
//! ([`RegionRule::test_order`]): the child order or the shard order. With
//! a match order finer than the child order the test is exact at the child
//! order; with a coarser one the region is known only to the match order
//! (a child cell counts when its match-order ancestor touches the region).

use magg_coverage::Moc;
use magg_morton as morton;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Which observations of a listed shard count (JSON: `"child_cells"`,
/// `"all_observations"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionRule {
    /// The observations whose child cell touches the region.
    #[default]
    ChildCells,
    /// Every observation of a shard that touches the region.
    AllObservations,
}

impl RegionRule {
    /// The rule for a config's `output.all_observations`.
    pub fn from_all_observations(all: bool) -> RegionRule {
        if all {
            RegionRule::AllObservations
        } else {
            RegionRule::ChildCells
        }
    }

    /// Its JSON name.
    pub fn name(self) -> &'static str {
        match self {
            RegionRule::ChildCells => "child_cells",
            RegionRule::AllObservations => "all_observations",
        }
    }

    /// What it keeps, in words.
    pub fn describe(self) -> &'static str {
        match self {
            RegionRule::ChildCells => "the observations whose child cell touches the region",
            RegionRule::AllObservations => "every observation of a shard that touches the region",
        }
    }

    /// The order whose cells are tested against the region: the child
    /// order, or the shard order.
    pub fn test_order(self, parent_order: u8, child_order: u8) -> u8 {
        match self {
            RegionRule::ChildCells => child_order,
            RegionRule::AllObservations => parent_order,
        }
    }
}

/// The cells each shard of a map keeps under its rule
/// ([`ShardMap::shard_cells`](crate::ShardMap::shard_cells)).
#[derive(Debug, Clone)]
pub struct ShardCells {
    /// The region cover widened to whole child cells; `None` when every
    /// observation of a listed shard counts.
    region: Option<Moc>,
    parent_order: u8,
}

impl ShardCells {
    /// Every observation of every shard counts (a map of tiles).
    pub fn all() -> ShardCells {
        ShardCells {
            region: None,
            parent_order: 0,
        }
    }

    /// For a map's region cover (`region_moc`, compact mortie words), rule
    /// and orders.
    pub fn new(
        region_moc: &[u64],
        rule: RegionRule,
        parent_order: u8,
        child_order: u8,
    ) -> Result<ShardCells, Error> {
        let region = match rule {
            RegionRule::AllObservations => None,
            RegionRule::ChildCells => Some(Moc::from_words(region_moc)?.degrade(child_order)?),
        };
        Ok(ShardCells {
            region,
            parent_order,
        })
    }

    /// The region's cells inside `shard` (a morton word at the parent
    /// order), as compact mortie words: `None` when every observation of
    /// the shard counts (the rule, or a shard whose child cells all touch
    /// the region).
    pub fn of(&self, shard: u64) -> Result<Option<Vec<u64>>, Error> {
        let Some(region) = &self.region else {
            return Ok(None);
        };
        let cell = morton::decode(shard)?;
        if cell.order != self.parent_order || cell.is_point {
            return Err(Error::Parameter(format!(
                "shard {shard} is not an order-{} cell",
                self.parent_order
            )));
        }
        let whole = Moc::from_cells(cell.order, [cell.nested])?;
        let inside = region.intersection(&whole);
        if inside == whole {
            return Ok(None);
        }
        Ok(Some(inside.to_words()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_shards_need_no_cells_boundary_shards_list_theirs() {
        // A region of one order-6 cell plus three order-12 cells (and one
        // order-14 cell) of its neighbour.
        let a = morton::encode(6, 32776).unwrap();
        let b_first = 32777 * 4096;
        let mut words = vec![a];
        words.extend((0..3).map(|i| morton::encode(12, b_first + i).unwrap()));
        let fine = morton::encode(14, (b_first + 100) * 16 + 5).unwrap();
        words.push(fine);
        let cells = ShardCells::new(&words, RegionRule::ChildCells, 6, 12).unwrap();
        assert_eq!(cells.of(a).unwrap(), None);
        let b = morton::encode(6, 32777).unwrap();
        let got = Moc::from_words(&cells.of(b).unwrap().unwrap()).unwrap();
        // Widened to child cells: the order-14 cell brings its order-12 cell.
        let want = Moc::from_cells(12, [b_first, b_first + 1, b_first + 2, b_first + 100]).unwrap();
        assert_eq!(got, want);
        // Outside the region: nothing counts.
        let c = morton::encode(6, 40000).unwrap();
        assert_eq!(cells.of(c).unwrap(), Some(vec![]));
        let all = ShardCells::new(&words, RegionRule::AllObservations, 6, 12).unwrap();
        assert_eq!(all.of(b).unwrap(), None);
        assert!(cells.of(morton::encode(7, 1).unwrap()).is_err());
    }

    #[test]
    fn names_round_trip() {
        for r in [RegionRule::ChildCells, RegionRule::AllObservations] {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.name()));
            assert_eq!(serde_json::from_str::<RegionRule>(&json).unwrap(), r);
        }
        assert_eq!(RegionRule::from_all_observations(true).test_order(6, 12), 6);
        assert_eq!(RegionRule::default().test_order(6, 12), 12);
    }
}
