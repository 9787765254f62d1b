//! [`CellLocator`]: where a shard's observations go, for the accumulator:
//! each kept point's index in the shard's cell order
//! (`0..cells_per_shard`).
//!
//! - HEALPix: the child cell's nested id minus the shard's first child
//!   (`magg-morton`'s batch hash, as always), tested against the shard's
//!   region mask;
//! - any other grid (rectilinear tiles): `magg-grid`'s
//!   [`Grid::locate_in_shard`]; every observation of a tile counts (a
//!   region is a HEALPix notion: tile maps use the `all_observations`
//!   rule).

use std::ops::Range;
use std::sync::Arc;

use magg_grid::{Grid, NOT_IN_SHARD};
use magg_morton as morton;

use crate::error::AggError;
use crate::plan::Plan;
use crate::region::{CellMask, ShardRegion};

/// How one shard's points are given cells.
#[derive(Debug)]
pub(crate) enum CellLocator {
    /// HEALPix children of a parent-order shard.
    Healpix {
        child_order: u8,
        children: Range<u64>,
        region: CellMask,
        /// Scratch: the batch's nested ids.
        nested: Vec<u64>,
    },
    /// A shard of a `magg-grid` grid (a rectilinear tile).
    Grid { grid: Arc<dyn Grid>, shard: u64 },
}

impl CellLocator {
    /// The locator of `shard` under `plan`'s grid, keeping `region`.
    pub(crate) fn new(
        plan: &Plan,
        shard: u64,
        region: &ShardRegion,
    ) -> Result<CellLocator, AggError> {
        let refuse = |reason: String| AggError::Shard {
            word: shard,
            reason,
        };
        if !plan.is_healpix() {
            let grid = Arc::clone(plan.grid());
            grid.check_shard(shard).map_err(|e| refuse(e.to_string()))?;
            if !region.is_whole() {
                return Err(refuse(
                    "a tile of a rectilinear grid keeps every observation; a region of \
                     HEALPix cells does not apply"
                        .to_string(),
                ));
            }
            return Ok(CellLocator::Grid { grid, shard });
        }
        let cell = morton::decode(shard).map_err(|e| refuse(e.to_string()))?;
        if cell.is_point || cell.order != plan.parent_order() {
            return Err(refuse(format!(
                "is an order-{}{} word, not an order-{} cell (output.grid.parent_order)",
                cell.order,
                if cell.is_point { " point" } else { "" },
                plan.parent_order()
            )));
        }
        let children = morton::child_nested_range(shard, plan.child_order())
            .map_err(|e| refuse(e.to_string()))?;
        let region = CellMask::new(region, shard, &children, plan.child_order())?;
        Ok(CellLocator::Healpix {
            child_order: plan.child_order(),
            children,
            region,
            nested: Vec::new(),
        })
    }

    /// Cells per shard.
    pub(crate) fn n_cells(&self) -> usize {
        match self {
            CellLocator::Healpix { children, .. } => (children.end - children.start) as usize,
            CellLocator::Grid { grid, .. } => grid.cells_per_shard() as usize,
        }
    }

    /// Keeps the rows (`rows[j]` holds point `j`) whose point lies in the
    /// shard and its region, in order, appending their cell indices to
    /// `cells`; returns (kept, in the shard but outside the region).
    /// Coordinates are valid (checked before). `scratch` is reused.
    pub(crate) fn keep(
        &mut self,
        shard: u64,
        (lat, lon): (&[f64], &[f64]),
        rows: &mut [u32],
        cells: &mut Vec<u32>,
        scratch: &mut Vec<u32>,
    ) -> Result<(usize, u64), AggError> {
        let (mut kept, mut outside_region) = (0, 0);
        match self {
            CellLocator::Healpix {
                child_order,
                children,
                region,
                nested,
            } => {
                // One pass, as the accumulator always did (the hot path).
                nested.clear();
                nested.resize(lat.len(), 0);
                morton::geo_to_nested_batch(lat, lon, *child_order, nested)
                    .map_err(|source| AggError::Index { shard, source })?;
                let first = children.start;
                for j in 0..nested.len() {
                    let n = nested[j];
                    if children.contains(&n) {
                        let local = n - first;
                        if region.keeps(local) {
                            rows[kept] = rows[j];
                            cells.push(local as u32);
                            kept += 1;
                        } else {
                            outside_region += 1;
                        }
                    }
                }
            }
            CellLocator::Grid { grid, shard } => {
                scratch.clear();
                scratch.resize(lat.len(), NOT_IN_SHARD);
                grid.locate_in_shard(*shard, lat, lon, scratch)
                    .map_err(|e| AggError::Shard {
                        word: *shard,
                        reason: format!("cell index: {e}"),
                    })?;
                for j in 0..scratch.len() {
                    if scratch[j] != NOT_IN_SHARD {
                        rows[kept] = rows[j];
                        cells.push(scratch[j]);
                        kept += 1;
                    }
                }
            }
        }
        Ok((kept, outside_region))
    }
}
