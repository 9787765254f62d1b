//! The config grammar users write, end to end against numpy: an
//! upstream-shaped config with filters on a 2-D column (`signal_conf_ph[:,
//! k]`), `in` and `keep: false`, per-variable fill values (a `_FillValue`
//! attribute, the HDF5 fill value property, a float64 attribute on float32
//! data), `median`, `std`/`var` with `ddof`, `quantile`, `percentile`,
//! weighted `average`, and numpy expressions — read by `read_shard` from
//! h5py-written ATL03-like granules and compared, cell by cell at three
//! orders, with h5py + numpy + mortie evaluating the same expressions.

#![allow(clippy::float_cmp)]

mod common;

use common::rel_diff;
use magg_agg::{AggConfig, Column, ReadOptions, read_shard};
use serde_json::Value;
use std::fmt::Write;

/// (output, its YAML body, the numpy expression the reference evaluates on
/// the cell's float64 arrays).
const OUTPUTS: [(&str, &str, &str); 19] = [
    (
        "count",
        "function: len\n      source: h_ph\n      dtype: int32\n      fill_value: 0",
        "len(h_ph)",
    ),
    (
        "h_median",
        "function: median\n      source: h_ph",
        "np.median(h_ph)",
    ),
    (
        "h_std1",
        "function: std\n      source: h_ph\n      params: {ddof: 1}",
        "np.std(h_ph, ddof=1)",
    ),
    (
        "h_var2",
        "function: np.var\n      source: h_ph\n      params: {ddof: 2}",
        "np.var(h_ph, ddof=2)",
    ),
    ("h_var", "function: var\n      source: h_ph", "np.var(h_ph)"),
    (
        "h_p90",
        "function: percentile\n      source: h_ph\n      params: {q: 90}",
        "np.percentile(h_ph, 90)",
    ),
    (
        "h_q10",
        "function: quantile\n      source: h_ph\n      params: {q: 0.1}",
        "np.quantile(h_ph, 0.1)",
    ),
    (
        "h_wmean",
        "function: average\n      source: h_ph\n      params: {weights: w_ph}",
        "np.average(h_ph, weights=w_ph)",
    ),
    (
        "h_sum",
        "function: np.sum\n      source: h_ph",
        "np.sum(h_ph)",
    ),
    ("h_min", "function: min\n      source: h_ph", "np.min(h_ph)"),
    (
        "d_mean",
        "function: mean\n      expression: \"h_ph - e_ph\"",
        "np.mean(h_ph - e_ph)",
    ),
    (
        "d_median",
        "function: median\n      expression: \"np.abs(h_ph - e_ph)\"",
        "np.median(np.abs(h_ph - e_ph))",
    ),
    (
        "h_range",
        "expression: \"np.max(h_ph) - np.min(h_ph)\"",
        "np.max(h_ph) - np.min(h_ph)",
    ),
    (
        "h_iqr",
        "expression: \"np.quantile(h_ph, q=0.75) - np.percentile(h_ph, 25)\"",
        "np.quantile(h_ph, q=0.75) - np.percentile(h_ph, 25)",
    ),
    (
        "h_rms",
        "expression: \"np.sqrt(np.mean(h_ph**2))\"",
        "np.sqrt(np.mean(h_ph**2))",
    ),
    (
        "h_mad",
        "expression: \"np.median(np.abs(h_ph - np.median(h_ph)))\"",
        "np.median(np.abs(h_ph - np.median(h_ph)))",
    ),
    (
        "h_sem",
        "expression: \"np.std(h_ph, ddof=1) / np.sqrt(len(h_ph))\"",
        "np.std(h_ph, ddof=1) / np.sqrt(len(h_ph))",
    ),
    (
        "h_wavg",
        "expression: \"np.average(h_ph, weights=1.0 / w_ph**2)\"",
        "np.average(h_ph, weights=1.0 / w_ph**2)",
    ),
    (
        "h_soft",
        "expression: \"np.log(np.mean(np.exp((h_ph - np.min(h_ph)) / 100.0)))\"",
        "np.log(np.mean(np.exp((h_ph - np.min(h_ph)) / 100.0)))",
    ),
];

/// Outputs through `np.log` / `np.exp`: libm's, which may differ from
/// numpy's SIMD loops in the last bits.
const TRANSCENDENTAL: [&str; 1] = ["h_soft"];

/// Outputs with no rounding beyond numpy's own (counts, selections and
/// their differences): bit-identical, always.
const EXACT: [&str; 8] = [
    "count", "h_median", "h_p90", "h_q10", "h_min", "d_median", "h_range", "h_iqr",
];

