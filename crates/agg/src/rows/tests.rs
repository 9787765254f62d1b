//! The search against whole-column truth on synthetic tracks.

use super::*;

/// Runs the search over `lat` in memory from row fraction `start`; returns
/// the latitudes it would deliver, whether it fell back, and the chunks read.
fn run_from(
    lat: &[f64],
    chunk: u64,
    band: (f64, f64),
    gap: u64,
    start: Option<f64>,
) -> (Vec<f64>, bool, Vec<u64>) {
    let mut s = Search::new(lat.len() as u64, chunk, band, gap, start);
    let mut out = vec![f64::NAN; lat.len()];
    let mut read = Vec::new();
    loop {
        match s.next() {
            Next::Done => return (out, false, read),
            Next::Contradiction => return (lat.to_vec(), true, read),
            Next::Read(cs) => {
                assert!(!cs.is_empty());
                for c in cs {
                    let r = s.chunk_range(c);
                    let part = &lat[r.start as usize..r.end as usize];
                    assert!(s.chunks[c as usize].is_unread(), "chunk {c} read twice");
                    out[r.start as usize..r.end as usize].copy_from_slice(part);
                    s.add(c, part);
                    read.push(c);
                }
                assert_eq!(s.chunks_read(), read.len() as u64);
            }
        }
    }
}

fn run(lat: &[f64], chunk: u64, band: (f64, f64), gap: u64) -> (Vec<f64>, bool, u64) {
    let (out, fell_back, read) = run_from(lat, chunk, band, gap, None);
    (out, fell_back, read.len() as u64)
}

/// Every row in the band is delivered with its value; the chunks read.
fn exact_from(lat: &[f64], chunk: u64, band: (f64, f64), start: Option<f64>) -> (bool, Vec<u64>) {
    let (got, fell_back, read) = run_from(lat, chunk, band, 0, start);
    for (i, (&want, &have)) in lat.iter().zip(&got).enumerate() {
        if want >= band.0 && want <= band.1 {
            assert_eq!(
                want.to_bits(),
                have.to_bits(),
                "row {i} of band {band:?}, start {start:?}"
            );
        }
    }
    (fell_back, read)
}

fn check_exact(lat: &[f64], chunk: u64, band: (f64, f64)) -> (bool, u64) {
    let (fell_back, read) = exact_from(lat, chunk, band, None);
    (fell_back, read.len() as u64)
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

/// 79°S → 88°S → 79°S over `n` rows (a region-11 granule), the valley at
/// row fraction `turn`, with a cloud gap of fill at rows 30,000..34,000.
fn valley(n: u32, turn: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let x = f64::from(i) / f64::from(n);
            // Half a sine wave on each side of the turn.
            let t = if x <= turn {
                x / turn / 2.0
            } else {
                0.5 + (x - turn) / (1.0 - turn) / 2.0
            };
            if (30_000..34_000).contains(&i) {
                f64::MAX
            } else {
                -79.0 - 9.0 * (t * std::f64::consts::PI).sin()
            }
        })
        .collect()
}

fn mirror(lat: &[f64]) -> Vec<f64> {
    lat.iter()
        .map(|v| if valid(*v) { -v } else { *v })
        .collect()
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
    let lat = valley(90_000, 0.5);
    for band in bands() {
        let (fell_back, read) = check_exact(&lat, 1000, band);
        assert!(!fell_back, "band {band:?}");
        assert!(read <= 40, "band {band:?}: {read} of 90 chunks read");
    }
    // A peak (northern turn) is the mirror image.
    let north = mirror(&lat);
    for (lo, hi) in bands() {
        check_exact(&north, 1000, (-hi, -lo));
    }
}

#[test]
fn a_start_at_the_turn_reads_no_end_chunk() {
    // The band holds the turn (88°S) and the search starts there: the chunk
    // read shows the turn, so both ends are monotone and bounded.
    let lat = valley(90_000, 0.5);
    for start in [None, Some(0.45), Some(0.55)] {
        let (fell_back, read) = exact_from(&lat, 1000, (-88.1, -87.9), start);
        assert!(!fell_back);
        assert!(
            !read.contains(&0) && !read.contains(&89),
            "{start:?}: {read:?}"
        );
        assert!(read.len() <= 16, "{start:?}: {read:?}");
    }
}

