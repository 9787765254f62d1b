//! The along-track row search (`data_source.row_search: along_track`):
//! which rows of a beam can have a latitude in a band, reading only some
//! chunks of the latitude column.
//!
//! Model: the valid latitudes of a beam (finite, |lat| ≤ 90; fill and NaN
//! rows are skipped), in row order, have **at most one turning point** (a
//! near-polar track goes monotonically towards a pole and, in the
//! polar-turn granules, back). Ties are allowed. Every chunk read is checked
//! against the model: the strict steps of all latitudes known so far (read
//! chunks, in row order) may change direction at most once; a second change
//! is a contradiction and the caller reads the whole column instead
//! ([`Next::Contradiction`]).
//!
//! Under the model, the unread rows between two read chunks are bounded by
//! the latitudes around them: between the last known value before (`L`) and
//! the first after (`R`) when the turning point cannot lie there (the
//! known direction before and after agree), and open on the turning side
//! otherwise (below `max(L, R)` for a valley, above `min(L, R)` for a peak).
//! A gap whose bound misses the band is skipped; a monotone gap inside the
//! band is read whole; otherwise one chunk of it is read (interpolated
//! towards the band edge when monotone, the middle otherwise) and the gaps
//! are re-examined. Each round reads at least one chunk, so it ends; rows
//! never read are proven outside the band, so the result is exact.
//!
//! A gap of at most `merge_gap` rows is always read, so that row runs merged
//! across small gaps by the reader only span rows whose latitude is known:
//! the selected runs are then identical to a whole-column read.

use std::ops::Range;

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

/// Pushes `d` unless it repeats the last direction.
fn push_dir(dirs: &mut Vec<Dir>, d: Option<Dir>) {
    if let Some(d) = d
        && dirs.last() != Some(&d)
    {
        dirs.push(d);
    }
}

/// What one read chunk's valid latitudes say.
#[derive(Debug, Clone)]
struct Summary {
    /// Row and value of the first valid latitude.
    first: (u64, f64),
    /// Row and value of the last valid latitude.
    last: (u64, f64),
    /// Direction changes inside the chunk, compressed (`[Down, Up]` for a
    /// valley inside it).
    dirs: Vec<Dir>,
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

/// The search over one latitude column of `rows` rows in chunks of
/// `chunk_rows` rows.
#[derive(Debug)]
pub(crate) struct Search {
    rows: u64,
    chunk_rows: u64,
    band: (f64, f64),
    merge_gap: u64,
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
    /// A search for rows with latitude in `band` (inclusive).
    pub(crate) fn new(rows: u64, chunk_rows: u64, band: (f64, f64), merge_gap: u64) -> Search {
        let chunk_rows = chunk_rows.max(1);
        Search {
            rows,
            chunk_rows,
            band,
            merge_gap,
            chunks: vec![Chunk::Unread; rows.div_ceil(chunk_rows) as usize],
        }
    }

    /// Rows of chunk `c`.
    pub(crate) fn chunk_range(&self, c: u64) -> Range<u64> {
        c * self.chunk_rows..((c + 1) * self.chunk_rows).min(self.rows)
    }