fn config_yaml() -> String {
    let mut vars = String::new();
    for (name, body, _) in OUTPUTS {
        let body = if body.contains("dtype:") {
            body.to_string()
        } else {
            format!("{body}\n      dtype: float64")
        };
        writeln!(vars, "    {name}:\n      {body}").expect("write to a String");
    }
    format!(
        r#"# Upstream zagg grammar (atl03.yaml's filter form) on magg.
data_source:
  reader: h5coro
  driver: s3
  groups: [gt1l, gt2r]
  coordinates:
    latitude: "/{{group}}/heights/lat_ph"
    longitude: "/{{group}}/heights/lon_ph"
  variables:
    h_ph: "/{{group}}/heights/h_ph"
    w_ph: "/{{group}}/heights/w_ph"
    e_ph: "/{{group}}/heights/e_ph"
  filters:
    - dataset: "/{{group}}/heights/signal_conf_ph"
      column: 2
      op: ne
      value: -2
    - dataset: "/{{group}}/heights/signal_conf_ph"
      column: 0
      op: in
      values: [2, 3, 4]
    - dataset: "/{{group}}/heights/quality_ph"
      op: gt
      value: 1
      keep: false
aggregation:
  variables:
{vars}
output:
  grid:
    type: healpix
    indexing_scheme: nested
    parent_order: 6
    child_order: 10
"#
    )
}

const REFERENCE_PY: &str = r#"
import json, sys
import h5py
import numpy as np
import mortie

np.seterr(all="ignore")  # ddof >= n divides by zero, as numpy warns
shard, orders = np.uint64(int(sys.argv[1])), json.loads(sys.argv[2])
spec = json.loads(sys.argv[3])
files = sys.argv[4:]
names = ["lat_ph", "lon_ph"] + spec["vars"] + sorted({f[0] for f in spec["filters"]})
cols = {k: [] for k in names}
fills = {}
for path in files:
    with h5py.File(path, "r") as f:
        for beam in spec["groups"]:
            if beam not in f:
                continue
            g = f[beam]["heights"]
            for k in names:
                cols[k].append(g[k][...])
            # The documented rule: the `_FillValue` attribute in the data's
            # type, else the HDF5 fill value property.
            for k in spec["vars"]:
                d = g[k]
                fv = d.attrs["_FillValue"] if "_FillValue" in d.attrs else d.fillvalue
                fills[k] = np.asarray(fv).astype(d.dtype)
c = {k: np.concatenate(v) for k, v in cols.items()}
ops = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
       "gt": np.greater, "ge": np.greater_equal,
       "in": np.isin, "not_in": lambda a, v: ~np.isin(a, v)}
keep = np.ones(len(c["lat_ph"]), dtype=bool)
for ds, column, op, values, want in spec["filters"]:
    a = c[ds] if column is None else c[ds][:, column]
    hit = ops[op](a, values if op in ("in", "not_in") else values[0])
    keep &= hit if want else ~hit
stats = {"rejected_filters": int((~keep).sum())}
ok = keep.copy()
for k in spec["vars"]:
    ok &= (c[k] != fills[k]) & np.isfinite(c[k])
lat, lon = c["lat_ph"], c["lon_ph"]
ok2 = ok & np.isfinite(lat) & (np.abs(lat) <= 90) & np.isfinite(lon)
idx = np.flatnonzero(ok2)
child = spec["child"]
words = mortie.geo2mort(lat[idx], lon[idx], order=child)
inside = mortie.clip2order(6, words) == shard
idx, words = idx[inside], words[inside]
stats["kept"] = len(idx)
nested, _ = mortie.mort2healpix(words)
shard_nested, _ = mortie.mort2healpix(np.array([shard]))
local = nested.astype(np.int64) - (int(shard_nested[0]) << (2 * (child - 6)))
data = {k: c[k][idx].astype(np.float64) for k in spec["vars"]}
out = {"stats": stats}
for order in orders:
    cell = local >> (2 * (child - order))
    rows = []
    for cc in np.unique(cell):
        sel = cell == cc
        ns = {"np": np, "len": len, **{k: v[sel] for k, v in data.items()}}
        rows.append([int(cc)] + [repr(float(eval(e, {"__builtins__": {}}, ns))) for e in spec["exprs"]])
    out[str(order)] = rows
print(json.dumps(out))
"#;

