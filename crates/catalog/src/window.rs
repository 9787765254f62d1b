//! Time windows: the slices of a store along time, and the one window each
//! granule's observations go to.
//!
//! A shard map lists its windows (`windows`, in time order) and tags each
//! granule with the index of its window (`window`). How windows are made:
//!
//! - **cycles** ([`WindowPlan::cycles`], `magg catalog --cycles 21..23`):
//!   one window per ICESat-2 cycle, bounded by the cycle's nominal start
//!   and end ([`crate::cycle::nominal`]); a granule belongs to the window
//!   of the cycle its file name says (`..._ttttccrr_...`), whatever its
//!   time (the nominal bounds are a model, minutes off at worst).
//! - **a time range** ([`WindowPlan::temporal`], `--temporal START,END`),
//!   whole or split ([`Split`], `--windows`): per calendar month
//!   (`monthly`, UTC, the first and last clipped to the range), per cycle
//!   (`cycle`: the cycles the range meets, bounds clipped to the range; a
//!   granule goes by its name's cycle, if its time is in the range), or at
//!   given edges (`EDGE1,EDGE2,...`, strictly inside the range). A granule
//!   belongs to the window holding its time: the time stamp of its name
//!   (`PRODUCT_YYYYMMDDhhmmss_...`, the start of acquisition), else the
//!   catalog's `time_start`. Windows are half-open, `[start, end)`.
//! - **one window over everything** ([`WindowPlan::whole`]): no time
//!   bounds, every granule (granule files with other names, given
//!   without `--cycles` or `--temporal`).
//!
//! A granule's window depends on the granule alone, so it is the same
//! under every shard that lists it.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::cycle;
use crate::error::Error;
use crate::granule::{GranuleRef, parse_name};

/// A UTC time range `[start, end)`.
pub type Range = (DateTime<Utc>, DateTime<Utc>);

/// One time window of a shard map: one slice of the store's `time`
/// dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// A short unique name: `cycle 21`, `2024-01`, `2024-01-01/2024-02-15`,
    /// or `all`.
    pub label: String,
    /// First instant, UTC (`YYYY-MM-DDThh:mm:ssZ`), when bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The instant after the last one (`[start, end)`), when bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// The ICESat-2 cycle whose granules the window holds (by file name),
    /// for a cycle window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<u8>,
}

impl Window {
    /// The window of cycle `n`: its nominal bounds, label `cycle N`.
    pub fn cycle(n: u8) -> Window {
        let (s, e) = cycle::nominal(n);
        Window {
            label: format!("cycle {n}"),
            start: Some(cycle::iso(s)),
            end: Some(cycle::iso(e)),
            cycle: Some(n),
        }
    }

    /// The one unbounded window (`all`).
    pub fn all() -> Window {
        Window {
            label: "all".to_string(),
            start: None,
            end: None,
            cycle: None,
        }
    }

    /// A window `[start, end)` labelled `label`.
    fn between(label: String, start: DateTime<Utc>, end: DateTime<Utc>) -> Window {
        Window {
            label,
            start: Some(format_time(start)),
            end: Some(format_time(end)),
            cycle: None,
        }
    }

    /// Start and end, parsed; `None` for an unbounded window.
    pub fn bounds(&self) -> Result<Option<Range>, Error> {
        match (&self.start, &self.end) {
            (Some(s), Some(e)) => Ok(Some((parse_time(s)?, parse_time(e)?))),
            (None, None) => Ok(None),
            _ => Err(Error::Parameter(format!(
                "window {:?}: start and end go together",
                self.label
            ))),
        }
    }

    /// Start and end as Unix seconds (with fractions); `None` for an
    /// unbounded window.
    pub fn unix_bounds(&self) -> Result<Option<(f64, f64)>, Error> {
        let secs =
            |t: DateTime<Utc>| t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) * 1e-9;
        Ok(self.bounds()?.map(|(s, e)| (secs(s), secs(e))))
    }
}

/// How a time range is split (`--windows`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// One window over the whole range.
    Whole,
    /// One window per calendar month (UTC).
    Monthly,
    /// One window per ICESat-2 cycle the range meets.
    Cycles,
    /// Windows between these instants (strictly inside the range, in
    /// increasing order).
    Edges(Vec<DateTime<Utc>>),
}

