//! The grammar's validation (every refusal names the key) and the
//! fingerprint's one-spelling-per-meaning rules for the new keys.

use magg_agg::AggConfig;

mod common;

use common::{atl06_with, expect_err, load};

const QUALITY: &str = "  quality_filter:\n    dataset: \"/{group}/land_ice_segments/atl06_quality_summary\"\n    value: 0\n";

/// The ATL06 config with its quality filter replaced by `filters` items.
fn with_filters(items: &str) -> String {
    atl06_with(QUALITY, &format!("  filters:\n{items}"))
}

fn fp(text: &str) -> String {
    load(text).unwrap_or_else(|e| panic!("{e}")).fingerprint()
}

#[test]
fn filter_errors_name_the_key() {
    let q = "    - dataset: \"/{group}/land_ice_segments/atl06_quality_summary\"\n";
    expect_err(
        &atl06_with(
            QUALITY,
            &format!("{QUALITY}  filters:\n{q}      op: eq\n      value: 0\n"),
        ),
        "data_source.filters",
        "either `quality_filter` or `filters`",
    );
    expect_err(
        &with_filters(&format!("{q}      op: eq\n")),
        "data_source.filters[0].value",
        "missing: op `eq` needs `value: ...`",
    );
    expect_err(
        &with_filters(&format!("{q}      op: in\n      value: 0\n")),
        "data_source.filters[0].value",
        "compares with a list",
    );
    expect_err(
        &with_filters(&format!("{q}      op: lt\n      values: [0, 1]\n")),
        "data_source.filters[0].value",
        "compares with one number",
    );
    expect_err(
        &with_filters(&format!("{q}      op: not_in\n      values: []\n")),
        "data_source.filters[0].values",
        "empty",
    );
    expect_err(
        &with_filters(&format!("{q}      op: eq\n      value: .nan\n")),
        "data_source.filters[0].value",
        "NaN never compares equal",
    );
    expect_err(
        &with_filters(&format!("{q}      op: approx\n      value: 0\n")),
        "data_source.filters[0].op",
        "unknown variant `approx`",
    );
    expect_err(
        &with_filters(&format!("{q}      op: eq\n      value: zero\n")),
        "data_source.filters[0].value",
        "a number, or a list of numbers",
    );
    expect_err(
        &with_filters(&format!(
            "{q}      column: -1\n      op: eq\n      value: 0\n"
        )),
        "data_source.filters[0].column",
        "expected u64",
    );
    expect_err(
        &with_filters(&format!(
            "{q}      level: segments\n      op: eq\n      value: 0\n"
        )),
        "data_source.filters[0].level",
        "a filter's `level` is not supported",
    );
    expect_err(
        &with_filters("    - expression: \"h_li > 0\"\n"),
        "data_source.filters[0].expression",
        "expression filters are not supported",
    );
    expect_err(
        &with_filters(&format!(
            "{q}      op: eq\n      value: 0\n    - op: eq\n      value: 1\n"
        )),
        "data_source.filters[1]",
        "missing field `dataset`",
    );
}

#[test]
fn function_and_params_errors_name_the_key() {
    expect_err(
        &atl06_with(
            "function: var\n      source: h_li",
            "function: var\n      source: h_li\n      params:\n        q: 0.5",
        ),
        "aggregation.variables.h_variance.params.q",
        "only used by function `quantile` / `percentile`, not `var`",
    );
    expect_err(
        &atl06_with("q: 0.25", "ddof: 1"),
        "aggregation.variables.h_q25.params.ddof",
        "only used by function `var` / `std`, not `quantile`",
    );
    expect_err(
        &atl06_with(
            "function: var\n      source: h_li",
            "function: var\n      source: h_li\n      params:\n        ddof: .inf",
        ),
        "aggregation.variables.h_variance.params.ddof",
        "not a finite number",
    );
    expect_err(
        &atl06_with(
            "function: quantile\n      source: h_li\n      params:\n        q: 0.25",
            "function: percentile\n      source: h_li\n      params:\n        q: 125",
        ),
        "aggregation.variables.h_q25.params.q",
        "outside [0, 100]",
    );
    expect_err(
        &atl06_with(
            "function: quantile\n      source: h_li\n      params:\n        q: 0.25",
            "function: percentile\n      source: h_li",
        ),
        "aggregation.variables.h_q25.params.q",
        "function `percentile` needs",
    );
    expect_err(
        &atl06_with(
            "function: min",
            "function: zagg.stats.tdigest.build_tdigest",
        ),
        "aggregation.variables.h_min.function",
        "unknown variant",
    );
    expect_err(
        &atl06_with("q: 0.25", "q: 0.25\n        method: nearest"),
        "aggregation.variables.h_q25.params.method",
        "unknown field `method`",
    );
    expect_err(
        &atl06_with(
            "\"1.0 / np.sqrt(np.sum(1.0 / s_li**2))\"",
            "\"np.quantile(h_li, [0.1, 0.9])\"",
        ),
        "aggregation.variables.h_sigma.expression",
        "at column",
    );
}

#[test]
fn attrs_go_through_unless_reserved() {
    let with = |attrs: &str| {
        atl06_with(
            "    h_min:\n      function: min\n",
            &format!("    h_min:\n      attrs:\n{attrs}      function: min\n"),
        )
    };
    let c = load(&with(
        "        units: m\n        long_name: minimum height\n        valid_range: [-500, 9000]\n",
    ))
    .unwrap();
    let a = &c.aggregation.variables.get("h_min").unwrap().attrs;
    assert_eq!(a.get("units"), Some(&serde_json::json!("m")));
    assert_eq!(a.get("valid_range"), Some(&serde_json::json!([-500, 9000])));
    for reserved in [
        "_FillValue",
        "scale_factor",
        "add_offset",
        "coordinates",
        "function",
    ] {
        expect_err(
            &with(&format!("        {reserved}: 1\n")),
            &format!("aggregation.variables.h_min.attrs.{reserved}"),
            "reserved",
        );
    }
    expect_err(
        &with("        units:\n"),
        "aggregation.variables.h_min.attrs.units",
        "has no value",
    );
}