#[test]
fn bands_before_after_and_at_the_turn() {
    // Turns early, in the middle and late, including in the first and last
    // chunk; bands crossed on both sides of the turn, only near it, and at
    // the column's ends (79°S); every start.
    let n = 90_000;
    for turn in [0.004, 0.2, 0.5, 0.8, 0.996] {
        let lat = valley(n, turn);
        let north = mirror(&lat);
        for band in [
            (-88.5, -87.5),
            (-85.0, -84.0),
            (-83.0, -79.0),
            (-79.01, -78.0),
            (-80.0, -79.5),
            (-89.0, -88.9),
        ] {
            for start in [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0] {
                let (fell_back, read) = exact_from(&lat, 1000, band, Some(start));
                assert!(!fell_back, "turn {turn}, band {band:?}, start {start}");
                assert!(read.len() < 90 || band.1 - band.0 > 3.0, "{read:?}");
                let (fell_back, _) = exact_from(&north, 1000, (-band.1, -band.0), Some(start));
                assert!(!fell_back);
            }
        }
    }
}

#[test]
fn a_band_beyond_a_possible_turn_reads_the_end_chunks() {
    // 50°S → 79°S; the middle chunk goes down, the band is above it: only
    // a turn before it could reach the band, so chunk 0 is read to bound it.
    let lat: Vec<f64> = (0..100_000)
        .map(|i| -50.0 - 29.0 * f64::from(i) / 1e5)
        .collect();
    let (fell_back, read) = exact_from(&lat, 1000, (-45.0, -44.0), None);
    assert!(!fell_back);
    assert_eq!(read, vec![50, 0, 99]);
}

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        (self.next() * n as f64) as u64 % n.max(1)
    }
}

#[test]
fn random_one_turn_tracks_are_exact() {
    // Random monotone or one-turn tracks with flat runs, fill runs, random
    // chunk sizes, bands, starts and merge gaps, against the whole column.
    let mut rng = Lcg(9);
    for case in 0..400 {
        let n = 200 + rng.below(3000) as usize;
        let turn = rng.below(n as u64 + 1) as usize;
        let sign = if rng.next() < 0.5 { 1.0 } else { -1.0 };
        let mut value = -60.0 - 30.0 * rng.next();
        let mut lat = Vec::with_capacity(n);
        for i in 0..n {
            let d = if rng.next() < 0.2 {
                0.0
            } else {
                rng.next() * 0.02
            };
            value += if i < turn { -d } else { d } * sign;
            lat.push(value);
        }
        for _ in 0..rng.below(4) {
            let from = rng.below(n as u64) as usize;
            let to = (from + rng.below(600) as usize).min(n);
            lat[from..to].fill(f64::MAX);
        }
        let (lo, hi) = lat
            .iter()
            .filter(|v| valid(**v))
            .fold((90.0_f64, -90.0_f64), |(a, b), &v| (a.min(v), b.max(v)));
        let chunk = 1 + rng.below(400);
        let gap = if rng.next() < 0.7 { 0 } else { rng.below(800) };
        for _ in 0..6 {
            let a = lo - 1.0 + (hi - lo + 2.0) * rng.next();
            let band = (a, a + (hi - lo + 1.0) * rng.next() * 0.3);
            let start = Some(rng.next());
            let (got, fell_back, _) = run_from(&lat, chunk, band, gap, start);
            assert!(!fell_back, "case {case}");
            for (i, (&want, &have)) in lat.iter().zip(&got).enumerate() {
                if want >= band.0 && want <= band.1 {
                    assert_eq!(want.to_bits(), have.to_bits(), "case {case}, row {i}");
                }
            }
            assert_unread_runs_exceed(&got, gap);
        }
    }
}

#[test]
fn a_second_turn_is_a_contradiction() {
    // Down, up, down: a valley (85°S) at row 10,500, a peak (75°S) at row
    // 20,500. Starting at the valley, the band around the peak is searched
    // on the monotone side of the valley, and the chunk read past the peak
    // goes down again. (A second turn only in rows never read is not seen:
    // that is the model's assumption.)
    let lat: Vec<f64> = (0..30_000)
        .map(|i| -75.0 - (f64::from(i - 10_500).abs() - 10_000.0).abs() / 1000.0)
        .collect();
    let (fell_back, read) = exact_from(&lat, 1000, (-75.5, -74.9), Some(0.35));
    assert_eq!(read[0], 10);
    assert!(fell_back, "{read:?}");
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
    assert!(read <= 4, "{read}");
    // Every unread run is longer than the merge gap.
    for gap in [0, 1000, 3000, 8000] {
        let (out, _, _) = run(&lat, 1000, (-62.5, -62.2), gap);
        assert_unread_runs_exceed(&out, gap);
    }
}

