//! The linked read (`read_plan.spatial_index` naming a level with a
//! `link`, see `levels.rs`): a shard's base rows (ATL03 photons) found
//! through another level's rows (the ~20 m geolocation segments).
//!
//! 1. The segment level's coordinates are searched along track as a
//!    beam's own are (`rows::shard_positions`), for the rows within the
//!    margin (`read_plan.margin_m`, as a chord) of the shard; with
//!    `row_search: full`, the whole segment latitude column (small: one
//!    row per segment) is read instead.
//! 2. The segment rows whose reference point is within the margin of the
//!    shard (the hull's key ≤ its radius + the margin: exact, the key
//!    grows by at most the distance moved) are kept, each run widened by
//!    `pad` rows.
//! 3. Their `index_beg` and `count` are read; each non-empty segment gives
//!    the base rows `index_beg − index_base .. + count` (a segment whose
//!    `count` is 0, or whose `index_beg` is below `index_base`, is empty).
//!    Ranges are merged (gaps up to `merge_gap_rows`), checked against the
//!    base level's length.
//! 4. The base level's latitude and longitude are read over those ranges
//!    only; the reader hashes each row's own coordinates.
//!
//! So every base row within the margin's reach is read, and each row's own
//! coordinates decide its cell: the result equals reading every base row
//! whenever each base row lies within `margin_m` of its own segment's
//! reference point.

use std::ops::Range;

use futures::future::BoxFuture;
use magg_h5::{Dataset, Error, ErrorKind, File};

use crate::levels::LinkPlan;
use crate::read::{BeamDatasets, Ctx};
use crate::rows::{Positions, merge_runs};
use crate::source::RowSource;

/// Mean Earth radius less 1 %, so the margin's chord errs wide (geodetic
/// latitude is taken as spherical by the hull's key).
const EARTH_RADIUS_M: f64 = 6_371_008.8 * 0.99;

/// One beam's linked level: its coordinates and link datasets.
pub(crate) struct Linked {
    lat: Dataset,
    lon: Dataset,
    beg: Dataset,
    count: Dataset,
    index_base: u64,
    pad: u64,
    /// The margin as a chord on the unit sphere.
    widen: f64,
}

impl Linked {
    /// Opens the linked level's datasets of one beam and checks them: 1-D,
    /// one length.
    pub(crate) async fn open(file: &File, plan: &LinkPlan) -> Result<Linked, Error> {
        let (lat, lon, beg, count) = futures::try_join!(
            file.dataset(&plan.latitude),
            file.dataset(&plan.longitude),
            file.dataset(&plan.index_beg),
            file.dataset(&plan.count),
        )?;
        for ds in [&lat, &lon, &beg, &count] {
            crate::datasets::one_per_row(ds)?;
            if ds.rows() != lat.rows() {
                return Err(corrupt(
                    ds,
                    format!(
                        "{} rows, but {} has {}: a level's datasets must have equal lengths",
                        ds.rows(),
                        lat.path(),
                        lat.rows()
                    ),
                ));
            }
        }
        Ok(Linked {
            lat,
            lon,
            beg,
            count,
            index_base: u64::from(plan.index_base),
            pad: plan.pad,
            widen: plan.margin_m / EARTH_RADIUS_M,
        })
    }

    /// The linked level's rows kept for the shard (runs, padded, merged).
    fn kept_rows(&self, found: &Positions, ctx: &Ctx<'_>) -> Vec<Range<u64>> {
        let hull = &ctx.target.hull;
        let limit = hull.radius() + self.widen;
        let rows = self.lat.rows();
        let mut runs: Vec<Range<u64>> = Vec::new();
        for seg in &found.segments {
            let near = seg
                .lat
                .iter()
                .zip(&seg.lon)
                .map(|(&la, &lo)| hull.key(la, lo) <= limit);
            for r in merge_runs(near, 0) {
                let start = (seg.start + r.start).saturating_sub(self.pad);
                let end = (seg.start + r.end + self.pad).min(rows);
                match runs.last_mut() {
                    Some(last) if start <= last.end => last.end = last.end.max(end),
                    _ => runs.push(start..end),
                }
            }
        }
        runs
    }

    /// Base-level row ranges of the segments `runs` (ascending, merged
    /// across gaps of at most `merge_gap` rows).
    async fn base_ranges(
        &self,
        runs: &[Range<u64>],
        base_rows: u64,
        merge_gap: u64,
    ) -> Result<Vec<Range<u64>>, Error> {
        let reqs: Vec<(&Dataset, Range<u64>)> = [&self.beg, &self.count]
            .iter()
            .flat_map(|&ds| runs.iter().map(move |r| (ds, r.clone())))
            .collect();
        let mut parts: Vec<Vec<f64>> = self.lat.file().read_many(&reqs).await?;
        let counts = parts.split_off(runs.len());
        let mut ranges: Vec<Range<u64>> = Vec::new();
        for ((run, begs), cnts) in runs.iter().zip(&parts).zip(&counts) {
            for (i, (&b, &c)) in begs.iter().zip(cnts).enumerate() {
                let bad = |what: &str, ds: &Dataset| {
                    corrupt(
                        ds,
                        format!(
                            "row {}: {what} (beginning {b}, count {c})",
                            run.start + i as u64
                        ),
                    )
                };
                if !(c.is_finite() && c >= 0.0 && c.fract() == 0.0) {
                    return Err(bad("not a count", &self.count));
                }
                if c == 0.0 || b < self.index_base as f64 {
                    continue; // an empty segment
                }
                if !(b.is_finite() && b.fract() == 0.0) {
                    return Err(bad("not an index", &self.beg));
                }
                let start = b as u64 - self.index_base;
                let end = start + c as u64;
                if end > base_rows {
                    return Err(bad(
                        &format!("links past the linked level's {base_rows} rows"),
                        &self.beg,
                    ));
                }
                match ranges.last_mut() {
                    Some(last) if start >= last.start && start <= last.end + merge_gap => {
                        last.end = last.end.max(end);
                    }
                    _ => ranges.push(start..end),
                }
            }
        }
        // Segments are in base-row order in ATL03; sort and merge anyway.
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end + merge_gap => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        Ok(merged)
    }
}

impl RowSource for Linked {
    fn positions<'a>(
        &'a self,
        ds: &'a BeamDatasets,
        ctx: &'a Ctx<'_>,
    ) -> BoxFuture<'a, Result<Positions, Error>> {
        Box::pin(async move {
            let merge_gap = ctx.opts.merge_gap_rows;
            let found = crate::rows::shard_positions(
                &self.lat,
                &self.lon,
                &ctx.target,
                merge_gap,
                ctx.search,
                self.widen,
            )
            .await?;
            let runs = self.kept_rows(&found, ctx);
            let mut out = Positions {
                segments: Vec::new(),
                fell_back: found.fell_back,
            };
            if runs.is_empty() {
                return Ok(out);
            }
            let ranges = self.base_ranges(&runs, ds.lat.rows(), merge_gap).await?;
            out.segments = crate::rows::block_positions(&ds.lat, &ds.lon, &ranges)
                .await?
                .segments;
            Ok(out)
        })
    }
}

fn corrupt(ds: &Dataset, message: String) -> Error {
    Error {
        file: ds.file().name().to_string(),
        object: ds.path().to_string(),
        kind: ErrorKind::Corrupt(message),
    }
}
