//! The upstream system's configs (verbatim copies in
//! `configs/upstream/`, sources in its README): the ones whose features magg
//! has load; the others are refused at the first unsupported key, naming it
//! and saying why.

use magg_agg::{AggConfig, FilterOp, Function, Plan, RowFilter};
use std::path::{Path, PathBuf};

fn upstream(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs/upstream")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(upstream(name)).unwrap()
}

#[track_caller]
fn refused(name: &str, key: &str, reason: &str) {
    let e = AggConfig::from_path(upstream(name)).expect_err("refused");
    let shown = e.to_string();
    assert_eq!(e.key(), Some(key), "{shown}");
    assert!(shown.contains(name), "names the file: {shown}");
    assert!(shown.contains(reason), "`{reason}` not in: {shown}");
}

/// `text` with its `output:` section replaced by a HEALPix grid.
fn with_healpix_output(text: &str, parent: u8, child: u8) -> String {
    let (head, _) = text.split_once("\noutput:\n").expect("an output section");
    format!(
        "{head}\noutput:\n  grid:\n    type: healpix\n    parent_order: {parent}\n    child_order: {child}\n"
    )
}

/// Upstream's polar config (EPSG:3031, 5 km, ±3,200 km, 256 × 256 tiles)
/// loads as is: a rectilinear grid of 5 × 5 tiles, the same statistics as
/// upstream's atl06.yaml, a fingerprint of its own.
#[test]
fn the_polar_config_loads_with_its_rectilinear_grid() {
    let c = AggConfig::from_path(upstream("atl06_polar.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.output.healpix().is_none());
    let plan = Plan::new(&c).unwrap();
    assert!(!plan.is_healpix());
    assert_eq!(plan.grid().n_shards(), 25);
    assert_eq!(plan.grid().cells_per_shard(), 256 * 256);
    let healpix = AggConfig::from_path(upstream("atl06.yaml")).unwrap();
    assert_ne!(c.fingerprint(), healpix.fingerprint());
    // Another resolution is another fingerprint.
    let finer = AggConfig::from_yaml_str(
        &text("atl06_polar.yaml").replace("resolution: 5000 ", "resolution: 2500 "),
    )
    .unwrap();
    assert_ne!(c.fingerprint(), finer.fingerprint());
    // Bad values name their key.
    for (from, to, key) in [
        ("crs: EPSG:3031", "crs: EPSG:3032", "output.grid.crs"),
        (
            "resolution: 5000 ",
            "resolution: -5 ",
            "output.grid.resolution",
        ),
        (
            "chunk_shape: [256, 256]",
            "chunk_shape: [256]",
            "output.grid.chunk_shape",
        ),
        (
            "bounds: [-3200000, -3200000,",
            "bounds: [3200000, -3200000,",
            "output.grid.bounds",
        ),
    ] {
        let e = AggConfig::from_yaml_str(&text("atl06_polar.yaml").replace(from, to)).unwrap_err();
        assert_eq!(e.key(), Some(key), "{to}: {e}");
    }
}

#[test]
fn atl06_configs_load() {
    for name in ["atl06.yaml", "atl06_nullable.yaml"] {
        let c = AggConfig::from_path(upstream(name)).unwrap_or_else(|e| panic!("{e}"));
        Plan::new(&c).unwrap();
    }
    // Upstream's atl06.yaml differs from magg's default only in the count's
    // dtype (int64) and the ignored keys.
    let up = AggConfig::from_path(upstream("atl06.yaml")).unwrap();
    let magg =
        AggConfig::from_yaml_str(&magg_agg::ATL06_YAML.replacen("dtype: int32", "dtype: int64", 1))
            .unwrap();
    assert_eq!(up.fingerprint(), magg.fingerprint());
    // The nullable one has no quality filter and two coordinates.
    let n = AggConfig::from_path(upstream("atl06_nullable.yaml")).unwrap();
    assert!(Plan::new(&n).unwrap().filters().is_empty());
    assert_eq!(n.aggregation.coordinates.len(), 2);
}

#[test]
fn the_notebooks_median_config_loads() {
    let c = AggConfig::from_path(upstream("custom_aggregations_median.yaml")).unwrap();
    let f = c.aggregation.variables.get("h_median").unwrap().function;
    assert_eq!(f, Some(Function::Median));
    assert_eq!(
        c.output.healpix().unwrap().parent_order,
        6,
        "the default parent order"
    );
}

#[test]
fn atl03_runs_its_filter_and_median_on_a_healpix_grid() {
    refused(
        "atl03.yaml",
        "output.grid.crs",
        "\"EPSG:4326\" is not a supported CRS (supported: EPSG:3031, EPSG:3413)",
    );
    let c = AggConfig::from_yaml_str(&with_healpix_output(&text("atl03.yaml"), 6, 12)).unwrap();
    let plan = Plan::new(&c).unwrap();
    assert_eq!(
        plan.filters(),
        [RowFilter {
            op: FilterOp::Ne,
            values: vec![-2.0],
            keep: true
        }]
    );
    assert_eq!(
        c.paths_for_group("gt3r").filters,
        [("/gt3r/heights/signal_conf_ph".to_string(), Some(0))]
    );
    assert_eq!(
        plan.output_names().collect::<Vec<_>>(),
        [
            "count",
            "h_min",
            "h_max",
            "h_mean",
            "h_median",
            "h_variance"
        ]
    );
}

#[test]
fn unsupported_upstream_features_are_refused_naming_key_and_reason() {
    refused(
        "atl03_waveform_counts.yaml",
        "aggregation.variables.waveform_counts.kind",
        "non-scalar outputs",
    );
    refused(
        "atl03_scalar_healpix_o11.yaml",
        "output.grid.chunk_inner",
        "store layout is fixed",
    );
}

#[test]
fn atl03_multi_level_config_loads_with_its_segment_link() {
    // Without the inner chunking (magg's store layout is fixed) it loads,
    // and its read plan is the segment -> photon link.
    let t = text("atl03_scalar_healpix_o11.yaml");
    let c = AggConfig::from_yaml_str(&with_healpix_output(&t, 11, 19))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.output.healpix().map(|h| (h.parent_order, h.child_order)),
        Some((11, 19))
    );
    let link = c.link_plan().expect("a linked read");
    assert_eq!(link.latitude, "/{group}/geolocation/reference_photon_lat");
    assert_eq!(link.longitude, "/{group}/geolocation/reference_photon_lon");
    assert_eq!(link.index_beg, "/{group}/geolocation/ph_index_beg");
    assert_eq!(link.count, "/{group}/geolocation/segment_ph_cnt");
    assert_eq!((link.index_base, link.pad), (1, 1));
    let paths = c.paths_for_group("gt1r");
    assert_eq!(paths.latitude, "/gt1r/heights/lat_ph");
    assert_eq!(
        paths.link.unwrap().index_beg,
        "/gt1r/geolocation/ph_index_beg"
    );
    // The catalog reads the segments; the fingerprint ignores how rows are found.
    let (lat, _, margin) = c.spatial_coordinates();
    assert_eq!(lat, "/{group}/geolocation/reference_photon_lat");
    assert!(margin > 0.0);
    let mut plain = c.clone();
    plain.data_source.levels = magg_agg::Named::default();
    plain.data_source.base_level = None;
    plain.data_source.read_plan = None;
    assert_eq!(plain.fingerprint(), c.fingerprint());
}