/// Every run of unread rows (NaN: the tracks here have no NaN fill) is
/// longer than `gap` rows.
fn assert_unread_runs_exceed(out: &[f64], gap: u64) {
    let mut unread = 0;
    for v in out.iter().chain([&0.0]) {
        if v.is_nan() {
            unread += 1;
        } else {
            assert!(unread == 0 || unread > gap, "run of {unread} ≤ gap {gap}");
            unread = 0;
        }
    }
}

/// The cap search's key along a track: the chord from a point `d_min` off
/// the track, nearest at row `m`, rows `step` apart (a flat approximation
/// of a great circle passing a cell).
fn passing(n: u32, m: f64, step: f64, d_min: f64) -> Vec<f64> {
    (0..n)
        .map(|i| ((f64::from(i) - m).powi(2) * step * step + d_min * d_min).sqrt())
        .collect()
}

#[test]
fn an_open_band_reads_only_the_chunks_near_the_valley() {
    // 100 chunks of 1,000 rows; the cap (radius 0.01) spans rows
    // m ± 3,000 when the track passes through its centre.
    let step = 0.01 / 3000.0;
    for (m, d_min) in [(45_500.0, 0.0), (12_345.0, 0.005), (80_000.0, 0.0099)] {
        let key = passing(100_000, m, step, d_min);
        let band = (f64::NEG_INFINITY, 0.01);
        let inside = key.iter().filter(|&&k| k <= band.1).count() as u64;
        let needed = key
            .chunks(1000)
            .filter(|c| c.iter().any(|&k| k <= band.1))
            .count() as u64;
        for start in [None, Some(m / 1e5), Some(0.05), Some(0.95)] {
            let (fell_back, read) = exact_from(&key, 1000, band, start);
            assert!(!fell_back);
            assert!(inside > 0);
            // The needed chunks, their neighbours (the edge of the cap
            // where it ends on a chunk boundary) and a few probes towards
            // them: never a scan along the track.
            assert!(
                (read.len() as u64) <= needed + 8,
                "m {m}, d_min {d_min}, start {start:?}: {} read, {needed} needed",
                read.len()
            );
        }
        // Started where the track is nearest, the needed chunks and at
        // most their two neighbours are read.
        let (_, read) = exact_from(&key, 1000, band, Some(m / 1e5));
        assert!((read.len() as u64) <= needed + 2, "m {m}: {read:?}");
    }
    // A track that never enters the cap: proven with few reads when the
    // nearest row is inside the chunk read first (its turn is seen)...
    let key = passing(100_000, 50_500.0, step, 0.02);
    let (fell_back, read) = exact_from(&key, 1000, (f64::NEG_INFINITY, 0.01), None);
    assert!(!fell_back && read.len() <= 2, "{read:?}");
    // ...and by a bisection towards the turn when it lies on that chunk's
    // edge, so that the chunk only rises.
    let key = passing(100_000, 50_000.0, step, 0.02);
    let (fell_back, read) = exact_from(&key, 1000, (f64::NEG_INFINITY, 0.01), None);
    assert!(!fell_back && read.len() <= 10, "{read:?}");
}

/// Keys as [`shard_positions`] gives them to the search, chunk by chunk
/// through the same [`sample_keys`].
fn sampled_keys(lat: &[f64], lon: &[f64], hull: &magg_morton::Hull, chunk: usize) -> Vec<f64> {
    let mut keys = Vec::with_capacity(lat.len());
    let mut part = Vec::new();
    for (la, lo) in lat.chunks(chunk).zip(lon.chunks(chunk)) {
        sample_keys(hull, la, lo, &mut part);
        keys.extend_from_slice(&part);
    }
    keys
}

