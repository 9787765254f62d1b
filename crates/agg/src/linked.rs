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
//!    shard are kept, each run widened by `pad` rows: the hull's key ≤ its
//!    radius + the margin (exact: the key grows by at most the distance
//!    moved) as a pre-test, then the cell itself (`within_margin`).
//! 3. Their `index_beg` is read (a few rows past each run too): a run's
//!    base rows run from its first non-empty segment's beginning
//!    (`index_beg − index_base`) to the next non-empty segment's (a
//!    segment whose `index_beg` is below `index_base` is empty), which
//!    holds every photon the run links to when photons are stored in
//!    segment order, checked as far as read. Where that check fails,
//!    `count` is read too, and each non-empty segment gives the base rows
//!    from its beginning, `count` long (also empty when `count` is 0).
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
/// latitude is taken as spherical by the hull's key), as the chunk index's.
const EARTH_RADIUS_M: f64 = magg_index::EARTH_RADIUS_M;

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
        Linked::new([lat, lon, beg, count], plan)
    }

    /// The linked level of one beam from its datasets (latitude,
    /// longitude, `index_beg`, `count`; opened, or described by a chunk
    /// index), checked: 1-D, one length.
    pub(crate) fn new(datasets: [Dataset; 4], plan: &LinkPlan) -> Result<Linked, Error> {
        let [lat, lon, beg, count] = datasets;
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

    /// Rows of the linked level.
    pub(crate) fn rows(&self) -> u64 {
        self.lat.rows()
    }

    /// The linked level's rows kept for the shard (runs, padded, merged).
    fn kept_rows(&self, found: &Positions, ctx: &Ctx<'_>) -> Vec<Range<u64>> {
        let hull = &ctx.target.hull;
        let limit = hull.radius() + self.widen;
        let rows = self.lat.rows();
        let cell = ctx.healpix_shard();
        let mut runs: Vec<Range<u64>> = Vec::new();
        for seg in &found.segments {
            let near = seg.lat.iter().zip(&seg.lon).map(|(&la, &lo)| {
                hull.key(la, lo) <= limit
                    && cell.is_none_or(|(order, nested)| {
                        within_margin(la, lo, order, nested, self.widen)
                    })
            });
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
    /// across gaps of at most `merge_gap` rows): from `index_beg` alone
    /// when it bounds them ([`Linked::ranges_from_beginnings`]), else from
    /// `index_beg` and `count` ([`Linked::ranges_from_counts`]).
    async fn base_ranges(
        &self,
        runs: &[Range<u64>],
        base_rows: u64,
        merge_gap: u64,
    ) -> Result<Vec<Range<u64>>, Error> {
        let ranges = match self.ranges_from_beginnings(runs, base_rows).await? {
            Some(ranges) => ranges,
            None => self.ranges_from_counts(runs, base_rows).await?,
        };
        Ok(merge_ranges(ranges, merge_gap))
    }

    /// Each run's base rows from `index_beg` alone: from the beginning of
    /// its first non-empty row to the beginning of the first non-empty row
    /// after it (read up to [`LOOK_AHEAD`] rows past the run), or the base
    /// level's end when the run ends the level. Every row a run links to
    /// lies there when linked rows are stored in link order, as ATL03's
    /// photons are in segment order: checked as far as read, the non-empty
    /// beginnings strictly increasing within and across runs. `None` when
    /// that check fails, a beginning is not an integer, no non-empty row
    /// lies within the look-ahead, or a range passes the base level's end:
    /// the caller then reads `count` too. Reading `count` only where this
    /// fails saves its chunks, and the chunks of `index_beg` that requests
    /// for both coalesce across (the two datasets' chunks lie in one run
    /// of the file).
    async fn ranges_from_beginnings(
        &self,
        runs: &[Range<u64>],
        base_rows: u64,
    ) -> Result<Option<Vec<Range<u64>>>, Error> {
        let rows = self.beg.rows();
        let reads: Vec<Range<u64>> = runs
            .iter()
            .map(|r| r.start..(r.end + LOOK_AHEAD).min(rows))
            .collect();
        let reqs: Vec<(&Dataset, Range<u64>)> =
            reads.iter().map(|r| (&self.beg, r.clone())).collect();
        let parts: Vec<Vec<f64>> = self.beg.file().read_many(&reqs).await?;
        let mut ranges: Vec<Range<u64>> = Vec::with_capacity(runs.len());
        // The last non-empty row checked: (row, its base row).
        let mut last: Option<(u64, u64)> = None;
        for ((run, read), begs) in runs.iter().zip(&reads).zip(&parts) {
            let in_run = (run.end - run.start) as usize;
            let (mut first, mut after) = (None, None);
            for (i, &b) in begs.iter().enumerate() {
                if !(b.is_finite() && b.fract() == 0.0) {
                    return Ok(None);
                }
                if b < self.index_base as f64 {
                    continue; // an empty row
                }
                let at = b as u64 - self.index_base;
                let row = read.start + i as u64;
                match last {
                    // A look-ahead row read again as part of the next run.
                    Some((r, _)) if row <= r => {}
                    Some((_, l)) if at <= l => return Ok(None),
                    _ => last = Some((row, at)),
                }
                if i < in_run {
                    first.get_or_insert(at);
                } else {
                    after = Some(at);
                    break;
                }
            }
            let end = match after {
                Some(end) => end,
                None if read.end == rows => base_rows,
                None => return Ok(None),
            };
            if let Some(start) = first {
                if end > base_rows {
                    return Ok(None);
                }
                ranges.push(start..end);
            }
        }
        Ok(Some(ranges))
    }

    /// Each non-empty row's base rows from `index_beg` and `count`.
    async fn ranges_from_counts(
        &self,
        runs: &[Range<u64>],
        base_rows: u64,
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
                    Some(last) if start >= last.start && start <= last.end => {
                        last.end = last.end.max(end);
                    }
                    _ => ranges.push(start..end),
                }
            }
        }
        Ok(ranges)
    }
}

/// Rows of `index_beg` read past a run to find the next non-empty row.
const LOOK_AHEAD: u64 = 16;

/// `ranges` sorted and merged across gaps of at most `merge_gap` rows
/// (segments are in base-row order in ATL03; sorted anyway).
fn merge_ranges(mut ranges: Vec<Range<u64>>, merge_gap: u64) -> Vec<Range<u64>> {
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end + merge_gap => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
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
                (ctx.search, true),
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

/// Whether a point (degrees) lies within the chord `widen` of HEALPix
/// cell `nested` at `order`: in the cell (the hash magg uses), or, outside
/// it, the cell is among those a disc of that radius around the point may
/// overlap ([`magg_index::cells_near`], the same cover the chunk index's
/// base summary is made of; it may list a cell the disc only nears but
/// never misses one it overlaps). A tighter test than the hull's key,
/// which holds about 1.05 to 1.08 times the cell: near the cell's edges,
/// the segments it keeps beyond the margin link to photon chunks without a
/// photon of the shard.
fn within_margin(lat: f64, lon: f64, order: u8, nested: u64, widen: f64) -> bool {
    if magg_morton::geo_to_nested(lat, lon, order).is_ok_and(|n| n == nested) {
        return true;
    }
    magg_index::cells_near(lat, lon, order, widen).contains(&nested)
}

fn corrupt(ds: &Dataset, message: String) -> Error {
    Error {
        file: ds.file().name().to_string(),
        object: ds.path().to_string(),
        kind: ErrorKind::Corrupt(message),
    }
}
