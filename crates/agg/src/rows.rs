//! The along-track row search (`data_source.row_search: along_track`):
//! which rows of a beam can have a key in a band, reading only some chunks.
//! [`Search`] works on any per-row key; [`shard_positions`] uses the key of
//! the shard's hull ([`magg_morton::Hull::key`]: its cap narrowed by one
//! cap along each edge) with the band `(−∞, radius]`, so it finds the rows
//! near the shard and skips the rest of the track. (The key was once
//! latitude and the band the shard's latitude ring, which the track crosses
//! a second time far from the shard, then the chord to the cap's centre,
//! whose band holds about twice the cell; the tests below still use
//! latitude-like keys too.)
//!
//! Model: the valid keys of a beam (finite, |key| ≤ 90; fill and NaN rows
//! are skipped), in row order, have **at most one turning point**: a
//! near-polar track goes monotonically towards a pole and, in the
//! polar-turn granules, back; and its distance to any point falls and
//! rises at most once, a ground track over less than half an orbit being
//! nearly a great circle. Ties are allowed. Every chunk read is checked
//! against the model: the strict steps of all keys known so far (read
//! chunks, in row order) may change direction at most once; a second change
//! is a contradiction and the caller reads the whole column instead
//! ([`Next::Contradiction`]).
//!
//! The search starts from one chunk: at a row fraction given by the caller,
//! else the middle (the reader starts every beam of a granule at once, from
//! the middle: each probe is a round of requests, and the beams' rounds
//! overlap).
//! It then looks at every run of unread chunks (a *gap*):
//!
//! - **Between two read chunks**, the gap is bounded by the keys around
//!   it: between the last known value before (`L`) and the first after
//!   (`R`) when the turning point cannot lie there (the known direction
//!   before and after agree), and open on the turning side otherwise (below
//!   `max(L, R)` for a valley, above `min(L, R)` for a peak). A gap whose
//!   bound misses the band is skipped; a monotone gap inside the band is
//!   read whole; otherwise one chunk of it is read (interpolated towards the
//!   band edge when monotone, the middle otherwise).
//! - **At an end of the column** (read chunks on one side only), say after
//!   the last known value `Z`, whose known values end in direction `d`.
//!   With at most one turn, the rows after `Z` first continue in `d` (the
//!   *monotone side* of `Z`: ≤ `Z` when `d` is down) and can reach the
//!   other side of `Z` only after a turn that lies after `Z`. So: if the
//!   known values already turn, no turn is left, every unread row after `Z`
//!   is on the monotone side, and the gap is skipped when the band misses
//!   that half-line. If they do not turn yet, the monotone side is all that
//!   is reachable without a turn; the other side needs the turn to lie in
//!   this end gap (and then the other end gap is monotone). Before the first
//!   known value `A` the same holds mirrored: the rows before `A` lead into
//!   it in the first known direction, so the monotone side of `A` is ≥ `A`
//!   when that direction is down.
//!
//!   When the band meets the monotone side, the chunk where the track is
//!   extrapolated (slope of the adjacent chunk) to leave the band is read.
//!   When the band lies only beyond a possible turn, the end gap is
//!   *deferred*: its extreme chunk (the column's first or last unread one)
//!   is read only once no other gap needs a read, since reading elsewhere
//!   may show the turn and so bound this end for free. A gap with no read
//!   chunk on either side (only fill read so far) reads its middle chunk.
//!
//! Each round reads at least one chunk, so the search ends; a gap is only
//! ever left unread when its bound, derived as above from the model and the
//! values read, misses the band, so the result is exact under the model.
//!
//! A gap of at most `merge_gap` rows is always read, so that row runs merged
//! across small gaps by the reader only span rows whose latitude is known:
//! the selected runs are then identical to a whole-column read.

use std::ops::{Range, RangeInclusive};

use magg_h5::Dataset;

/// A strict step's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Up,
    Down,
}

fn step(a: f64, b: f64) -> Option<Dir> {
    if b > a {
        Some(Dir::Up)
    } else if b < a {
        Some(Dir::Down)
    } else {
        None
    }
}

fn valid(lat: f64) -> bool {
    lat.is_finite() && lat.abs() <= 90.0
}

/// Pushes `d` unless it repeats the last direction; whether it was pushed.
fn push_dir(dirs: &mut Vec<Dir>, d: Option<Dir>) -> bool {
    if let Some(d) = d
        && dirs.last() != Some(&d)
    {
        dirs.push(d);
        return true;
    }
    false
}