/// The granules of `py/photons.py` around a shard, in a temporary folder.
fn photons() -> (tempfile::TempDir, u64, Vec<String>) {
    let (lat, lon) = (-75.0, 100.0);
    let shard = magg_morton::geo_to_morton(lat, lon, 6).unwrap();
    let dir = tempfile::tempdir().unwrap();
    magg_testkit::run_python(
        include_str!("py/photons.py"),
        &[
            &dir.path().display().to_string(),
            &lat.to_string(),
            &lon.to_string(),
        ],
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3);
    (dir, shard, files)
}

/// What the reference needs to know of a config: its beams, variables,
/// filters (dataset, column, op, numbers, keep) and child order, and the
/// numpy expression of each output (in output order).
struct Reference<'a> {
    groups: &'a [&'a str],
    vars: &'a [&'a str],
    filters: serde_json::Value,
    child: u8,
    outputs: &'a [(&'a str, &'a str)],
}

/// Runs `config` with `read_shard` on the photon granules and compares
/// every output of every cell, at the child order and two coarser ones,
/// with h5py + numpy + mortie. Outputs named in `exact` must be
/// bit-identical; the others within 1e-12 relative (1e-14 for
/// `TRANSCENDENTAL`). Returns (bit-identical, compared).
fn check_against_numpy(config: &AggConfig, r: &Reference<'_>, exact: &[&str]) -> (usize, usize) {
    let (_dir, shard, files) = photons();
    let rt = common::runtime();
    let out = rt
        .block_on(read_shard(shard, &files, config, &ReadOptions::default()))
        .unwrap();
    if let Some(g) = out.failed().next() {
        panic!("granule failed: {:?}", g.error);
    }
    let orders = [r.child, r.child - 2, 6];
    let spec = serde_json::json!({
        "groups": r.groups,
        "vars": r.vars,
        "filters": r.filters,
        "child": r.child,
        "exprs": r.outputs.iter().map(|(_, e)| *e).collect::<Vec<_>>(),
    });
    let mut args = vec![
        shard.to_string(),
        serde_json::to_string(&orders).unwrap(),
        spec.to_string(),
    ];
    args.extend(files.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let reference: Value =
        serde_json::from_str(&magg_testkit::run_python(REFERENCE_PY, &args)).unwrap();

    // The observations kept after the filters and each variable's own fill
    // value (the reader offers only the rows near the shard, so rejection
    // counts cover fewer rows than the reference's).
    let st = out.grouped.stats();
    assert_eq!(
        st.kept,
        reference["stats"]["kept"].as_u64().unwrap(),
        "{st:?}"
    );
    assert!(st.rejected_filters > 1000 && st.kept > 5000, "{st:?}");

    let (mut same_bits, mut total) = (0usize, 0usize);
    for order in orders {
        let grid = out.grouped.reduce(order).unwrap();
        let rows = reference[order.to_string()].as_array().unwrap();
        assert_eq!(grid.populated as usize, rows.len(), "order {order}");
        for row in rows {
            let row = row.as_array().unwrap();
            let cell = row[0].as_u64().unwrap() as usize;
            for (k, (name, _)) in r.outputs.iter().enumerate() {
                let want: f64 = row[k + 1].as_str().unwrap().parse().unwrap();
                let column = grid.column(name).unwrap();
                let want = match column {
                    Column::F32(_) => f64::from(want as f32),
                    _ => want,
                };
                let ours = column.get_f64(cell);
                let same = ours.to_bits() == want.to_bits() || (ours.is_nan() && want.is_nan());
                let tol = if TRANSCENDENTAL.contains(name) {
                    1e-14
                } else {
                    1e-12
                };
                assert!(
                    same || (!exact.contains(name) && rel_diff(ours, want) <= tol),
                    "order {order} cell {cell} {name}: ours {ours:e}, numpy {want:e}"
                );
                same_bits += usize::from(same);
                total += 1;
            }
        }
    }
    (same_bits, total)
}

#[test]
fn upstream_grammar_config_matches_numpy_end_to_end() {
    let config = AggConfig::from_yaml_str(&config_yaml()).unwrap_or_else(|e| panic!("{e}"));
    let outputs: Vec<(&str, &str)> = OUTPUTS.iter().map(|(n, _, e)| (*n, *e)).collect();
    let reference = Reference {
        groups: &["gt1l", "gt2r"],
        vars: &["h_ph", "w_ph", "e_ph"],
        filters: serde_json::json!([
            ["signal_conf_ph", 2, "ne", [-2], true],
            ["signal_conf_ph", 0, "in", [2, 3, 4], true],
            ["quality_ph", null, "gt", [1], false],
        ]),
        child: 10,
        outputs: &outputs,
    };
    let (exact, total) = check_against_numpy(&config, &reference, &EXACT);
    println!("grammar outputs bit-identical to numpy: {exact}/{total}");
    assert!(total > 500, "{total} values compared");
    assert!(exact * 10 >= total * 9, "{exact}/{total} exact");
}

#[test]
fn upstream_atl03_config_runs_with_a_healpix_grid() {
    // Upstream's atl03.yaml as it is, but for its rectilinear grid (not
    // supported yet): the 2-D `signal_conf_ph[:, 0] != -2` filter and the
    // median run on ATL03-layout granules.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/upstream/atl03.yaml"),
    )
    .unwrap();
    let (head, _) = text.split_once("\noutput:\n").unwrap();
    let text = format!(
        "{head}\noutput:\n  grid:\n    type: healpix\n    parent_order: 6\n    child_order: 11\n"
    );
    let config = AggConfig::from_yaml_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let reference = Reference {
        groups: &["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"],
        vars: &["h_ph"],
        filters: serde_json::json!([["signal_conf_ph", 0, "ne", [-2], true]]),
        child: 11,
        outputs: &[
            ("count", "len(h_ph)"),
            ("h_min", "np.min(h_ph)"),
            ("h_max", "np.max(h_ph)"),
            ("h_mean", "np.mean(h_ph)"),
            ("h_median", "np.median(h_ph)"),
            ("h_variance", "np.var(h_ph)"),
        ],
    };
    let (exact, total) = check_against_numpy(
        &config,
        &reference,
        &["count", "h_min", "h_max", "h_median"],
    );
    // float32 outputs: numpy's float64 result rounded to float32.
    assert_eq!(exact, total, "{exact}/{total} equal in float32");
}