impl FromStr for Split {
    type Err = Error;

    /// `monthly`, `cycle` (or `cycles`), or `EDGE1,EDGE2,...`.
    fn from_str(s: &str) -> Result<Split, Error> {
        match s.trim() {
            "monthly" => Ok(Split::Monthly),
            "cycle" | "cycles" => Ok(Split::Cycles),
            "" | "whole" => Ok(Split::Whole),
            list => list
                .split(',')
                .map(parse_time)
                .collect::<Result<_, _>>()
                .map(Split::Edges)
                .map_err(|e| {
                    Error::Parameter(format!(
                        "--windows {list:?}: not `monthly`, `cycle` or a list of edges ({e})"
                    ))
                }),
        }
    }
}

/// The windows of a catalog, and which granules go where.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPlan {
    /// The windows, in time order.
    pub windows: Vec<Window>,
    /// Granules whose time is outside this range are left out (the
    /// `--temporal` range), whatever their window.
    pub range: Option<Range>,
}

impl WindowPlan {
    /// One window per cycle (sorted, each once).
    pub fn cycles(cycles: &[u8]) -> Result<WindowPlan, Error> {
        let mut list = cycles.to_vec();
        list.sort_unstable();
        list.dedup();
        if list.is_empty() {
            return Err(Error::Parameter("no cycle given".to_string()));
        }
        for &c in &list {
            check_cycle(i64::from(c))?;
        }
        Ok(WindowPlan {
            windows: list.into_iter().map(Window::cycle).collect(),
            range: None,
        })
    }

    /// The range `[start, end)` (ISO 8601 dates or UTC times), split.
    pub fn temporal(start: &str, end: &str, split: &Split) -> Result<WindowPlan, Error> {
        let (s, e) = (parse_time(start)?, parse_time(end)?);
        if s >= e {
            return Err(Error::Parameter(format!(
                "--temporal {start},{end}: the start must come before the end"
            )));
        }
        let windows = match split {
            Split::Whole => vec![Window::between(interval_label(s, e), s, e)],
            Split::Monthly => months(s, e),
            Split::Cycles => cycles_between(s, e)?,
            Split::Edges(edges) => {
                let mut points = vec![s];
                for &x in edges {
                    let last = *points.last().expect("points start with the range start");
                    if x <= last || x >= e {
                        return Err(Error::Parameter(format!(
                            "--windows: edge {} is not after {} and before the range end {}",
                            format_time(x),
                            format_time(last),
                            format_time(e)
                        )));
                    }
                    points.push(x);
                }
                points.push(e);
                points
                    .windows(2)
                    .map(|p| Window::between(interval_label(p[0], p[1]), p[0], p[1]))
                    .collect()
            }
        };
        Ok(WindowPlan {
            windows,
            range: Some((s, e)),
        })
    }

    /// The plan `magg catalog` options ask for: `--cycles` (a list, see
    /// [`parse_cycles`]), or `--temporal START,END` split by `--windows`
    /// ([`Split`]); `None` when neither is given.
    pub fn from_options(
        cycles: Option<&str>,
        temporal: Option<&str>,
        windows: Option<&str>,
    ) -> Result<Option<WindowPlan>, Error> {
        match (cycles, temporal, windows) {
            (Some(_), Some(_), _) => Err(Error::Parameter(
                "give cycles or a time range, not both".to_string(),
            )),
            (Some(_) | None, None, Some(_)) => Err(Error::Parameter(
                "--windows splits a time range: give --temporal START,END".to_string(),
            )),
            (Some(c), None, None) => WindowPlan::cycles(&parse_cycles(c)?).map(Some),
            (None, Some(t), w) => {
                let (s, e) = t.split_once(',').ok_or_else(|| {
                    Error::Parameter(format!("--temporal {t:?}: wants START,END"))
                })?;
                let split = w.map_or(Ok(Split::Whole), str::parse)?;
                WindowPlan::temporal(s, e, &split).map(Some)
            }
            (None, None, None) => Ok(None),
        }
    }