/// What one read chunk's valid latitudes say.
#[derive(Debug, Clone)]
struct Summary {
    /// Row and value of the first valid latitude.
    first: (u64, f64),
    /// Row and value of the last valid latitude.
    last: (u64, f64),
    /// Row and value where the direction last changed inside the chunk (the
    /// turning point, when the chunk holds it).
    turn: Option<(u64, f64)>,
    /// Direction changes inside the chunk, compressed (`[Down, Up]` for a
    /// valley inside it).
    dirs: Vec<Dir>,
}

impl Summary {
    /// Latitude change per row next to the chunk's end (`end_side`) or
    /// start, over the monotone part there; `None` when flat or one value.
    fn slope(&self, end_side: bool) -> Option<f64> {
        let (a, b) = if end_side {
            (self.turn.unwrap_or(self.first), self.last)
        } else {
            (self.first, self.turn.unwrap_or(self.last))
        };
        let s = (b.1 - a.1) / (b.0 as f64 - a.0 as f64);
        (s.is_finite() && s != 0.0).then_some(s)
    }
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Read these chunks (indices, ascending) and [`Search::add`] them.
    Read(Vec<u64>),
    /// Every row that can be in the band has been read.
    Done,
    /// The latitudes read contradict the model: read the whole column.
    Contradiction,
}

/// What an end gap needs.
enum EndPick {
    /// Read this chunk now.
    Read(u64),
    /// Proven outside the band.
    Skip,
    /// Read this chunk if nothing else needs reading.
    Defer(u64),
}

/// The search over one key column of `rows` rows in chunks of
/// `chunk_rows` rows.
#[derive(Debug)]
pub(crate) struct Search {
    rows: u64,
    chunk_rows: u64,
    band: (f64, f64),
    merge_gap: u64,
    /// The chunk read first.
    start: u64,
    chunks: Vec<Chunk>,
}

/// What is known of one chunk.
#[derive(Debug, Clone)]
enum Chunk {
    Unread,
    /// Read, without a valid latitude.
    Empty,
    Read(Summary),
}

impl Chunk {
    fn is_unread(&self) -> bool {
        matches!(self, Chunk::Unread)
    }
}

impl Search {
    /// A search for rows with latitude in `band` (inclusive), starting at
    /// the chunk holding row fraction `start` (0 first row, 1 last; the
    /// middle when `None`).
    pub(crate) fn new(
        rows: u64,
        chunk_rows: u64,
        band: (f64, f64),
        merge_gap: u64,
        start: Option<f64>,
    ) -> Search {
        let chunk_rows = chunk_rows.max(1);
        let n = rows.div_ceil(chunk_rows);
        let f = start
            .filter(|f| f.is_finite())
            .unwrap_or(0.5)
            .clamp(0.0, 1.0);
        let start = ((f * rows as f64) as u64 / chunk_rows).min(n.saturating_sub(1));
        Search {
            rows,
            chunk_rows,
            band,
            merge_gap,
            start,
            chunks: vec![Chunk::Unread; n as usize],
        }
    }

    /// Rows of chunk `c`.
    pub(crate) fn chunk_range(&self, c: u64) -> Range<u64> {
        c * self.chunk_rows..((c + 1) * self.chunk_rows).min(self.rows)
    }

    /// Records the keys of chunk `c` (all its rows, in order; NaN where
    /// unknown).
    pub(crate) fn add(&mut self, c: u64, values: &[f64]) {
        let start = self.chunk_range(c).start;
        let mut summary: Option<Summary> = None;
        for (i, &v) in values.iter().enumerate() {
            if !valid(v) {
                continue;
            }
            let row = start + i as u64;
            match &mut summary {
                None => {
                    summary = Some(Summary {
                        first: (row, v),
                        last: (row, v),
                        turn: None,
                        dirs: Vec::new(),
                    });
                }
                Some(s) => {
                    let had = !s.dirs.is_empty();
                    if push_dir(&mut s.dirs, step(s.last.1, v)) && had {
                        s.turn = Some(s.last);
                    }
                    s.last = (row, v);
                }
            }
        }
        self.chunks[c as usize] = summary.map_or(Chunk::Empty, Chunk::Read);
    }

