//! The run report as one self-contained HTML page (inline CSS and SVG, no
//! scripts, no network): totals and cost, what bounds the wall time, wall
//! time against observations per shard, the longest shards, bytes read per
//! observation, and every error.

mod svg;

use std::fmt::Write as _;
use std::path::Path;

use magg_run::RunReport;
use magg_store::ShardStatus;
use serde_json::{Map, Value};

pub use svg::{Point, escape, histogram, scatter};

use crate::error::VizError;
use crate::load::group_thousands;

/// Rows in the longest-shards table.
const LONGEST: usize = 15;

/// A results JSON, typed, plus any fields this build does not know (cost
/// figures from other executors, ...).
#[derive(Debug, Clone)]
pub struct Results {
    /// The typed report.
    pub report: RunReport,
    /// Top-level fields outside [`RunReport`], as written.
    pub extra: Map<String, Value>,
}

impl Results {
    /// Reads a results JSON written by `magg run`.
    pub fn read(path: &Path) -> Result<Results, VizError> {
        let bad = |reason: String| VizError::Results {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        Results::from_json(&text).map_err(bad)
    }

    /// Parses the results JSON text.
    pub fn from_json(text: &str) -> Result<Results, String> {
        let raw: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let report: RunReport = serde_json::from_value(raw.clone())
            .map_err(|e| format!("not a magg results JSON: {e}"))?;
        let known = serde_json::to_value(&report).map_err(|e| e.to_string())?;
        let mut extra = Map::new();
        if let (Value::Object(all), Value::Object(known)) = (raw, known) {
            for (k, v) in all {
                if !known.contains_key(&k) {
                    extra.insert(k, v);
                }
            }
        }
        Ok(Results { report, extra })
    }
}

/// Sums of the numeric per-shard fields outside [`ShardStatus`]'s own
/// (CPU seconds, GB-seconds, cost, ...), by name.
fn extra_sums(shards: &[ShardStatus]) -> Vec<(String, f64)> {
    let mut sums: Vec<(String, f64)> = Vec::new();
    for s in shards {
        for (k, v) in &s.extra {
            if let Some(x) = v.as_f64() {
                match sums.iter_mut().find(|(n, _)| n == k) {
                    Some((_, t)) => *t += x,
                    None => sums.push((k.clone(), x)),
                }
            }
        }
    }
    sums
}

fn label(shard: u64) -> String {
    magg_morton::to_label(shard).unwrap_or_else(|_| "?".into())
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn per_obs(bytes: u64, obs: u64) -> String {
    if obs == 0 {
        "–".into()
    } else {
        format!("{:.0}", bytes as f64 / obs as f64)
    }
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The report page.
pub fn render_report(results: &Results, title: &str) -> String {
    let r = &results.report;
    let t = &r.totals;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head><body>",
        escape(title),
        CSS
    );
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"sub\">store <code>{}</code> · {} executor · {} workers</p>",
        escape(title),
        escape(&r.store),
        escape(&r.executor),
        r.workers
    );
    // Totals.
    h.push_str("<h2>Totals</h2><table class=\"kv\">");
    let mut row = |k: &str, v: String| {
        let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&v));
    };
    row(
        "shards",
        format!(
            "{} run: {} with data, {} empty, {} failed; {} skipped (already complete), {} not started",
            t.shards,
            t.with_data,
            t.empty,
            t.errors,
            r.skipped.len(),
            r.not_started.len()
        ),
    );
    row(
        "observations",
        format!(
            "{} in {} cells",
            group_thousands(t.observations),
            group_thousands(t.cells)
        ),
    );
    row("wall time", format!("{:.2} s", r.wall_seconds));
    row(
        "CPU time",
        r.cpu_seconds
            .map_or_else(|| "not reported".into(), |c| format!("{c:.2} s")),
    );
    row("sum of shard times", format!("{:.2} s", t.shard_seconds));
    let busy = t.shard_seconds / (r.wall_seconds.max(1e-9) * r.workers.max(1) as f64);
    row(
        "worker occupancy",
        format!(
            "{:.0}% (sum of shard times / (wall × workers))",
            busy * 100.0
        ),
    );
    row(
        "read",
        format!(
            "{} in {} requests; {} bytes per observation",
            mb(t.bytes_read),
            group_thousands(t.requests),
            per_obs(t.bytes_read, t.observations)
        ),
    );
    row(
        "throughput",
        format!(
            "{} observations/s (wall)",
            group_thousands((t.observations as f64 / r.wall_seconds.max(1e-9)) as u64)
        ),
    );
    for (k, v) in &results.extra {
        row(k, json_text(v));
    }
    for (k, v) in extra_sums(&r.shards) {
        row(&format!("{k} (sum over shards)"), format!("{v:.4}"));
    }
    h.push_str("</table>");

    // What bounds the wall time.
    let mut by_time: Vec<&ShardStatus> = r.shards.iter().collect();
    by_time.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    if let Some(top) = by_time.first() {
        let share = top.seconds / r.wall_seconds.max(1e-9);
        let ideal = t.shard_seconds / r.workers.max(1) as f64;
        let verdict = if share > 0.5 {
            "the longest shard bounds the run: split it (a finer parent order) or start it first"
        } else if ideal > 0.7 * r.wall_seconds {
            "the total work bounds the run: more workers would help"
        } else {
            "neither the longest shard nor the total work explains the wall time: look at start-up and scheduling"
        };
        let _ = write!(
            h,
            "<h2>What bounds the wall time</h2><p>longest shard {} ({}): <b>{:.2} s</b>, {:.0}% of the {:.2} s wall time; the work spread evenly over {} workers would take {:.2} s. So {}.</p>",
            top.shard,
            escape(&label(top.shard)),
            top.seconds,
            share * 100.0,
            r.wall_seconds,
            r.workers,
            ideal,
            verdict
        );
    }

    // Scatter.
    let points: Vec<Point> = r
        .shards
        .iter()
        .map(|s| Point {
            x: s.observations as f64,
            y: s.seconds,
            alert: s.error.is_some(),
            tip: format!(
                "shard {} ({}): {} observations, {:.3} s, {} granules{}",
                s.shard,
                label(s.shard),
                s.observations,
                s.seconds,
                s.granules_read,
                s.error
                    .as_deref()
                    .map_or(String::new(), |e| format!(", FAILED: {e}"))
            ),
        })
        .collect();
    let _ = write!(
        h,
        "<h2>Wall time against observations, per shard</h2><p class=\"note\">One dot per shard (red: failed). Hover for details.</p>{}",
        scatter(&points, "wall time per shard", "observations", "seconds")
    );

    // Longest shards.
    let _ = write!(
        h,
        "<h2>Longest shards</h2><table><tr><th>shard</th><th>label</th><th>seconds</th><th>observations</th><th>cells</th><th>granules</th><th>read</th><th>requests</th><th>bytes/obs</th><th>status</th></tr>"
    );
    for s in by_time.iter().take(LONGEST) {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{:.3}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.shard,
            escape(&label(s.shard)),
            s.seconds,
            group_thousands(s.observations),
            group_thousands(s.cells),
            s.granules_read,
            mb(s.bytes_read),
            s.requests,
            per_obs(s.bytes_read, s.observations),
            if s.error.is_some() { "failed" } else { "ok" }
        );
    }
    h.push_str("</table>");

    // Bytes per observation.
    let bpo: Vec<f64> = r
        .shards
        .iter()
        .filter(|s| s.observations > 0)
        .map(|s| s.bytes_read as f64 / s.observations as f64)
        .collect();
    let _ = write!(
        h,
        "<h2>Bytes read per observation</h2><p class=\"note\">Over the run: {} bytes per observation. Shards far to the right read much more than they use (few valid points in large chunks).</p>{}",
        per_obs(t.bytes_read, t.observations),
        histogram(
            &bpo,
            20,
            "bytes read per observation",
            "bytes read per observation (per shard)"
        )
    );

    // Errors.
    let failures = r.failures();
    let _ = write!(h, "<h2>Errors ({})</h2>", failures.len());
    if failures.is_empty() {
        h.push_str("<p>none</p>");
    } else {
        h.push_str("<table><tr><th>shard</th><th>label</th><th>error</th></tr>");
        for (shard, e) in failures {
            let _ = write!(
                h,
                "<tr><td><code>{shard}</code></td><td><code>{}</code></td><td class=\"err\">{}</td></tr>",
                escape(&label(shard)),
                escape(e)
            );
        }
        h.push_str("</table>");
    }
    if !r.not_started.is_empty() {
        let _ = write!(
            h,
            "<p>not started (interrupted): {} shards; rerun with <code>--resume</code>.</p>",
            r.not_started.len()
        );
    }
    h.push_str("</body></html>\n");
    h
}

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}\
h1{margin-bottom:.2em}.sub,.note{color:#555}table{border-collapse:collapse;margin:.5em 0 1.5em}\
th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}\
table.kv th{width:14em;color:#444;font-weight:600}td.err{color:#b00;font-family:monospace;white-space:pre-wrap}\
svg{display:block;margin:.5em 0 1.5em;max-width:100%;height:auto}code{font-size:.92em}";

#[cfg(test)]
mod tests {
    use super::*;

    fn results() -> Results {
        let json = r#"{
          "magg_results": 1, "executor": "lambda", "workers": 2, "store": "s3://b/x.zarr",
          "wall_seconds": 10.0, "cpu_seconds": null, "skipped": [], "not_started": [7],
          "shards": [
            {"shard": 11570310392668225542, "observations": 1000, "cells": 10, "granules_read": 2,
             "bytes_read": 50000, "requests": 4, "seconds": 8.0, "error": null, "gb_seconds": 1.5},
            {"shard": 11570310392668225543, "observations": 0, "cells": 0, "granules_read": 1,
             "bytes_read": 100, "requests": 1, "seconds": 1.0, "error": "granule <x> missing", "gb_seconds": 0.25}
          ],
          "totals": {"shards": 2, "with_data": 1, "empty": 0, "errors": 1, "observations": 1000,
                     "cells": 10, "bytes_read": 50100, "requests": 5, "shard_seconds": 9.0},
          "cost_usd": 0.0123
        }"#;
        Results::from_json(json).unwrap()
    }

    #[test]
    fn report_has_every_section_and_unknown_fields() {
        let res = results();
        assert_eq!(res.extra["cost_usd"], 0.0123);
        let html = render_report(&res, "run <1>");
        for want in [
            "Totals",
            "What bounds the wall time",
            "the longest shard bounds the run",
            "Longest shards",
            "Bytes read per observation",
            "Errors (1)",
            "granule &lt;x&gt; missing",
            "cost_usd",
            "0.0123",
            "gb_seconds (sum over shards)",
            "1.7500",
            "run &lt;1&gt;",
            "--resume",
        ] {
            assert!(html.contains(want), "missing {want}");
        }
        // Self-contained: nothing fetched.
        assert!(!html.contains("src=") && !html.contains("href="));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn rejects_other_json() {
        let e = Results::from_json(r#"{"magg_shardmap": 1}"#).unwrap_err();
        assert!(e.contains("not a magg results JSON"), "{e}");
    }
}