    /// Records the latitudes of chunk `c` (all its rows, in order).
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
                        dirs: Vec::new(),
                    });
                }
                Some(s) => {
                    push_dir(&mut s.dirs, step(s.last.1, v));
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
            let mut first = vec![0];
            if n > 1 {
                first.push(n - 1);
            }
            return Next::Read(first);
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

        let mut reads = Vec::new();
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
            let c1 = c - 1;
            // Known neighbours: the last summarised chunk before, the first after.
            let before = known.iter().rposition(|(i, _)| *i < c0);
            let after = known.iter().position(|(i, _)| *i > c1);
            let gap_rows = self.chunk_range(c1).end - self.chunk_range(c0).start;
            let pick = self.examine(
                c0..=c1,
                before.map(|k| (known[k].1.last, upto[k])),
                after.map(|k| (known[k].1.first, from[k])),
                gap_rows,
            );
            reads.extend(pick);
        }
        if reads.is_empty() {
            Next::Done
        } else {
            Next::Read(reads)
        }
    }

    /// What to read of the unread chunks `gap`, given the known value and
    /// direction just before it and just after it.
    fn examine(
        &self,
        gap: std::ops::RangeInclusive<u64>,
        before: Option<((u64, f64), Option<Dir>)>,
        after: Option<((u64, f64), Option<Dir>)>,
        gap_rows: u64,
    ) -> Vec<u64> {
        let all = || gap.clone().collect::<Vec<u64>>();
        if gap_rows <= self.merge_gap {
            return all();
        }
        let (Some(((row_l, l), dir_b)), Some(((row_r, r), dir_a))) = (before, after) else {
            // Unbounded: read the chunk next to the known side (or the middle).
            let mid = (gap.start() + gap.end()) / 2;
            let c = match (before, after) {
                (Some(_), None) => *gap.start(),
                (None, Some(_)) => *gap.end(),
                _ => mid,
            };
            return vec![c];
        };
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
            return all();
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
        let f = ((target - l) / (r - l)).clamp(0.0, 1.0);
        let row = row_l as f64 + f * (row_r as f64 - row_l as f64);
        let c = (row as u64 / self.chunk_rows).clamp(*gap.start(), *gap.end());
        vec![c]
    }
}

/// A beam's latitudes as far as the band needs them.
#[derive(Debug)]
pub(crate) struct BandLatitudes {
    /// One value per row; rows not read (proven outside the band) are NaN.
    pub(crate) lat: Vec<f64>,
    /// Whether the model was contradicted and the whole column read.
    pub(crate) fell_back: bool,
}

