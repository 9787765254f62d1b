//! Config loading: the built-in ATL06 default, upstream-shaped YAML, and
//! errors that name the key.

use magg_agg::{AggConfig, FillValue, Function, Plan};
use std::path::Path;

mod common;

use common::{atl06_with, expect_err, load};

#[test]
fn atl06_yaml_file_equals_builtin() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/atl06.yaml");
    let from_file = AggConfig::from_path(&path).unwrap();
    assert_eq!(from_file, AggConfig::atl06_default());
    assert_eq!(
        from_file.fingerprint(),
        AggConfig::atl06_default().fingerprint()
    );
    AggConfig::atl06_default().validate().unwrap();
}

#[test]
fn builtin_configs_load_by_name_and_plan() {
    for (name, _) in magg_agg::BUILTIN_CONFIGS {
        let config = AggConfig::load(name).unwrap();
        assert_eq!(config, AggConfig::builtin(name).unwrap().unwrap(), "{name}");
        Plan::new(&config).unwrap();
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("configs/{name}.yaml"));
        assert_eq!(AggConfig::load(&file).unwrap(), config, "{name}");
    }
    assert_eq!(
        AggConfig::load("atl06").unwrap(),
        AggConfig::atl06_default()
    );
    let gedi = AggConfig::load("gedi_l2a").unwrap();
    assert_eq!(gedi.data_source.groups.len(), 8);
    assert_eq!(
        gedi.data_source.coordinates.latitude,
        "/{group}/lat_lowestmode"
    );
    let err = AggConfig::load("atl99").unwrap_err().to_string();
    assert!(err.contains("atl99") && err.contains("gedi_l2a"), "{err}");
}

#[test]
fn atl06_plan_has_the_nine_outputs() {
    let plan = Plan::new(&AggConfig::atl06_default()).unwrap();
    let names: Vec<&str> = plan.output_names().collect();
    assert_eq!(
        names,
        [
            "count",
            "h_min",
            "h_max",
            "h_mean",
            "h_sigma",
            "h_variance",
            "h_q25",
            "h_q50",
            "h_q75"
        ]
    );
    assert_eq!(plan.sources(), ["h_li", "s_li"]);
    assert_eq!((plan.parent_order(), plan.child_order()), (6, 12));
    assert_eq!(
        plan.filters(),
        [magg_agg::RowFilter {
            op: magg_agg::FilterOp::Eq,
            values: vec![0.0],
            keep: true
        }]
    );
    let (_, fill) = plan.output_types().next().unwrap();
    assert_eq!(fill, FillValue::I32(0));
    let (_, fill) = plan.output_types().nth(1).unwrap();
    assert_eq!(fill, FillValue::F32(f32::NAN));
}

#[test]
fn group_paths_substitute_the_group() {
    let p = AggConfig::atl06_default().paths_for_group("gt2r");
    assert_eq!(p.latitude, "/gt2r/land_ice_segments/latitude");
    assert_eq!(p.variables[1], "/gt2r/land_ice_segments/h_li_sigma");
    assert_eq!(
        p.filters,
        [(
            "/gt2r/land_ice_segments/atl06_quality_summary".to_string(),
            None
        )]
    );
}

#[test]
fn upstream_only_keys_are_accepted_and_do_not_change_the_fingerprint() {
    let text = atl06_with(
        "data_source:\n",
        "data_source:\n  reader: h5coro\n  driver: s3\n",
    )
    .replacen("aggregation:\n", "aggregation:\n  handoff: arrow\n", 1);
    let c = load(&text).unwrap();
    assert_eq!(c.data_source.reader.as_deref(), Some("h5coro"));
    assert_eq!(c.fingerprint(), AggConfig::atl06_default().fingerprint());
}

