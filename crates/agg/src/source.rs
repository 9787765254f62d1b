//! Where a beam's candidate rows come from: the seam between finding the
//! rows that can hold a shard's observations and reading them.
//!
//! A [`RowSource`] gives a beam's latitude and longitude over row ranges
//! that hold every observation of the shard (and usually some around it);
//! the reader then hashes each row's own coordinates to keep the shard's,
//! and reads the other datasets over those rows only. Implementations:
//!
//! - [`AlongTrack`]: the coordinates are the rows; the along-track search
//!   (or the whole column, `row_search: full`) over them (`rows.rs`).
//! - [`crate::linked::Linked`]: another level's rows point to them
//!   (`read_plan.spatial_index` through a `link`: ATL03's segments to its
//!   photons), found by searching that level's coordinates.
//!
//! A granule read from a chunk index does not go through this seam:
//! `indexed::read_blocks` reads every dataset of the summary's blocks in
//! one round and picks the shard's rows locally.

use futures::future::BoxFuture;

use crate::read::{BeamDatasets, Ctx};
use crate::rows::Positions;

/// Finds the rows of a beam that can hold the shard's observations.
pub(crate) trait RowSource: Sync {
    /// The beam's coordinates over rows holding every observation of the
    /// shard (each segment of [`Positions`] a contiguous run of rows).
    fn positions<'a>(
        &'a self,
        ds: &'a BeamDatasets,
        ctx: &'a Ctx<'_>,
    ) -> BoxFuture<'a, Result<Positions, magg_h5::Error>>;
}

/// The beam's own coordinates, searched along track (or read whole).
pub(crate) struct AlongTrack;

impl RowSource for AlongTrack {
    fn positions<'a>(
        &'a self,
        ds: &'a BeamDatasets,
        ctx: &'a Ctx<'_>,
    ) -> BoxFuture<'a, Result<Positions, magg_h5::Error>> {
        Box::pin(crate::rows::shard_positions(
            &ds.lat,
            &ds.lon,
            &ctx.target,
            ctx.opts.merge_gap_rows,
            (ctx.search, false),
            0.0,
        ))
    }
}
