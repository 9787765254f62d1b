//! End to end on the libhdf5-written sample granules: plan → local executor
//! → Zarr store, checked cell by cell against an independent h5py + numpy +
//! mortie reference that also reads the store with zarr-python, xarray and
//! xdggs (`tests/reference.py`); and a config in the upstream grammar whose
//! `attrs` zarr-python finds on the store's arrays.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use magg_agg::AggConfig;
use magg_run::{
    ExecOptions, GranuleSource, LocalWorker, Selection, Task, execute, plan, store_spec,
};
use magg_store::{CreateMode, OutputStore};

/// Order-6 nested ids of the sample's shards: two at the pole hole, one
/// over the Amery ice shelf (see shared/data/SOURCES.md).
const SHARDS: [u64; 3] = [32771, 32776, 33075];

fn tasks() -> Vec<Task> {
    let granules: Vec<GranuleSource> = magg_testkit::sample_granules()
        .iter()
        .map(|p| GranuleSource {
            id: p.file_name().unwrap().to_string_lossy().into_owned(),
            url: p.to_string_lossy().into_owned(),
            window: 0,
        })
        .collect();
    SHARDS
        .iter()
        .map(|&n| Task {
            shard: magg_morton::encode(6, n).unwrap(),
            granules: granules.clone(),
            region: magg_agg::ShardRegion::Whole,
        })
        .collect()
}

async fn run_into(store_path: &str, config: AggConfig, tasks: Vec<Task>) -> magg_run::RunReport {
    let shards: Vec<u64> = tasks.iter().map(|t| t.shard).collect();
    let spec = store_spec(&config, &[], &shards, serde_json::Map::new()).unwrap();
    let store = Arc::new(
        OutputStore::create(store_path, &spec, CreateMode::New)
            .await
            .unwrap(),
    );
    let worker = Arc::new(LocalWorker::new(config, store).unwrap());
    let opts = ExecOptions {
        workers: 2,
        quiet: true,
        store: store_path.to_string(),
    };
    let tasks = plan(tasks, &Selection::default());
    execute(
        tasks,
        worker,
        &opts,
        vec![],
        Arc::new(AtomicBool::new(false)),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_shards_match_numpy_reference() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("out.zarr");
    let store = store.to_str().unwrap();
    let report = run_into(store, AggConfig::atl06_default(), tasks()).await;
    assert_eq!(report.totals.errors, 0, "{}", report.summary());
    assert_eq!(report.totals.shards, 3);

    let script =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference.py"))
            .unwrap();
    let shards = SHARDS.map(|s| s.to_string()).join(",");
    let mut args = vec![store.to_string(), shards];
    args.extend(tasks()[0].granules.iter().map(|g| g.url.clone()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = magg_testkit::run_python(&script, &args);
    let totals: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    // Conservation: every valid observation of the region is counted once.
    assert_eq!(
        totals["observations"].as_u64().unwrap(),
        report.totals.observations
    );
    assert_eq!(totals["cells"].as_u64().unwrap(), report.totals.cells);
    assert!(report.totals.observations > 20_000, "{}", report.summary());

    // Deterministic: the same shards again give byte-identical chunks.
    let again = dir.path().join("again.zarr");
    run_into(again.to_str().unwrap(), AggConfig::atl06_default(), tasks()).await;
    let files = |root: &std::path::Path| {
        let mut v = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if !p.to_string_lossy().contains("_magg") {
                    v.push((
                        p.strip_prefix(root).unwrap().to_path_buf(),
                        std::fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        v.sort();
        v
    };
    let (a, b) = (files(std::path::Path::new(store)), files(&again));
    assert_eq!(a.len(), b.len());
    for ((pa, da), (pb, db)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(da == db, "{} differs between runs", pa.display());
    }
}

/// A config in the upstream grammar (the quality flag as a `filters` item,
/// `median`, `std` with `ddof`, a numpy expression, per-variable `attrs`).
const GRAMMAR_CONFIG: &str = r#"
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
    let config = AggConfig::from_yaml_str(GRAMMAR_CONFIG).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("out.zarr");
    let store = store.to_str().unwrap();
    let one_shard = vec![tasks().remove(1)];
    let report = run_into(store, config, one_shard).await;
    assert_eq!(report.totals.errors, 0, "{}", report.summary());

    let out: serde_json::Value =
        serde_json::from_str(&magg_testkit::run_python(READ_ATTRS, &[store])).unwrap();
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