#[test]
fn fingerprint_ignores_spelling_but_not_meaning() {
    let base = AggConfig::atl06_default().fingerprint();
    assert!(base.starts_with("sha256:") && base.len() == 7 + 64);
    // Same meaning: other spacing, no `np.`, explicit default fill, comments.
    let same = atl06_with(
        "\"1.0 / np.sqrt(np.sum(1.0 / s_li**2))\"",
        "\"1/sqrt(sum(1/s_li ** 2))\"",
    )
    .replacen(
        "      source: h_li\n      dtype: float32\n",
        "      source: h_li\n      dtype: float32\n      fill_value: NaN # default\n",
        1,
    )
    .replacen(
        "output:\n",
        "output:\n  all_observations: false # default\n",
        1,
    );
    assert_eq!(load(&same).unwrap().fingerprint(), base);
    for (from, to) in [
        ("q: 0.25", "q: 0.2"),
        ("value: 0", "value: 1"),
        ("child_order: 12", "child_order: 11"),
        ("h_li_sigma", "sigma_geo_h"),
        ("1.0 / s_li**2", "1.0 / s_li"),
        ("dtype: int32", "dtype: int64"),
        ("output:\n", "output:\n  all_observations: true\n"),
    ] {
        assert_ne!(
            load(&atl06_with(from, to)).unwrap().fingerprint(),
            base,
            "{from} -> {to}"
        );
    }
    // Pinned: the canonical form must not drift silently between versions,
    // or stores written before would refuse (or worse, accept) new runs.
    assert_eq!(
        base,
        // (changed when `output.all_observations` joined the canonical form:
        // stores made before the one region rule must not be resumed)
        "sha256:9f7389d81dc1abdc0edb877c62bbe3521af707b9deb3434d718d87eb24a1e6d6"
    );
}

#[test]
fn unknown_keys_are_errors_naming_the_key() {
    expect_err(
        &atl06_with("weights:", "weight:"),
        "aggregation.variables.h_mean.params.weight",
        "unknown field `weight`",
    );
    expect_err(
        &atl06_with("  grid:\n", "  grid:\n    crs: EPSG:3031\n"),
        "output.grid.crs",
        "not a key of a healpix grid",
    );
    expect_err(
        &atl06_with("  grid:\n", "  grid:\n    bogus: 1\n"),
        "output.grid.bogus",
        "unknown field `bogus`",
    );
    expect_err(
        &format!("{}\nextra: 1\n", magg_agg::ATL06_YAML),
        "extra",
        "unknown field `extra`",
    );
    expect_err(
        &atl06_with(
            "    h_min:\n      function: min\n",
            "    h_min:\n      function: min\n      sorce: h_li\n",
        ),
        "aggregation.variables.h_min.sorce",
        "unknown field `sorce`",
    );
}

#[test]
fn wrong_types_and_values_are_errors_naming_the_key() {
    expect_err(
        &atl06_with("child_order: 12", "child_order: twelve"),
        "output.grid.child_order",
        "invalid type",
    );
    expect_err(
        &atl06_with("function: min", "function: nanmedian"),
        "aggregation.variables.h_min.function",
        "unknown variant `nanmedian`",
    );
    expect_err(
        &atl06_with("dtype: int32", "dtype: int8"),
        "aggregation.variables.count.dtype",
        "unknown variant `int8`",
    );
    expect_err(
        &atl06_with("type: healpix", "type: rectilinear"),
        "output.grid.indexing_scheme",
        "not a key of a rectilinear grid",
    );
    expect_err(
        &atl06_with("type: healpix", "type: hexagonal"),
        "output.grid.type",
        "unknown variant `hexagonal`",
    );
    expect_err(
        &atl06_with(
            "groups: [gt1l, gt1r, gt2l, gt2r, gt3l, gt3r]",
            "groups: gt1l",
        ),
        "data_source.groups",
        "invalid type",
    );
    expect_err(
        &atl06_with("fill_value: 0\n    h_min", "fill_value: none\n    h_min"),
        "aggregation.variables.count.fill_value",
        "a number or \"NaN\"",
    );
    expect_err(
        &atl06_with("    h_max:\n", "    h_min:\n"),
        "aggregation.variables",
        "duplicate name `h_min`",
    );
}