#[test]
fn ground_tracks_past_random_cells_are_exact() {
    // Satellite ground tracks (92° inclination, the Earth turning under
    // them, 5° to 170° of orbit) and cells of orders 3-9 near them: every
    // row whose cell is the shard, and every row inside its hull, lies in a
    // chunk the search reads, with the key sampled as in production.
    use magg_morton as morton;
    let mut rng = Lcg(21);
    let inc = 92f64.to_radians();
    let earth_per_orbit_radian = 94.6 / 1436.0;
    let mut met = 0;
    // More cases: MAGG_GROUND_TRACK_CASES=6000 (release build).
    let cases: usize = std::env::var("MAGG_GROUND_TRACK_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for case in 0..cases {
        let n = 2_000 + rng.below(30_000) as usize;
        let span = (5.0 + 165.0 * rng.next()).to_radians();
        let (u0, node) = (
            rng.next() * std::f64::consts::TAU,
            rng.next() * std::f64::consts::TAU,
        );
        let (lat, lon): (Vec<f64>, Vec<f64>) = (0..n)
            .map(|i| {
                let du = span * i as f64 / n as f64;
                let u = u0 + du;
                let la = (inc.sin() * u.sin()).asin().to_degrees();
                let lo = (node + (inc.cos() * u.sin()).atan2(u.cos())
                    - earth_per_orbit_radian * du)
                    .to_degrees();
                (la, (lo + 180.0).rem_euclid(360.0) - 180.0)
            })
            .collect();
        let r = rng.below(n as u64) as usize;
        let order = 3 + rng.below(7) as u8;
        let reach = 2.0 * 58.6 / f64::from(1u32 << order);
        let plat = (lat[r] + (rng.next() - 0.5) * reach).clamp(-89.9, 89.9);
        let plon = lon[r] + (rng.next() - 0.5) * reach;
        let cell = morton::geo_to_morton(plat, plon, order).unwrap();
        let hull = morton::Hull::of(cell).unwrap();
        let chunk = 100 + rng.below(2_000) as usize;
        let keys = sampled_keys(&lat, &lon, &hull, chunk);
        let start = (rng.next() < 0.7).then(|| rng.next());
        let band = (f64::NEG_INFINITY, hull.radius());
        let (_, fell_back, read) = run_from(&keys, chunk as u64, band, 0, start);
        assert!(!fell_back, "case {case}: order {order}, span {span}");
        let is_read = |i: usize| read.contains(&((i / chunk) as u64));
        for i in 0..n {
            let in_cell = morton::geo_to_morton(lat[i], lon[i], order).unwrap() == cell;
            let in_hull = hull.contains(lat[i], lon[i]);
            assert!(
                !in_cell || in_hull,
                "case {case}, row {i}: in the cell, not the hull"
            );
            assert!(
                !in_hull || is_read(i),
                "case {case}, row {i}: in the hull (cell {cell}, order {order}), chunk {} not read; read {read:?}",
                i / chunk
            );
            met += usize::from(in_cell);
        }
    }
    assert!(met > 10_000, "the tracks met their cells: {met} rows");
}

#[test]
fn latitude_band_holds_every_point_of_the_cell() {
    // Polar-cap, pole-touching, equatorial and northern cells at two orders.
    let cells = [
        (-87.9, 60.0, 6),
        (-89.99, 10.0, 6),
        (-80.0, 120.0, 6),
        (0.3, -170.0, 6),
        (45.0, 45.0, 6),
        (-70.0, 0.0, 3),
    ];
    let mut state = 12345u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for (lat, lon, order) in cells {
        let word = magg_morton::geo_to_morton(lat, lon, order).unwrap();
        let nested = magg_morton::decode(word).unwrap().nested;
        let (lo, hi) = magg_morton::lat_band(word).unwrap();
        let (clat, clon) = magg_morton::center(word).unwrap();
        let span = 3.0 * 58.6 / f64::from(1u32 << order);
        let lon_span = (span / clat.to_radians().cos()).min(360.0);
        let mut inside = 0;
        for _ in 0..20_000 {
            let la = (clat + span * (uniform() - 0.5)).clamp(-90.0, 90.0);
            let lo_ = clon + lon_span * (uniform() - 0.5);
            if magg_morton::geo_to_nested(la, lo_, order).unwrap() == nested {
                inside += 1;
                assert!(
                    la >= lo && la <= hi,
                    "cell {word}: {la} outside [{lo}, {hi}]"
                );
            }
        }
        assert!(inside > 1000, "cell {word}: sampling found {inside} points");
    }
}
