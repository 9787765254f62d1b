//! `read_shard` on the sample ATL06-layout granules (written by libhdf5)
//! against h5py + numpy + mortie, and its per-granule error handling.

#![allow(clippy::float_cmp)]

mod common;

use magg_agg::{AggConfig, AggError, ReadOptions, read_shard};
use serde_json::Value;

/// Reads every granule with h5py (`magg_testkit::LOAD_ATL06_PY`), beam by
/// beam in config order, and reduces with `common::REDUCE_PY`.
const LOAD_PY: &str = r#"
shard, files = int(sys.argv[1]), sys.argv[2:]
c = load_atl06(files)
print(json.dumps(reduce_shard(c["lat"], c["lon"], c["h"], c["s"], c["q"], shard, (12, 9, 6))))
"#;

fn granules() -> Vec<String> {
    magg_testkit::sample_granule_paths()
}

fn reference(shard: u64, files: &[String]) -> Value {
    let script = format!(
        "{}{}{LOAD_PY}",
        common::REDUCE_PY,
        magg_testkit::LOAD_ATL06_PY
    );
    let mut args = vec![shard.to_string()];
    args.extend(files.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serde_json::from_str(&magg_testkit::run_python(&script, &args)).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn sample_shards_match_h5py_numpy_mortie() {
    let files = granules();
    assert_eq!(files.len(), 12, "sample granules");
    let config = AggConfig::atl06_default();
    let rt = runtime();
    // Two pole-hole shards and the Amery shard named in data/README.md.
    for nested in [32776u64, 32771, 33075] {
        let shard = magg_morton::encode(6, nested).unwrap();
        let out = rt
            .block_on(read_shard(shard, &files, &config, &ReadOptions::default()))
            .unwrap();
        assert_eq!(out.granules.len(), files.len());
        if let Some(g) = out.failed().next() {
            panic!("granule failed: {:?}", g.error);
        }
        for g in &out.granules {
            let name = g.url.rsplit('/').next().unwrap_or_default();
            println!(
                "  {name}: {} beams, {} rows read, {} kept, {:?}",
                g.beams, g.rows_read, g.stats.kept, g.io
            );
        }
        let r = reference(shard, &files);
        let kept: u64 = out.granules.iter().map(|g| g.stats.kept).sum();
        assert_eq!(
            kept,
            r["stats"]["kept"].as_u64().unwrap(),
            "shard {nested}: valid observations"
        );
        assert!(kept > 1000, "shard {nested} should have data, has {kept}");
        assert_eq!(out.grouped.observations(), kept);
        // Only the shard's runs are read from the variable datasets.
        let rows_read: u64 = out.granules.iter().map(|g| g.rows_read).sum();
        let total_rows = r["stats"]["rows"].as_u64().unwrap();
        assert!(
            rows_read < total_rows / 2,
            "read {rows_read} of {total_rows} rows"
        );
        for order in [12u8, 9, 6] {
            let grid = out.grouped.reduce(order).unwrap();
            let count: f64 = (0..grid.n_cells())
                .map(|c| grid.column("count").unwrap().get_f64(c))
                .sum();
            assert_eq!(count as u64, kept);
            let worst = common::compare(&grid, r[order.to_string()].as_array().unwrap(), 1e-6);
            println!(
                "shard {nested} order {order}: {kept} obs, {} cells, worst rel diff {worst:e}, {} requests, {} bytes",
                grid.populated,
                out.io().requests,
                out.io().bytes_fetched
            );
        }
    }
}

#[test]
fn reads_are_deterministic() {
    let files = granules();
    let config = AggConfig::atl06_default();
    let shard = magg_morton::encode(6, 32776).unwrap();
    let rt = runtime();
    let grid = |opts: &ReadOptions| {
        rt.block_on(read_shard(shard, &files, &config, opts))
            .unwrap()
            .grouped
            .reduce(12)
            .unwrap()
    };
    let one_at_a_time = ReadOptions {
        granule_concurrency: 1,
        beam_concurrency: 1,
        requests_in_flight: 1,
        // Smaller than one chunk read: each read then runs alone.
        memory_budget: 1,
        ..ReadOptions::default()
    };
    let all_at_once = ReadOptions::default();
    // Debug text compares NaN fills as equal and every value exactly.
    let (a, b) = (
        format!("{:?}", grid(&one_at_a_time)),
        format!("{:?}", grid(&all_at_once)),
    );
    assert!(a == b, "results depend on read concurrency");
}

const BROKEN_PY: &str = r#"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    g = f.create_group("gt1l/land_ice_segments")
    g["latitude"] = np.array([-87.9, -87.9])
    g["longitude"] = np.array([60.0, 60.0])
    g["h_li_sigma"] = np.array([0.1, 0.1], dtype="f4")
    g["atl06_quality_summary"] = np.array([0, 0], dtype="i1")
"#;

#[test]
fn granule_errors_are_reported_and_others_still_count() {
    let config = AggConfig::atl06_default();
    let shard = magg_morton::encode(6, 32776).unwrap();
    let rt = runtime();
    let opts = ReadOptions::default();
    // A sample granule with observations in the shard.
    let good = magg_testkit::sample_granules()
        .into_iter()
        .find(|g| {
            let out = rt
                .block_on(read_shard(
                    shard,
                    &[g.display().to_string()],
                    &config,
                    &opts,
                ))
                .unwrap();
            out.grouped.observations() > 0
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("truncated.h5");
    std::fs::write(&truncated, &std::fs::read(&good).unwrap()[..200_000]).unwrap();
    let no_h_li = dir.path().join("no_h_li.h5");
    magg_testkit::run_python(BROKEN_PY, &[no_h_li.to_str().unwrap()]);
    let missing = dir.path().join("missing.h5");
    let files: Vec<String> = [&truncated, &good, &no_h_li, &missing]
        .iter()
        .map(|p| p.display().to_string())
        .collect();

    let out = rt
        .block_on(read_shard(shard, &files, &config, &opts))
        .unwrap();
    let alone = rt
        .block_on(read_shard(shard, &files[1..2], &config, &opts))
        .unwrap();

    let errors: Vec<String> = out
        .granules
        .iter()
        .map(|g| {
            g.error
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    for e in &errors {
        println!("{e}");
    }
    assert!(errors[0].contains("truncated.h5"), "{}", errors[0]);
    assert!(errors[1].is_empty(), "{}", errors[1]);
    assert!(
        errors[2].contains("no_h_li.h5") && errors[2].contains("/gt1l/land_ice_segments/h_li"),
        "{}",
        errors[2]
    );
    assert!(
        matches!(out.granules[2].error, Some(AggError::Read { ref source, .. }) if source.is_not_found())
    );
    assert!(errors[3].contains("missing.h5"), "{}", errors[3]);
    assert_eq!(out.granules[1].beams, 6);
    assert!(out.granules[1].stats.kept > 0);
    let (a, b) = (
        format!("{:?}", out.grouped.reduce(12).unwrap()),
        format!("{:?}", alone.grouped.reduce(12).unwrap()),
    );
    assert!(a == b, "failed granules changed the result");
}