#[test]
fn semantic_errors_name_the_key() {
    let sigma = "\"1.0 / np.sqrt(np.sum(1.0 / s_li**2))\"";
    expect_err(
        &atl06_with(sigma, "\"1.0 / np.log10(np.sum(1.0 / s_li**2))\""),
        "aggregation.variables.h_sigma.expression",
        "unknown function `np.log10`",
    );
    expect_err(
        &atl06_with(sigma, "\"1.0 / np.sqrt(1.0 / s_li**2)\""),
        "aggregation.variables.h_sigma.expression",
        "one value per observation",
    );
    expect_err(
        &atl06_with(sigma, "\"1.0 / sqrt(sum(1.0 / sigma**2))\""),
        "aggregation.variables.h_sigma.expression",
        "unknown name `sigma`",
    );
    expect_err(
        &atl06_with("\"1.0 / s_li**2\"", "\"1.0 / (s_li**2\""),
        "aggregation.variables.h_mean.params.weights",
        "expected `)`",
    );
    expect_err(
        &atl06_with("\"1.0 / s_li**2\"", "\"sum(s_li)\""),
        "aggregation.variables.h_mean.params.weights",
        "one weight per observation",
    );
    expect_err(
        &atl06_with("q: 0.25", "q: 25"),
        "aggregation.variables.h_q25.params.q",
        "outside [0, 1]",
    );
    expect_err(
        &atl06_with("        q: 0.25\n", "        weights: s_li\n"),
        "aggregation.variables.h_q25.params.weights",
        "only used by function `average`",
    );
    expect_err(
        &atl06_with("      params:\n        q: 0.25\n", ""),
        "aggregation.variables.h_q25.params.q",
        "missing",
    );
    expect_err(
        &atl06_with(
            "function: min\n      source: h_li",
            "function: min\n      source: h_lo",
        ),
        "aggregation.variables.h_min.source",
        "`h_lo` is not in data_source.variables",
    );
    expect_err(
        &atl06_with("function: min\n      source: h_li", "function: min"),
        "aggregation.variables.h_min.source",
        "missing",
    );
    expect_err(
        &atl06_with(
            "function: min\n      source: h_li",
            "function: min\n      source: h_li\n      expression: h_li * 2",
        ),
        "aggregation.variables.h_min.expression",
        "not both",
    );
    expect_err(
        &atl06_with(
            "function: min\n      source: h_li",
            "function: min\n      expression: sum(h_li)",
        ),
        "aggregation.variables.h_min.expression",
        "one value per cell",
    );
    expect_err(
        &atl06_with("    h_sigma:\n", "    h_sigma:\n      source: s_li\n"),
        "aggregation.variables.h_sigma.source",
        "only used with a `function`",
    );
    expect_err(
        &atl06_with(
            "    h_min:\n      function: min\n      source: h_li\n",
            "    h_min:\n      source: h_li\n",
        ),
        "aggregation.variables.h_min",
        "needs a `function`",
    );
    expect_err(
        &atl06_with(
            "dtype: int32\n      fill_value: 0",
            "dtype: int32\n      fill_value: NaN",
        ),
        "aggregation.variables.count.fill_value",
        "not an integer",
    );
    expect_err(
        &atl06_with(
            "dtype: int32\n      fill_value: 0",
            "dtype: uint32\n      fill_value: -1",
        ),
        "aggregation.variables.count.fill_value",
        "does not fit in uint32",
    );
    expect_err(
        &atl06_with("parent_order: 6", "parent_order: 13"),
        "output.grid.parent_order",
        "finer than child_order",
    );
    expect_err(
        &atl06_with("child_order: 12", "child_order: 19"),
        "output.grid.child_order",
        "at most 12 orders",
    );
    expect_err(
        &atl06_with("child_order: 12", "child_order: 30"),
        "output.grid.child_order",
        "finest order 29",
    );
    expect_err(
        &atl06_with("    morton:\n", "    cell_idx:\n"),
        "aggregation.coordinates.cell_idx",
        "unknown coordinate",
    );
    expect_err(
        &atl06_with("    s_li:", "    sqrt:"),
        "data_source.variables.sqrt",
        "cannot name a source variable",
    );
    expect_err(
        &atl06_with("    h_q75:", "    morton:"),
        "aggregation.variables.morton",
        "cannot name an output array",
    );
    expect_err(
        &atl06_with("groups: [gt1l, gt1r, gt2l, gt2r, gt3l, gt3r]", "groups: []"),
        "data_source.groups",
        "at least one group",
    );
}

#[test]
fn other_functions_and_expression_inputs_load() {
    let text = atl06_with(
        "    h_q75:\n",
        "    h_sum:\n      function: sum\n      expression: h_li * 2\n      dtype: float64\n    \
         h_std:\n      function: std\n      source: h_li\n      dtype: float64\n    \
         s_sigma:\n      function: sigma\n      source: s_li\n      dtype: float32\n    \
         n:\n      function: count\n      dtype: uint64\n    \
         h_avg:\n      function: average\n      source: h_li\n      dtype: float32\n    \
         h_q75:\n",
    );
    let c = load(&text).unwrap();
    let f = |n: &str| c.aggregation.variables.get(n).unwrap().function;
    assert_eq!(f("h_sum"), Some(Function::Sum));
    assert_eq!(f("n"), Some(Function::Count));
    assert_eq!(Plan::new(&c).unwrap().output_names().count(), 14);
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, atl06_with("q: 0.25", "q: 2.5")).unwrap();
    let err = AggConfig::from_path(&path).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
    assert!(
        err.contains("aggregation.variables.h_q25.params.q"),
        "{err}"
    );
    let err = AggConfig::from_path(dir.path().join("missing.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing.yaml") && err.contains("cannot read"),
        "{err}"
    );
}
