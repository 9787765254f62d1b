//! ICESat-2 cycles → date windows.
//!
//! A cycle is one 1387-orbit exact repeat of the reference ground tracks.
//! Its length is fixed by the orbit, not by the calendar: `launch + 91·(N−1)
//! days` drifts by ~2.5 weeks by cycle 22. The nominal start of cycle N is
//!
//! `start(N) = 2023-12-18T21:15Z + (N − 22) · 1387 · 5657.3772 s`
//!
//! (the orbital period fitted to real granule start times, from
//! `shared/data/SOURCES.md` §2, which also gives cycle 22 as
//! 2023-12-18T21:15Z – 2024-03-18T16:55Z). Checked against the cycle start
//! dates the ICESat-2 project publishes with its ground-track files
//! (icesat-2.gsfc.nasa.gov "tech specs", `IS2_RGTs_cycleN_date_time`; as
//! transcribed in the IceSat2R package's `available_RGTs()`): cycles 2–3
//! and 5–15 start on the model's date; cycle 1's data begin 2018-10-13
//! (RGT 234, mid-cycle) and cycle 4's on 2019-07-09 (after the safe hold),
//! both inside the model's window. See `tests` below.
//!
//! The window searched is one day wider on each side, and the granules are
//! then kept only if their file name's cycle field is N: the window never
//! drops a cycle's first granules, and the name check drops the
//! neighbours' ones.

/// Nominal start of cycle 22, Unix seconds (2023-12-18T21:15:00Z).
const CYCLE22_START: i64 = 1_702_934_100;
/// One cycle: 1387 revolutions of 5657.3772 s, in milliseconds.
const CYCLE_MS: i64 = 7_846_782_176;
/// Margin added on each side of the nominal window, seconds.
const MARGIN_S: i64 = 86_400;

/// The UTC window to search for cycle `n` (1-based): the nominal cycle
/// padded by one day on each side, as ISO 8601 strings.
pub fn cycle_window(n: u8) -> (String, String) {
    let (start, end) = nominal(n);
    (iso(start - MARGIN_S), iso(end + MARGIN_S))
}

/// Nominal start and end of cycle `n`, Unix seconds.
pub fn nominal(n: u8) -> (i64, i64) {
    let k = i64::from(n) - 22;
    let start = CYCLE22_START + (k * CYCLE_MS).div_euclid(1000);
    let end = CYCLE22_START + ((k + 1) * CYCLE_MS).div_euclid(1000);
    (start, end)
}

/// The cycle whose nominal window holds Unix second `t` (any integer: below
/// 1 before the mission, above 99 far in the future).
pub fn cycle_at(t: i64) -> i64 {
    let start = |c: i64| CYCLE22_START + ((c - 22) * CYCLE_MS).div_euclid(1000);
    let mut c = 22 + ((t - CYCLE22_START) * 1000).div_euclid(CYCLE_MS);
    while start(c + 1) <= t {
        c += 1;
    }
    while start(c) > t {
        c -= 1;
    }
    c
}

/// Unix seconds → `YYYY-MM-DDThh:mm:ssZ`.
pub fn iso(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_22_matches_the_sample_orbit_model() {
        let (s, e) = nominal(22);
        assert_eq!(iso(s), "2023-12-18T21:15:00Z");
        assert_eq!(&iso(e)[..16], "2024-03-18T16:54");
        assert_eq!(
            cycle_window(22),
            (
                "2023-12-17T21:15:00Z".to_string(),
                "2024-03-19T16:54:42Z".to_string()
            )
        );
    }

    #[test]
    fn model_starts_on_the_published_cycle_dates() {
        // ICESat-2 project ground-track files, via IceSat2R available_RGTs().
        let published = [
            (2, "2018-12-28"),
            (3, "2019-03-29"),
            (5, "2019-09-26"),
            (6, "2019-12-26"),
            (7, "2020-03-26"),
            (8, "2020-06-25"),
            (9, "2020-09-24"),
            (10, "2020-12-24"),
            (11, "2021-03-24"),
            (12, "2021-06-23"),
            (13, "2021-09-22"),
            (14, "2021-12-22"),
            (15, "2022-03-23"),
            (22, "2023-12-18"),
        ];
        for (n, date) in published {
            assert_eq!(&iso(nominal(n).0)[..10], date, "cycle {n}");
        }
        // Data of cycles 1 and 4 start late (mid-cycle start, safe hold),
        // inside the window.
        for (n, first_data) in [(1, "2018-10-13"), (4, "2019-07-09")] {
            let (s, e) = cycle_window(n);
            assert!(
                s.as_str() < first_data && first_data < e.as_str(),
                "cycle {n}"
            );
        }
    }

    #[test]
    fn cycle_at_inverts_nominal() {
        for n in 1..=99u8 {
            let (s, e) = nominal(n);
            assert_eq!(cycle_at(s), i64::from(n));
            assert_eq!(cycle_at(e - 1), i64::from(n));
            assert_eq!(cycle_at(e), i64::from(n) + 1);
        }
        assert!(cycle_at(nominal(1).0 - 1) < 1);
    }

    #[test]
    fn the_naive_calendar_rule_is_weeks_off() {
        // cycle 1 data start 2018-10-13 + 91·21 days = 2024-01-06: 18 days late.
        let naive_days = 17_817 + 91 * 21; // 2018-10-13 is day 17817
        assert_eq!(&iso(naive_days * 86_400)[..10], "2024-01-06");
        assert!(naive_days * 86_400 - nominal(22).0 > 17 * 86_400);
    }
}