    /// Chunks read so far.
    #[cfg(test)]
    pub(crate) fn chunks_read(&self) -> u64 {
        self.chunks.iter().filter(|c| !c.is_unread()).count() as u64
    }

    /// The next step.
    pub(crate) fn next(&self) -> Next {
        let n = self.chunks.len() as u64;
        if n == 0 {
            return Next::Done;
        }
        if self.chunks.iter().all(Chunk::is_unread) {
            return Next::Read(vec![self.start]);
        }
        // The known values' directions: the last strict direction up to the
        // end of each summarised chunk, and the first from its start on.
        let known: Vec<(u64, &Summary)> = self
            .chunks
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                Chunk::Read(s) => Some((i as u64, s)),
                _ => None,
            })
            .collect();
        let mut all = Vec::new();
        let mut upto = Vec::with_capacity(known.len());
        for (k, (_, s)) in known.iter().enumerate() {
            if k > 0 {
                push_dir(&mut all, step(known[k - 1].1.last.1, s.first.1));
            }
            for &d in &s.dirs {
                push_dir(&mut all, Some(d));
            }
            if all.len() > 2 || s.dirs.len() > 2 {
                return Next::Contradiction;
            }
            upto.push(all.last().copied());
        }
        let mut from = vec![None; known.len()];
        let mut next_dir: Option<Dir> = None;
        for k in (0..known.len()).rev() {
            let s = known[k].1;
            if k + 1 < known.len() {
                next_dir = step(s.last.1, known[k + 1].1.first.1).or(next_dir);
            }
            for &d in s.dirs.iter().rev() {
                next_dir = Some(d);
            }
            from[k] = next_dir;
        }
        let turned = all.len() == 2;

        let mut reads = Vec::new();
        let mut deferred = Vec::new();
        let mut c = 0;
        while c < n {
            if !self.chunks[c as usize].is_unread() {
                c += 1;
                continue;
            }
            let c0 = c;
            while c < n && self.chunks[c as usize].is_unread() {
                c += 1;
            }
            let gap = c0..=c - 1;
            // Known neighbours: the last summarised chunk before, the first after.
            let before = known.iter().rposition(|(i, _)| *i < c0);
            let after = known.iter().position(|(i, _)| *i >= c);
            let gap_rows = self.chunk_range(c - 1).end - self.chunk_range(c0).start;
            if gap_rows <= self.merge_gap {
                reads.extend(gap);
                continue;
            }
            let end = match (before, after) {
                (Some(kb), Some(ka)) => {
                    let l = (known[kb].1.last, upto[kb]);
                    let r = (known[ka].1.first, from[ka]);
                    reads.extend(self.examine(gap, l, r));
                    continue;
                }
                (None, None) => {
                    reads.push((c0 + c - 1) / 2);
                    continue;
                }
                // After the last known value (the last summary, direction `upto`).
                (Some(kb), None) => self.end_gap(gap, known[kb].1, upto[kb], turned, true),
                // Before the first known value (the first summary).
                (None, Some(ka)) => self.end_gap(gap, known[ka].1, from[ka], turned, false),
            };
            match end {
                EndPick::Read(chunk) => reads.push(chunk),
                EndPick::Skip => {}
                EndPick::Defer(chunk) => deferred.push(chunk),
            }
        }
        if reads.is_empty() {
            reads = deferred;
        }
        if reads.is_empty() {
            Next::Done
        } else {
            reads.sort_unstable();
            Next::Read(reads)
        }
    }

    /// What to read of the unread chunks `gap` at an end of the column:
    /// after summary `s` (`trailing`) or before it, where the known values
    /// go in direction `dir` (the last known one when trailing, the first
    /// otherwise) and have already `turned` (see the module docs).
    fn end_gap(
        &self,
        gap: RangeInclusive<u64>,
        s: &Summary,
        dir: Option<Dir>,
        turned: bool,
        trailing: bool,
    ) -> EndPick {
        let extreme = if trailing { *gap.end() } else { *gap.start() };
        let Some(dir) = dir else {
            // No direction known yet: nothing bounds either end.
            return EndPick::Defer(extreme);
        };
        let (row, v) = if trailing { s.last } else { s.first };
        // The monotone side of `v`: rows after it continue in `dir`; rows
        // before it lead into it in `dir`, so lie on the opposite side.
        let above = (dir == Dir::Up) == trailing;
        let (lo, hi) = self.band;
        let reaches = if above { hi >= v } else { lo <= v };
        if !reaches {
            // The band is only beyond a turn: none is left when the known
            // values turn already; else the turn may lie in this gap.
            return if turned {
                EndPick::Skip
            } else {
                EndPick::Defer(extreme)
            };
        }
        // Extrapolate to where the track leaves the band on the monotone
        // side; without a usable slope, read the chunk next to `v`.
        let next_to = if trailing { *gap.start() } else { *gap.end() };
        let Some(slope) = s.slope(trailing) else {
            return EndPick::Read(next_to);
        };
        if (slope > 0.0) != (dir == Dir::Up) {
            return EndPick::Read(next_to);
        }
        let mut target = if above { hi } else { lo };
        if !target.is_finite() {
            // An open band (the hull's key has no lower edge): the track
            // never leaves it on this side, so aim at where it enters it,
            // or read on from `v` when it is inside already.
            let near = if above { lo } else { hi };
            if (above && v < near) || (!above && v > near) {
                target = near;
            } else {
                return EndPick::Read(next_to);
            }
        }
        let rows = ((target - v) / slope).abs();
        let at = if trailing {
            row as f64 + rows
        } else {
            row as f64 - rows
        };
        let c = (at.max(0.0) as u64 / self.chunk_rows).clamp(*gap.start(), *gap.end());
        EndPick::Read(c)
    }

    /// What to read of the unread chunks `gap`, given the known value and
    /// direction just before it and just after it.
    fn examine(
        &self,
        gap: RangeInclusive<u64>,
        ((row_l, l), dir_b): ((u64, f64), Option<Dir>),
        ((row_r, r), dir_a): ((u64, f64), Option<Dir>),
    ) -> Vec<u64> {
        let monotone = dir_b.is_some() && dir_b == dir_a;
        let (mut g_lo, mut g_hi) = (l.min(r), l.max(r));
        if !monotone {
            if dir_b != Some(Dir::Up) && dir_a != Some(Dir::Down) {
                g_lo = f64::NEG_INFINITY; // a valley may lie in the gap
            }
            if dir_b != Some(Dir::Down) && dir_a != Some(Dir::Up) {
                g_hi = f64::INFINITY; // a peak may lie in the gap
            }
        }
        let (lo, hi) = self.band;
        if g_hi < lo || g_lo > hi {
            return Vec::new();
        }
        if monotone && g_lo >= lo && g_hi <= hi {
            return gap.collect();
        }
        if !monotone || l == r {
            return vec![(gap.start() + gap.end()) / 2];
        }
        // Interpolate the row where the track meets the first band edge.
        let target = if l < r {
            if lo > l { lo } else { hi }
        } else if hi < l {
            hi
        } else {
            lo
        };
        if !target.is_finite() {
            return vec![(gap.start() + gap.end()) / 2];
        }
        let f = ((target - l) / (r - l)).clamp(0.0, 1.0);
        let row = row_l as f64 + f * (row_r as f64 - row_l as f64);
        let c = (row as u64 / self.chunk_rows).clamp(*gap.start(), *gap.end());
        vec![c]
    }
}