    /// One unbounded window holding every granule.
    pub fn whole() -> WindowPlan {
        WindowPlan {
            windows: vec![Window::all()],
            range: None,
        }
    }

    /// For granule files given without a time selection: their cycle's
    /// window when every name says the same cycle, else [`Self::whole`].
    pub fn from_names<'a>(ids: impl IntoIterator<Item = &'a str>) -> WindowPlan {
        let mut cycles = ids.into_iter().map(|id| parse_name(id).map(|f| f.cycle));
        let first = cycles.next().flatten();
        match first {
            Some(c) if cycles.all(|x| x == Some(c)) && check_cycle(i64::from(c)).is_ok() => {
                WindowPlan {
                    windows: vec![Window::cycle(c)],
                    range: None,
                }
            }
            _ => WindowPlan::whole(),
        }
    }

    /// The range to search (CMR `temporal`), as ISO strings, when there is one.
    pub fn search_range(&self) -> Option<(String, String)> {
        self.range.map(|(s, e)| (format_time(s), format_time(e)))
    }

    /// The cycles of the cycle windows, in order (empty for time windows).
    pub fn cycle_list(&self) -> Vec<u8> {
        self.windows.iter().filter_map(|w| w.cycle).collect()
    }

    /// The window `granule` belongs to (module docs), or `None` when it
    /// belongs to none; an error when its cycle or time cannot be told.
    pub fn assign(&self, granule: &GranuleRef) -> Result<Option<u32>, Error> {
        if let Some((s, e)) = self.range {
            let t = granule_time(granule)?;
            if t < s || t >= e {
                return Ok(None);
            }
        }
        for (i, w) in self.windows.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 windows");
            let inside = match (w.cycle, w.bounds()?) {
                (Some(c), _) => {
                    parse_name(&granule.id)
                        .ok_or_else(|| Error::Granule {
                            granule: granule.id.clone(),
                            reason: "cycle windows need ICESat-2 names (..._ttttccrr_...)"
                                .to_string(),
                        })?
                        .cycle
                        == c
                }
                (None, Some((s, e))) => {
                    let t = granule_time(granule)?;
                    s <= t && t < e
                }
                (None, None) => true,
            };
            if inside {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}

/// Parses cycle lists: `22`, `21..23`, `21,22,23`, `3..5,22`.
pub fn parse_cycles(text: &str) -> Result<Vec<u8>, Error> {
    let bad = |why: &str| Error::Parameter(format!("cycles {text:?}: {why}"));
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        let num = |s: &str| {
            s.trim()
                .parse::<u8>()
                .map_err(|_| bad(&format!("{s:?} is not a cycle number")))
        };
        match part.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b.trim_start_matches('='))?);
                if a > b {
                    return Err(bad(&format!("{a}..{b} is empty")));
                }
                out.extend(a..=b);
            }
            None => out.push(num(part)?),
        }
    }
    for &c in &out {
        check_cycle(i64::from(c))?;
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn check_cycle(c: i64) -> Result<(), Error> {
    if (1..=99).contains(&c) {
        Ok(())
    } else {
        Err(Error::Parameter(format!(
            "cycle {c} is not an ICESat-2 cycle (1..=99)"
        )))
    }
}

/// When a granule was acquired: its name's time stamp, else the catalog's
/// `time_start`.
pub fn granule_time(g: &GranuleRef) -> Result<DateTime<Utc>, Error> {
    if let Some(t) = name_time(&g.id) {
        return Ok(t);
    }
    match &g.time_start {
        Some(s) => parse_time(s).map_err(|e| Error::Granule {
            granule: g.id.clone(),
            reason: format!("time_start: {e}"),
        }),
        None => Err(Error::Granule {
            granule: g.id.clone(),
            reason: "no acquisition time: neither its name (PRODUCT_YYYYMMDDhhmmss_...) nor \
                     the catalog gives one"
                .to_string(),
        }),
    }
}

/// The time stamp of an ICESat-2 granule name
/// (`PRODUCT_YYYYMMDDhhmmss_ttttccrr_vvv_RR.h5`), UTC.
pub fn name_time(name: &str) -> Option<DateTime<Utc>> {
    parse_name(name)?;
    let base = name.rsplit(['/', '\\']).next()?;
    let stamp = base.split('_').nth(1)?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| Utc.from_utc_datetime(&t))
}

