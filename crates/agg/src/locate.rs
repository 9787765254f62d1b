//! [`CellLocator`]: where a shard's observations go, for the accumulator:
//! each point's index in the shard's cell order (`0..cells_per_shard`),
//! [`NOT_IN_SHARD`], or [`OUTSIDE_REGION`].
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

/// A point in the shard whose cell the shard's region leaves out.
pub(crate) const OUTSIDE_REGION: u32 = NOT_IN_SHARD - 1;

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

    /// `out[i]`: point `i`'s index in the shard, [`NOT_IN_SHARD`] or
    /// [`OUTSIDE_REGION`]. Coordinates are valid (checked before).
    pub(crate) fn locate(
        &mut self,
        shard: u64,
        lat: &[f64],
        lon: &[f64],
        out: &mut Vec<u32>,
    ) -> Result<(), AggError> {
        out.clear();
        out.resize(lat.len(), NOT_IN_SHARD);
        match self {
            CellLocator::Healpix {
                child_order,
                children,
                region,
                nested,
            } => {
                nested.clear();
                nested.resize(lat.len(), 0);
                morton::geo_to_nested_batch(lat, lon, *child_order, nested)
                    .map_err(|source| AggError::Index { shard, source })?;
                let first = children.start;
                for (o, &n) in out.iter_mut().zip(nested.iter()) {
                    if children.contains(&n) {
                        let local = n - first;
                        *o = if region.keeps(local) {
                            local as u32
                        } else {
                            OUTSIDE_REGION
                        };
                    }
                }
                Ok(())
            }
            CellLocator::Grid { grid, shard } => grid
                .locate_in_shard(*shard, lat, lon, out)
                .map_err(|e| AggError::Shard {
                    word: *shard,
                    reason: format!("cell index: {e}"),
                }),
        }
    }
}