/// A beam's coordinates as far as the shard needs them: the rows read, in
/// segments of consecutive rows. Rows between segments were proven outside
/// the shard. Segments are more than `merge_gap` rows apart (smaller gaps
/// are read), so row runs merged across small gaps never span two.
#[derive(Debug)]
pub(crate) struct Positions {
    /// Ascending, disjoint, not adjacent.
    pub(crate) segments: Vec<Segment>,
    /// Whether the model was contradicted and the whole column read.
    pub(crate) fell_back: bool,
}

/// Consecutive rows read, from row `start`.
#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) start: u64,
    pub(crate) lat: Vec<f64>,
    /// NaN where not read (the whole-column path reads longitude only in
    /// the latitude band).
    pub(crate) lon: Vec<f64>,
}

/// Where a shard is, as exact bounds on its points: its hull (the search
/// key), its latitude band (the whole-column path, and a pre-test before
/// hashing) and its longitude window (a pre-test before hashing).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub(crate) hull: magg_morton::Hull,
    pub(crate) band: (f64, f64),
    pub(crate) window: magg_morton::LonWindow,
}

impl Target {
    /// The target of shard `word` (a morton word).
    pub(crate) fn of(word: u64) -> Result<Target, magg_morton::Error> {
        Ok(Target {
            hull: magg_morton::Hull::of(word)?,
            band: magg_morton::lat_band(word)?,
            window: magg_morton::LonWindow::of(word)?,
        })
    }