/// Parses an ISO 8601 date (`2024-01-01`, midnight UTC) or time
/// (`2024-01-01T12:00:00Z`, `...+02:00`, or without zone: UTC).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, Error> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)));
    }
    Err(Error::Parameter(format!(
        "time {text:?}: not an ISO 8601 date or UTC time (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)"
    )))
}

/// `YYYY-MM-DDThh:mm:ssZ` (fractions of a second, if any, as digits after
/// a point).
pub fn format_time(t: DateTime<Utc>) -> String {
    let mut s = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    if t.nanosecond() != 0 {
        let _ = write!(s, "{}", t.format("%.f"));
    }
    s.push('Z');
    s
}

/// A date alone when the time is midnight, else the full time.
fn short(t: DateTime<Utc>) -> String {
    if t.num_seconds_from_midnight() == 0 && t.nanosecond() == 0 {
        t.format("%Y-%m-%d").to_string()
    } else {
        format_time(t)
    }
}

/// `START/END` (ISO 8601 interval notation).
fn interval_label(s: DateTime<Utc>, e: DateTime<Utc>) -> String {
    format!("{}/{}", short(s), short(e))
}

/// Calendar months meeting `[s, e)`, clipped to it, labelled `YYYY-MM`.
fn months(s: DateTime<Utc>, e: DateTime<Utc>) -> Vec<Window> {
    let mut out = Vec::new();
    let mut first = NaiveDate::from_ymd_opt(s.year(), s.month(), 1).expect("a month's first day");
    loop {
        let start = Utc.from_utc_datetime(&first.and_time(chrono::NaiveTime::MIN));
        if start >= e {
            break;
        }
        let next = first + Months::new(1);
        let end = Utc.from_utc_datetime(&next.and_time(chrono::NaiveTime::MIN));
        out.push(Window::between(
            first.format("%Y-%m").to_string(),
            start.max(s),
            end.min(e),
        ));
        first = next;
    }
    out
}

/// The cycles meeting `[s, e)`, their bounds clipped to it.
fn cycles_between(s: DateTime<Utc>, e: DateTime<Utc>) -> Result<Vec<Window>, Error> {
    let (first, last) = (
        cycle::cycle_at(s.timestamp()),
        cycle::cycle_at(e.timestamp() - 1),
    );
    check_cycle(first)?;
    check_cycle(last)?;
    Ok((first..=last)
        .map(|c| {
            let c = u8::try_from(c).expect("checked 1..=99");
            let (cs, ce) = cycle::nominal(c);
            let at = |t: i64| Utc.timestamp_opt(t, 0).single().expect("a valid time");
            Window {
                cycle: Some(c),
                ..Window::between(format!("cycle {c}"), at(cs).max(s), at(ce).min(e))
            }
        })
        .collect())
}