#[test]
fn the_config_compiles_its_filters_in_order() {
    let yaml = config_yaml();
    let config = AggConfig::from_yaml_str(&yaml).unwrap();
    let plan = magg_agg::Plan::new(&config).unwrap();
    let names: Vec<&str> = plan.output_names().collect();
    assert_eq!(names.len(), OUTPUTS.len());
    assert_eq!(plan.filters().len(), 3);
    let p = config.paths_for_group("gt2r");
    assert_eq!(
        p.filters,
        [
            ("/gt2r/heights/signal_conf_ph".to_string(), Some(2)),
            ("/gt2r/heights/signal_conf_ph".to_string(), Some(0)),
            ("/gt2r/heights/quality_ph".to_string(), None),
        ]
    );
}

#[test]
fn wrong_dataset_shapes_fail_the_granule_naming_file_and_dataset() {
    let (_dir, shard, files) = photons();
    let rt = common::runtime();
    let base = config_yaml();
    let conf_filter = "    - dataset: \"/{group}/heights/signal_conf_ph\"\n      column: 2\n";
    assert!(base.contains(conf_filter));
    for (edit, message) in [
        (
            base.replacen(
                conf_filter,
                "    - dataset: \"/{group}/heights/signal_conf_ph\"\n",
                1,
            ),
            "a filter on a 2-D dataset needs `column:`",
        ),
        (
            base.replacen(
                conf_filter,
                "    - dataset: \"/{group}/heights/signal_conf_ph\"\n      column: 5\n",
                1,
            ),
            "outside the dataset's 0..5",
        ),
        (
            base.replacen(
                "      op: gt\n      value: 1\n",
                "      column: 0\n      op: gt\n      value: 1\n",
                1,
            ),
            "is only for 2-D datasets",
        ),
        (
            base.replacen(
                "    e_ph: \"/{group}/heights/e_ph\"",
                "    e_ph: \"/{group}/heights/signal_conf_ph\"",
                1,
            ),
            "coordinates and variables must be 1-D",
        ),
    ] {
        assert_ne!(edit, base, "the edit applies");
        let config = AggConfig::from_yaml_str(&edit).unwrap();
        let out = rt
            .block_on(read_shard(shard, &files, &config, &ReadOptions::default()))
            .unwrap();
        assert_eq!(out.failed().count(), files.len(), "{message}");
        for g in out.failed() {
            let e = g.error.as_ref().unwrap().to_string();
            assert!(e.contains(&g.url) && e.contains("/heights/"), "{e}");
            assert!(e.contains(message), "`{message}` not in {e}");
        }
    }
}
