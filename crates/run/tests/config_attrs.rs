//! A config in the upstream grammar (the quality flag as a `filters` item,
//! `median`, `std` with `ddof`, a numpy expression, per-variable `attrs`) runs
//! through the local executor into a Zarr store whose arrays carry the
//! attributes, as zarr-python reads them.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use magg_agg::AggConfig;
use magg_run::{
    ExecOptions, GranuleSource, LocalWorker, Selection, Task, execute, plan, store_spec,
};
use magg_store::{CreateMode, OutputStore};

const CONFIG: &str = r#"
data_source:
  groups: [gt1l, gt1r, gt2l, gt2r, gt3l, gt3r]
  coordinates:
    latitude: "/{group}/land_ice_segments/latitude"
    longitude: "/{group}/land_ice_segments/longitude"
  variables:
    h_li: "/{group}/land_ice_segments/h_li"
  filters:
    - dataset: "/{group}/land_ice_segments/atl06_quality_summary"
      op: eq
      value: 0
aggregation:
  variables:
    count:
      function: len
      source: h_li
      dtype: int32
      fill_value: 0
      attrs: {units: "1", long_name: observations per cell}
    h_median:
      function: np.median
      source: h_li
      dtype: float32
      attrs:
        units: m
        long_name: median land-ice height
        provenance: {product: ATL06, version: 6}
    h_std:
      function: std
      source: h_li
      params: {ddof: 1}
      dtype: float32
    h_range:
      expression: "np.max(h_li) - np.min(h_li)"
      dtype: float32
      attrs: {units: m}
output:
  grid: {type: healpix, parent_order: 6, child_order: 12}
"#;

const READ_ATTRS: &str = r#"
import json, sys
import numpy as np
import zarr
g = zarr.open_group(sys.argv[1], mode="r")["12"]
out = {name: dict(g[name].attrs) for name in ("count", "h_median", "h_std", "h_range")}
out["count_sum"] = int(np.asarray(g["count"][:]).sum())
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grammar_config_runs_and_its_attrs_reach_the_store() {
    let config = AggConfig::from_yaml_str(CONFIG).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("out.zarr");
    let store_path = store_path.to_str().unwrap();
    let spec = store_spec(&config, &[], serde_json::Map::new()).unwrap();
    let store = Arc::new(
        OutputStore::create(store_path, &spec, CreateMode::New)
            .await
            .unwrap(),
    );
    let worker = Arc::new(LocalWorker::new(config, store).unwrap());
    let granules: Vec<GranuleSource> = magg_testkit::sample_granules()
        .iter()
        .map(|p| GranuleSource {
            id: p.file_name().unwrap().to_string_lossy().into_owned(),
            url: p.to_string_lossy().into_owned(),
        })
        .collect();
    let task = Task {
        shard: magg_morton::encode(6, 32776).unwrap(),
        granules,
        region: magg_agg::ShardRegion::Whole,
    };
    let opts = ExecOptions {
        workers: 1,
        quiet: true,
        store: store_path.to_string(),
    };
    let report = execute(
        plan(vec![task], &Selection::default()),
        worker,
        &opts,
        vec![],
        Arc::new(AtomicBool::new(false)),
    )
    .await;
    assert_eq!(report.totals.errors, 0, "{}", report.summary());

    let out: serde_json::Value =
        serde_json::from_str(&magg_testkit::run_python(READ_ATTRS, &[store_path])).unwrap();
    assert_eq!(out["h_median"]["units"], "m");
    assert_eq!(out["h_median"]["long_name"], "median land-ice height");
    assert_eq!(out["h_median"]["provenance"]["version"], 6);
    assert_eq!(out["h_median"]["function"], "median");
    assert_eq!(out["count"]["long_name"], "observations per cell");
    assert_eq!(out["h_range"]["units"], "m");
    assert_eq!(out["h_range"]["expression"], "np.max(h_li) - np.min(h_li)");
    assert!(out["h_std"].get("units").is_none());
    // Every observation is counted once.
    assert_eq!(out["count_sum"].as_u64(), Some(report.totals.observations));
    assert!(report.totals.observations > 1000);
}