/// Checks a map's window list: non-empty, unique non-empty labels; several
/// windows all bounded, each `start < end`, in time order without overlap.
pub(crate) fn validate(windows: &[Window]) -> Result<(), String> {
    if windows.is_empty() {
        return Err("windows: none listed (a map has at least one)".to_string());
    }
    let mut prev_end: Option<DateTime<Utc>> = None;
    for (i, w) in windows.iter().enumerate() {
        let at = |why: String| format!("windows[{i}] ({:?}): {why}", w.label);
        if w.label.trim().is_empty() {
            return Err(at("empty label".to_string()));
        }
        if windows[..i].iter().any(|o| o.label == w.label) {
            return Err(at("label used twice".to_string()));
        }
        match w.bounds().map_err(|e| at(e.to_string()))? {
            Some((s, e)) => {
                if s >= e {
                    return Err(at("start is not before end".to_string()));
                }
                if let Some(p) = prev_end
                    && s < p
                {
                    return Err(at(
                        "starts before the previous window ends (windows go in time order, \
                         without overlap)"
                            .to_string(),
                    ));
                }
                prev_end = Some(e);
            }
            None if windows.len() > 1 => {
                return Err(at("unbounded, but the map has several windows".to_string()));
            }
            None => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::granule::{BBox, GranuleUrls};

    fn g(id: &str) -> GranuleRef {
        GranuleRef {
            id: id.to_string(),
            urls: GranuleUrls::default(),
            bbox: BBox {
                west: 0.0,
                south: 0.0,
                east: 0.0,
                north: 0.0,
            },
            time_start: None,
            time_end: None,
            concept_id: None,
            window: 0,
        }
    }

    #[test]
    fn cycle_lists() {
        assert_eq!(parse_cycles("21..23").unwrap(), vec![21, 22, 23]);
        assert_eq!(parse_cycles("23, 21,22").unwrap(), vec![21, 22, 23]);
        assert_eq!(parse_cycles("3..5,22,4").unwrap(), vec![3, 4, 5, 22]);
        assert_eq!(parse_cycles("22").unwrap(), vec![22]);
        assert_eq!(parse_cycles("21..=22").unwrap(), vec![21, 22]);
        for bad in ["", "x", "23..21", "0", "100", "21..", "1,,2"] {
            assert!(parse_cycles(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cycle_windows_go_by_name() {
        let plan = WindowPlan::cycles(&[23, 21, 22, 22]).unwrap();
        let labels: Vec<&str> = plan.windows.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(labels, ["cycle 21", "cycle 22", "cycle 23"]);
        assert_eq!(
            plan.windows[1].start.as_deref(),
            Some("2023-12-18T21:15:00Z")
        );
        assert_eq!(plan.windows[0].end, plan.windows[1].start);
        validate(&plan.windows).unwrap();
        // A granule named cycle 22 goes to cycle 22 even a minute before its nominal start.
        assert_eq!(
            plan.assign(&g("ATL06_20231218211400_00012211_006_01.h5"))
                .unwrap(),
            Some(1)
        );
        assert_eq!(
            plan.assign(&g("ATL06_20240401000000_00012411_006_01.h5"))
                .unwrap(),
            None
        );
        let e = plan.assign(&g("other.h5")).unwrap_err().to_string();
        assert!(
            e.contains("other.h5") && e.contains("ICESat-2 names"),
            "{e}"
        );
    }

    #[test]
    fn monthly_windows_are_clipped_calendar_months() {
        let plan = WindowPlan::temporal("2023-12-18", "2024-03-01", &Split::Monthly).unwrap();
        let got: Vec<(&str, &str, &str)> = plan
            .windows
            .iter()
            .map(|w| {
                (
                    w.label.as_str(),
                    w.start.as_deref().unwrap(),
                    w.end.as_deref().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("2023-12", "2023-12-18T00:00:00Z", "2024-01-01T00:00:00Z"),
                ("2024-01", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
                ("2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
            ]
        );
        validate(&plan.windows).unwrap();
        // By the name's time stamp, half-open.
        let jan = g("ATL06_20240131235959_05592211_006_01.h5");
        let feb = g("ATL06_20240201000000_05592211_006_01.h5");
        let mar = g("ATL06_20240301000000_05592211_006_01.h5");
        assert_eq!(plan.assign(&jan).unwrap(), Some(1));
        assert_eq!(plan.assign(&feb).unwrap(), Some(2));
        assert_eq!(plan.assign(&mar).unwrap(), None);
        // Without a name stamp, the catalog's time_start.
        let mut other = g("x.h5");
        other.time_start = Some("2024-02-10T01:02:03.5Z".into());
        assert_eq!(plan.assign(&other).unwrap(), Some(2));
        let e = plan.assign(&g("y.h5")).unwrap_err().to_string();
        assert!(
            e.contains("y.h5") && e.contains("no acquisition time"),
            "{e}"
        );
    }

    #[test]
    fn edges_and_whole_ranges() {
        let split: Split = "2024-01-15,2024-02-01T12:00:00Z".parse().unwrap();
        let plan = WindowPlan::temporal("2024-01-01", "2024-03-01", &split).unwrap();
        let labels: Vec<&str> = plan.windows.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2024-01-01/2024-01-15",
                "2024-01-15/2024-02-01T12:00:00Z",
                "2024-02-01T12:00:00Z/2024-03-01"
            ]
        );
        for bad in ["2024-01-15,2024-01-10", "2023-12-01", "2024-03-01", "soon"] {
            let r = bad
                .parse::<Split>()
                .and_then(|s| WindowPlan::temporal("2024-01-01", "2024-03-01", &s));
            assert!(r.is_err(), "{bad}");
        }
        let whole =
            WindowPlan::temporal("2024-01-01", "2024-01-02T06:00:00Z", &Split::Whole).unwrap();
        assert_eq!(whole.windows[0].label, "2024-01-01/2024-01-02T06:00:00Z");
        assert!(WindowPlan::temporal("2024-02-01", "2024-01-01", &Split::Whole).is_err());
    }

    #[test]
    fn cycles_of_a_range_are_clipped_and_go_by_name() {
        let plan = WindowPlan::temporal("2024-01-01", "2024-04-01", &Split::Cycles).unwrap();
        let got: Vec<(Option<u8>, &str, &str)> = plan
            .windows
            .iter()
            .map(|w| {
                (
                    w.cycle,
                    w.start.as_deref().unwrap(),
                    w.end.as_deref().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some(22), "2024-01-01T00:00:00Z", "2024-03-18T16:54:42Z"),
                (Some(23), "2024-03-18T16:54:42Z", "2024-04-01T00:00:00Z"),
            ]
        );
        // Name says cycle 22, time in range: cycle 22, even after its nominal end.
        let late = g("ATL06_20240318170000_13852211_006_01.h5");
        assert_eq!(plan.assign(&late).unwrap(), Some(0));
        // Out of the range: none.
        let early = g("ATL06_20231220000000_00302211_006_01.h5");
        assert_eq!(plan.assign(&early).unwrap(), None);
    }

    #[test]
    fn names_of_one_cycle_give_its_window() {
        let one = WindowPlan::from_names([
            "ATL06_20231218222155_00012211_006_01.h5",
            "ATL06_20240201233310_06892211_006_01.h5",
        ]);
        assert_eq!(one.windows, vec![Window::cycle(22)]);
        let mixed = WindowPlan::from_names([
            "ATL06_20231218222155_00012211_006_01.h5",
            "ATL06_20240401000000_00012311_006_01.h5",
        ]);
        assert_eq!(mixed, WindowPlan::whole());
        assert_eq!(WindowPlan::from_names(["a.h5"]), WindowPlan::whole());
        assert_eq!(WindowPlan::whole().assign(&g("a.h5")).unwrap(), Some(0));
    }

    #[test]
    fn window_lists_are_checked() {
        let c = |n| Window::cycle(n);
        assert!(validate(&[]).is_err());
        assert!(validate(&[Window::all()]).is_ok());
        let e = validate(&[c(21), Window::all()]).unwrap_err();
        assert!(e.contains("unbounded"), "{e}");
        let e = validate(&[c(22), c(21)]).unwrap_err();
        assert!(e.contains("time order"), "{e}");
        let mut twice = c(22);
        twice.label = "cycle 21".into();
        let e = validate(&[c(21), twice]).unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let mut inverted = c(21);
        inverted.end.clone_from(&inverted.start);
        assert!(validate(&[inverted]).is_err());
    }

    #[test]
    fn times_parse_and_print() {
        let t = parse_time("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(format_time(t), "2024-01-02T03:04:05Z");
        assert_eq!(parse_time("2024-01-02T05:04:05+02:00").unwrap(), t);
        assert_eq!(parse_time("2024-01-02T03:04:05").unwrap(), t);
        assert_eq!(
            format_time(parse_time("2024-01-02").unwrap()),
            "2024-01-02T00:00:00Z"
        );
        assert_eq!(
            format_time(parse_time("2024-01-02T03:04:05.25Z").unwrap()),
            "2024-01-02T03:04:05.250Z"
        );
        assert!(parse_time("2024-13-01").is_err());
        assert_eq!(
            name_time("s3://b/ATL06_20231218222155_00012211_006_01.h5").unwrap(),
            parse_time("2023-12-18T22:21:55Z").unwrap()
        );
        assert_eq!(name_time("ATL06_20231318222155_00012211_006_01.h5"), None);
    }
}