#[test]
fn upstream_only_keys_are_refused_with_a_reason() {
    for (from, to, key, why) in [
        (
            "    h_min:\n      function: min\n",
            "    h_min:\n      kind: vector\n      function: min\n",
            "aggregation.variables.h_min.kind",
            "non-scalar outputs",
        ),
        (
            "aggregation:\n",
            "aggregation:\n  chunk_precompute: {}\n",
            "aggregation.chunk_precompute",
            "per cell",
        ),
        (
            "output:\n",
            "catalog: shardmap.json\noutput:\n",
            "catalog",
            "magg run --catalog",
        ),
        (
            "  grid:\n",
            "  store: out.zarr\n  grid:\n",
            "output.store",
            "magg run --store",
        ),
        (
            "    child_order: 12\n",
            "    child_order: 12\n    chunk_inner: 13\n",
            "output.grid.chunk_inner",
            "one chunk per shard",
        ),
    ] {
        expect_err(&atl06_with(from, to), key, why);
    }
}

#[test]
fn the_fingerprint_has_one_spelling_per_meaning() {
    let base = AggConfig::atl06_default().fingerprint();
    let q = "    - dataset: \"/{group}/land_ice_segments/atl06_quality_summary\"\n";
    // A `filters` list holding the quality flag's `eq` is the quality filter.
    assert_eq!(
        fp(&with_filters(&format!("{q}      op: eq\n      value: 0\n"))),
        base
    );
    assert_eq!(
        fp(&with_filters(&format!(
            "{q}      op: ne\n      value: 0\n      keep: false\n"
        ))),
        base
    );
    assert_eq!(
        fp(&with_filters(&format!(
            "{q}      op: eq\n      value: 0.0\n      keep: true\n"
        ))),
        base
    );
    assert_ne!(
        fp(&with_filters(&format!("{q}      op: ne\n      value: 0\n"))),
        base
    );
    assert_ne!(
        fp(&with_filters(&format!("{q}      op: le\n      value: 0\n"))),
        base
    );
    // numpy spellings of functions; `ddof: 0`; `np.` in expressions.
    assert_eq!(fp(&atl06_with("function: var", "function: np.var")), base);
    assert_eq!(
        fp(&atl06_with("function: min", "function: numpy.min")),
        base
    );
    assert_eq!(
        fp(&atl06_with(
            "function: var\n      source: h_li",
            "function: var\n      source: h_li\n      params: {ddof: 0}"
        )),
        base
    );
    assert_ne!(
        fp(&atl06_with(
            "function: var\n      source: h_li",
            "function: var\n      source: h_li\n      params: {ddof: 1}"
        )),
        base
    );
    // Attributes do not change results.
    assert_eq!(
        fp(&atl06_with(
            "    h_min:\n      function: min\n",
            "    h_min:\n      attrs: {units: m}\n      function: min\n"
        )),
        base
    );
    // Several filters: order, `in` list order and duplicates, `keep: false`
    // of `in` do not count; a column does.
    let conf = "    - dataset: /{group}/heights/signal_conf_ph\n";
    let listed = with_filters(&format!(
        "{q}      op: eq\n      value: 0\n{conf}      column: 0\n      op: in\n      values: [3, 4, 2]\n"
    ));
    let reordered = with_filters(&format!(
        "{conf}      column: 0\n      op: not_in\n      value: [2, 4, 3, 3]\n      keep: false\n{q}      op: eq\n      value: 0\n"
    ));
    let other_column = with_filters(&format!(
        "{conf}      column: 1\n      op: in\n      values: [2, 3, 4]\n{q}      op: eq\n      value: 0\n"
    ));
    assert_eq!(fp(&listed), fp(&reordered));
    assert_ne!(fp(&listed), fp(&other_column));
    assert_ne!(fp(&listed), base);
    // Expressions: keyword or positional `q`, `ddof=0`, `np.average` without weights.
    let sigma = "\"1.0 / np.sqrt(np.sum(1.0 / s_li**2))\"";
    let e = |t: &str| fp(&atl06_with(sigma, &format!("\"{t}\"")));
    assert_eq!(
        e("np.quantile(h_li, q=0.5)"),
        e("numpy.quantile(h_li, 0.5)")
    );
    assert_eq!(e("np.std(h_li, ddof=0)"), e("np.std(h_li)"));
    assert_eq!(e("np.average(h_li)"), e("np.mean(h_li)"));
    assert_ne!(e("np.std(h_li, ddof=1)"), e("np.std(h_li)"));
    assert_ne!(e("np.median(h_li)"), e("np.quantile(h_li, 0.5)"));
}

#[test]
fn the_fuzz_seeds_load_or_are_refused_as_documented() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/config_yaml");
    for (name, refused_at) in [
        ("atl06.yaml", None),
        ("grammar.yaml", None),
        ("upstream_atl03.yaml", Some("output.grid.crs")),
        (
            "upstream_atl03_levels.yaml",
            Some("output.grid.chunk_inner"),
        ),
    ] {
        let got = AggConfig::from_path(dir.join(name));
        match (refused_at, got) {
            (None, Ok(c)) => {
                magg_agg::Plan::new(&c).unwrap();
            }
            (Some(key), Err(e)) => assert_eq!(e.key(), Some(key), "{name}: {e}"),
            (want, got) => panic!("{name}: expected refusal at {want:?}, got {got:?}"),
        }
    }
}