    /// Whether a point passes the band and window pre-tests (`false`: it
    /// is not in the shard; `true`: hash it to know).
    #[inline]
    pub(crate) fn may_hold(&self, lat: f64, lon: f64) -> bool {
        lat >= self.band.0 && lat <= self.band.1 && self.window.contains(lon)
    }
}

/// Row ranges where `inside` holds, runs closer than `merge_gap` rows merged.
pub(crate) fn merge_runs(inside: impl Iterator<Item = bool>, merge_gap: u64) -> Vec<Range<u64>> {
    let mut runs: Vec<Range<u64>> = Vec::new();
    for (i, inside) in inside.enumerate() {
        if !inside {
            continue;
        }
        let i = i as u64;
        match runs.last_mut() {
            Some(last) if i - last.end <= merge_gap => last.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    runs
}

/// Rows of a read chunk whose key the search sees: every `KEY_STRIDE`-th
/// row and the chunk's last. The key costs two `sin_cos` per row; the
/// model holds for any subsequence of the rows, the rows between samples
/// are read anyway (the shard's rows among them are found by hashing),
/// and the bound on an unread gap only needs known values around it. So a
/// sample is as exact as every row, at a sixteenth of the trigonometry.
const KEY_STRIDE: usize = 16;

/// Fills `keys` with one chunk's keys: [`magg_morton::Hull::key`] on the
/// rows the search sees (every [`KEY_STRIDE`]-th and the last), NaN on the
/// others.
fn sample_keys(hull: &magg_morton::Hull, lat: &[f64], lon: &[f64], keys: &mut Vec<f64>) {
    keys.clear();
    keys.resize(lat.len(), f64::NAN);
    let Some(last) = lat.len().checked_sub(1) else {
        return;
    };
    for i in (0..lat.len()).step_by(KEY_STRIDE).chain([last]) {
        keys[i] = hull.key(lat[i], lon[i]);
    }
}

/// The latitude and longitude of `lat_ds`/`lon_ds` (one beam, equal
/// lengths) that can be in the shard.
///
/// With `search` and a latitude column chunked in rows: the along-track
/// search above over the key of the shard's hull
/// ([`magg_morton::Hull::key`]), reading the latitude and longitude of the
/// same rows together. The key falls and rises at most once along a
/// near-great-circle track, so the search reads the chunks near the shard
/// and skips the rest of the track, including where it crosses the shard's
/// latitude band elsewhere on the globe. The search starts in the middle
/// of the column.
///
/// Otherwise, or when the model is contradicted: the whole latitude column,
/// and longitude over the runs in the shard's latitude band.
///
/// `widen` (a chord on the unit sphere, 0 for the shard itself) widens
/// what is found to every row within that distance of the shard: the
/// hull's key grows by at most the distance moved (each of its terms is a
/// chord distance, less a constant, clamped), so the band
/// `(−∞, radius + widen]` holds them; the latitude band grows by the
/// angle.
///
/// `apart`: the search reads latitude and longitude in two concurrent
/// requests sets (one round still), so requests do not coalesce across
/// the bytes between a latitude chunk and the longitude chunk (a small
/// level's other chunks, such as ATL03's geolocation segments' short last
/// chunks, which the search then need not read).
pub(crate) async fn shard_positions(
    lat_ds: &Dataset,
    lon_ds: &Dataset,
    target: &Target,
    merge_gap: u64,
    (search, apart): (bool, bool),
    widen: f64,
) -> Result<Positions, magg_h5::Error> {
    let rows = lat_ds.rows();
    let widen_deg = (2.0 * (widen / 2.0).min(1.0).asin()).to_degrees();
    let band = (target.band.0 - widen_deg, target.band.1 + widen_deg);
    let chunk_rows = match lat_ds.chunk_shape() {
        Some([c]) if search && lat_ds.row_len() == 1 && *c > 0 => *c,
        _ => return band_positions(lat_ds, lon_ds, band, merge_gap, false).await,
    };
    let hull = &target.hull;
    let mut s = Search::new(
        rows,
        chunk_rows,
        (f64::NEG_INFINITY, hull.radius() + widen),
        merge_gap,
        None,
    );
    // Read chunks by index: their latitude and longitude.
    let mut read = std::collections::BTreeMap::<u64, (Vec<f64>, Vec<f64>)>::new();
    let mut keys = Vec::new();
    loop {
        match s.next() {
            Next::Done => {
                let mut segments: Vec<Segment> = Vec::new();
                for (c, (la, lo)) in read {
                    let start = s.chunk_range(c).start;
                    match segments.last_mut() {
                        Some(seg) if seg.start + seg.lat.len() as u64 == start => {
                            seg.lat.extend_from_slice(&la);
                            seg.lon.extend_from_slice(&lo);
                        }
                        _ => segments.push(Segment {
                            start,
                            lat: la,
                            lon: lo,
                        }),
                    }
                }
                return Ok(Positions {
                    segments,
                    fell_back: false,
                });
            }
            Next::Contradiction => {
                return band_positions(lat_ds, lon_ds, band, merge_gap, true).await;
            }
            Next::Read(chunks) => {
                let ranges: Vec<Range<u64>> = chunks.iter().map(|&c| s.chunk_range(c)).collect();
                let (parts, lons) = read_pair(lat_ds, lon_ds, &ranges, apart).await?;
                for ((&c, la), lo) in chunks.iter().zip(parts).zip(lons) {
                    sample_keys(hull, &la, &lo, &mut keys);
                    s.add(c, &keys);
                    read.insert(c, (la, lo));
                }
            }
        }
    }
}

/// `ranges` of latitude and of longitude: in one coalesced read, or
/// (`apart`) in one per dataset, concurrently.
async fn read_pair(
    lat_ds: &Dataset,
    lon_ds: &Dataset,
    ranges: &[Range<u64>],
    apart: bool,
) -> Result<(Vec<Vec<f64>>, Vec<Vec<f64>>), magg_h5::Error> {
    let of =
        |ds| -> Vec<(&Dataset, Range<u64>)> { ranges.iter().map(|r| (ds, r.clone())).collect() };
    let file = lat_ds.file();
    if apart {
        let (lat, lon) = (of(lat_ds), of(lon_ds));
        return futures::try_join!(file.read_many(&lat), file.read_many(&lon));
    }
    let mut reqs = of(lat_ds);
    reqs.extend(of(lon_ds));
    let mut parts: Vec<Vec<f64>> = file.read_many(&reqs).await?;
    let lons = parts.split_off(ranges.len());
    Ok((parts, lons))
}

/// The latitude and longitude of `blocks` (ascending, disjoint row
/// ranges, such as the segments a linked level places near the shard),
/// read in one coalesced read: one segment per block.
pub(crate) async fn block_positions(
    lat_ds: &Dataset,
    lon_ds: &Dataset,
    blocks: &[Range<u64>],
) -> Result<Positions, magg_h5::Error> {
    let reqs: Vec<(&Dataset, Range<u64>)> = [lat_ds, lon_ds]
        .iter()
        .flat_map(|&ds| blocks.iter().map(move |r| (ds, r.clone())))
        .collect();
    let mut parts: Vec<Vec<f64>> = lat_ds.file().read_many(&reqs).await?;
    let lons = parts.split_off(blocks.len());
    Ok(Positions {
        segments: blocks
            .iter()
            .zip(parts)
            .zip(lons)
            .map(|((r, lat), lon)| Segment {
                start: r.start,
                lat,
                lon,
            })
            .collect(),
        fell_back: false,
    })
}

/// The whole latitude column, and longitude over the runs of rows in the
/// latitude band.
async fn band_positions(
    lat_ds: &Dataset,
    lon_ds: &Dataset,
    band: (f64, f64),
    merge_gap: u64,
    fell_back: bool,
) -> Result<Positions, magg_h5::Error> {
    let lat: Vec<f64> = lat_ds.read_all().await?;
    let (lo, hi) = band;
    let runs = merge_runs(lat.iter().map(|&la| la >= lo && la <= hi), merge_gap);
    let reqs: Vec<(&Dataset, Range<u64>)> = runs.iter().map(|r| (lon_ds, r.clone())).collect();
    let mut lon = vec![f64::NAN; lat.len()];
    for (r, part) in runs
        .iter()
        .zip(lon_ds.file().read_many::<f64>(&reqs).await?)
    {
        lon[r.start as usize..r.end as usize].copy_from_slice(&part);
    }
    Ok(Positions {
        segments: vec![Segment { start: 0, lat, lon }],
        fell_back,
    })
}

#[cfg(test)]
mod tests;