/// The latitudes of `ds` that can be in `band`, by the along-track search
/// when `search` is set and the column is chunked in rows, else the whole
/// column.
pub(crate) async fn band_latitudes(
    ds: &Dataset,
    band: (f64, f64),
    merge_gap: u64,
    search: bool,
) -> Result<BandLatitudes, magg_h5::Error> {
    let rows = ds.rows();
    let chunk_rows = match ds.chunk_shape() {
        Some([c]) if search && ds.row_len() == 1 && *c > 0 => *c,
        _ => {
            return Ok(BandLatitudes {
                lat: ds.read_all().await?,
                fell_back: false,
            });
        }
    };
    let mut s = Search::new(rows, chunk_rows, band, merge_gap);
    let mut lat = vec![f64::NAN; rows as usize];
    loop {
        match s.next() {
            Next::Done => {
                return Ok(BandLatitudes {
                    lat,
                    fell_back: false,
                });
            }
            Next::Contradiction => {
                return Ok(BandLatitudes {
                    lat: ds.read_all().await?,
                    fell_back: true,
                });
            }
            Next::Read(chunks) => {
                let reqs: Vec<(&Dataset, Range<u64>)> =
                    chunks.iter().map(|&c| (ds, s.chunk_range(c))).collect();
                let parts: Vec<Vec<f64>> = ds.file().read_many(&reqs).await?;
                for (&c, part) in chunks.iter().zip(&parts) {
                    let r = s.chunk_range(c);
                    lat[r.start as usize..r.end as usize].copy_from_slice(part);
                    s.add(c, part);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search over `lat` in memory; returns the latitudes it would
    /// deliver, whether it fell back, and the chunks read.
    fn run(lat: &[f64], chunk: u64, band: (f64, f64), gap: u64) -> (Vec<f64>, bool, u64) {
        let mut s = Search::new(lat.len() as u64, chunk, band, gap);
        let mut out = vec![f64::NAN; lat.len()];
        loop {
            match s.next() {
                Next::Done => return (out, false, s.chunks_read()),
                Next::Contradiction => return (lat.to_vec(), true, s.chunks_read()),
                Next::Read(cs) => {
                    assert!(!cs.is_empty());
                    for c in cs {
                        let r = s.chunk_range(c);
                        let part = &lat[r.start as usize..r.end as usize];
                        assert!(s.chunks[c as usize].is_unread(), "chunk {c} read twice");
                        out[r.start as usize..r.end as usize].copy_from_slice(part);
                        s.add(c, part);
                    }
                }
            }
        }
    }

    /// Every row in the band is delivered with its value.
    fn check_exact(lat: &[f64], chunk: u64, band: (f64, f64)) -> (bool, u64) {
        let (got, fell_back, read) = run(lat, chunk, band, 0);
        for (i, (&want, &have)) in lat.iter().zip(&got).enumerate() {
            if want >= band.0 && want <= band.1 {
                assert_eq!(want.to_bits(), have.to_bits(), "row {i} of band {band:?}");
            }
        }
        (fell_back, read)
    }

    fn bands() -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let mut a = -90.0;
        while a < -60.0 {
            out.push((a, a + 1.3));
            a += 0.7;
        }
        out
    }

    #[test]
    fn monotone_track_reads_few_chunks() {
        // 50°S → 79°S over 100 chunks.
        let lat: Vec<f64> = (0..100_000)
            .map(|i| -50.0 - 29.0 * f64::from(i) / 1e5)
            .collect();
        for band in bands() {
            let (fell_back, read) = check_exact(&lat, 1000, band);
            assert!(!fell_back);
            // The band covers ≤ 1.3/29 of the track (≤ 5 chunks + edges).
            assert!(read <= 14, "band {band:?}: {read} chunks read");
        }
    }

    #[test]
    fn turning_track_reads_few_chunks() {
        // 79°S → 88°S → 79°S (a region-11 granule), with a cloud gap of fill.
        let n = 90_000;
        let lat: Vec<f64> = (0..n)
            .map(|i| {
                let t = f64::from(i) / f64::from(n) * std::f64::consts::PI;
                if (30_000..34_000).contains(&i) {
                    f64::MAX
                } else {
                    -79.0 - 9.0 * t.sin()
                }
            })
            .collect();
        for band in bands() {
            let (fell_back, read) = check_exact(&lat, 1000, band);
            assert!(!fell_back, "band {band:?}");
            assert!(read <= 40, "band {band:?}: {read} of 90 chunks read");
        }
        // A peak (northern turn) is the mirror image.
        let north: Vec<f64> = lat
            .iter()
            .map(|v| if valid(*v) { -v } else { *v })
            .collect();
        for (lo, hi) in bands() {
            check_exact(&north, 1000, (-hi, -lo));
        }
    }

    #[test]
    fn a_second_turn_is_a_contradiction() {
        // Down, up, down: two turning points.
        let lat: Vec<f64> = (0..30_000)
            .map(|i| -80.0 - 5.0 * (f64::from(i) / 3000.0).sin())
            .collect();
        let (fell_back, _) = check_exact(&lat, 1000, (-85.0, -84.0));
        assert!(fell_back);
        // Within one chunk too.
        let mut lat = vec![-70.0; 3000];
        lat[1500] = -71.0;
        lat[1600] = -69.0;
        let (fell_back, _) = check_exact(&lat, 3000, (-85.0, -84.0));
        assert!(fell_back);
    }

    #[test]
    fn fill_and_constant_columns() {
        let lat = vec![f64::MAX; 5000];
        let (fell_back, read) = check_exact(&lat, 1000, (-80.0, -79.0));
        assert!(!fell_back);
        assert_eq!(read, 5);
        let lat = vec![-79.5; 5000];
        let (fell_back, _) = check_exact(&lat, 1000, (-80.0, -79.0));
        assert!(!fell_back);
        assert_eq!(run(&[], 1000, (0.0, 1.0), 0).2, 0);
    }

    #[test]
    fn small_gaps_are_read() {
        // 60°S → 70°S; the band is in chunk 2.
        let lat: Vec<f64> = (0..10_000).map(|i| -60.0 - f64::from(i) / 1000.0).collect();
        let (_, _, read) = run(&lat, 1000, (-62.5, -62.2), 0);
        assert_eq!(read, 3);
        // The 8,000 rows between the first and last chunk are one small gap.
        let (_, _, read) = run(&lat, 1000, (-62.5, -62.2), 8_000);
        assert_eq!(read, 10);
    }
}
