//! ATL08 and GEDI L2A end to end, as a user runs them: granules written by
//! the generators in `tools/products/` (h5py, the products' layouts),
//! `magg catalog --granules … --config <product>` → `magg run --config
//! <product>` → the store, against an independent reference
//! (`py/product_reference.py`: h5py + numpy + mortie, zarr-python): every
//! statistic of every cell, counts exact, and the shard map checked by
//! brute force (every observation's order-6 cell lists its granule, every
//! listed pair holds an observation).

mod common;

use std::path::Path;

use common::magg;
use serde_json::{Value, json};

const REFERENCE: &str = include_str!("py/product_reference.py");

fn generate(script: &str, out: &Path, args: &[&str]) -> Vec<String> {
    magg_testkit::generate_product(script, out, args)
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

fn write_box(path: &Path, bbox: [f64; 4]) {
    magg_testkit::write_box_geojson(path, bbox);
}

/// Catalog, run, then the reference; returns its totals.
fn end_to_end(dir: &Path, config: &str, granules: &[String], mut spec: Value) -> Value {
    let d = |p: &str| dir.join(p).display().to_string();
    let (ok, out, err) = magg(
        dir,
        &[
            "catalog",
            "--granules",
            &d("granules"),
            "--config",
            config,
            "--region",
            &d("region.geojson"),
            "--out",
            &d("map.json"),
        ],
    );
    assert!(ok, "catalog: {err}");
    assert!(out.contains("catalog:"), "{out}");
    let (ok, _, err) = magg(
        dir,
        &[
            "run",
            "--catalog",
            &d("map.json"),
            "--store",
            &d("out.zarr"),
            "--config",
            config,
            "--chunk-index",
            &d("map.chunks.json.gz"),
            "--quiet",
        ],
    );
    assert!(ok, "run: {err}");
    assert!(err.contains("0 errors"), "{err}");
    spec["granules"] = json!(granules);
    spec["store"] = json!(d("out.zarr"));
    spec["map"] = json!(d("map.json"));
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let said = magg_testkit::run_python(REFERENCE, &[spec_path.to_str().unwrap()]);
    let got: Value = serde_json::from_str(said.trim()).unwrap_or_else(|e| panic!("{e}: {said}"));
    eprintln!("{config}: {got}");
    assert_eq!(got["missed"], 0, "{got}");
    if spec_widened(&spec) {
        // Shards near the points read, where no observation falls: listed
        // but empty. A few, not most.
        assert!(
            got["extra"].as_u64().unwrap() * 4 <= got["pairs_listed"].as_u64().unwrap(),
            "{got}"
        );
    } else {
        assert_eq!(got["extra"], 0, "{got}");
    }
    assert_eq!(got["all_in_box"], true, "{got}");
    assert_eq!(got["n_mismatches"], 0, "{got}");
    assert_eq!(got["observations_outside_stored_shards"], 0, "{got}");
    assert!(got["cells"].as_u64().unwrap() > 1000, "{got}");
    let map: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("map.json")).unwrap()).unwrap();
    assert_eq!(map["totals"]["pairs"], got["pairs_listed"], "{got}");
    got
}

fn spec_widened(spec: &Value) -> bool {
    spec["widened"].as_bool().unwrap_or(false)
}

#[test]
fn atl03_photons_through_the_segment_link_near_the_pole() {
    let dir = tempfile::tempdir().unwrap();
    let granules = generate(
        "make_atl03.py",
        &dir.path().join("granules"),
        &[
            "--center=-86,60",
            "--granules",
            "4",
            "--photons",
            "3",
            "--photon-chunk",
            "4000",
            "--segment-chunk",
            "2000",
            "--drop-beam-of",
            "1",
        ],
    );
    // Edges are great circles: a wide box reaching well north of the data.
    let bbox = [-89.5, -70.0, 0.0, 120.0];
    write_box(&dir.path().join("region.geojson"), bbox);
    let conf = "/{group}/heights/signal_conf_ph";
    let spec = json!({
        "groups": ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"],
        "lat": "/{group}/heights/lat_ph",
        "lon": "/{group}/heights/lon_ph",
        "vars": {"h": "/{group}/heights/h_ph"},
        "filters": [
            {"path": conf, "column": 0, "op": "ne", "value": -2},
            {"path": conf, "column": 3, "op": "in", "value": [3, 4]},
        ],
        "outputs": {
            "count": "len(v['h'])",
            "h_mean": "np.mean(v['h'])",
            "h_median": "np.median(v['h'])",
            "h_std": "np.std(v['h'], ddof=1)",
            "h_min": "np.min(v['h'])",
            "h_max": "np.max(v['h'])",
        },
        "widened": true,
        "box": bbox,
    });
    let got = end_to_end(dir.path(), "atl03", &granules, spec);
    assert!(got["shards"].as_u64().unwrap() >= 4, "{got}");
}

#[test]
fn gedi_l2a_across_the_antimeridian_and_the_equator() {
    let dir = tempfile::tempdir().unwrap();
    let granules = generate(
        "make_gedi02a.py",
        &dir.path().join("granules"),
        &[
            "--center",
            "0,180",
            "--granules",
            "4",
            "--drop-beam-of",
            "1",
        ],
    );
    let bbox = [-10.0, 10.0, 170.0, -170.0];
    write_box(&dir.path().join("region.geojson"), bbox);
    let spec = json!({
        "groups": ["BEAM0000", "BEAM0001", "BEAM0010", "BEAM0011",
                   "BEAM0101", "BEAM0110", "BEAM1000", "BEAM1011"],
        "lat": "/{group}/lat_lowestmode",
        "lon": "/{group}/lon_lowestmode",
        "vars": {"elev": "/{group}/elev_lowestmode", "sens": "/{group}/sensitivity"},
        "filters": [["/{group}/quality_flag", 1], ["/{group}/degrade_flag", 0]],
        "outputs": {
            "count": "len(v['elev'])",
            "elev_mean": "np.mean(v['elev'])",
            "elev_median": "np.median(v['elev'])",
            "elev_std": "np.std(v['elev'])",
            "elev_q10": "np.quantile(v['elev'], 0.1)",
            "elev_q90": "np.percentile(v['elev'], 90)",
            "sensitivity_mean": "np.mean(v['sens'])",
        },
        "box": bbox,
    });
    let got = end_to_end(dir.path(), "gedi_l2a", &granules, spec);
    // Both sides of the antimeridian and of the equator hold data.
    assert!(got["shards"].as_u64().unwrap() >= 8, "{got}");
}

#[test]
fn atl08_terrain_and_canopy() {
    let dir = tempfile::tempdir().unwrap();
    let granules = generate(
        "make_atl08.py",
        &dir.path().join("granules"),
        &[
            "--center",
            "45,-121",
            "--granules",
            "4",
            "--drop-beam-of",
            "2",
        ],
    );
    let bbox = [40.0, 50.0, -127.0, -115.0];
    write_box(&dir.path().join("region.geojson"), bbox);
    let base = json!({
        "groups": ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"],
        "lat": "/{group}/land_segments/latitude",
        "lon": "/{group}/land_segments/longitude",
        "filters": [["/{group}/land_segments/segment_watermask", 0]],
        "box": bbox,
    });
    let mut terrain = base.clone();
    terrain["vars"] = json!({
        "h": "/{group}/land_segments/terrain/h_te_best_fit",
        "u": "/{group}/land_segments/terrain/h_te_uncertainty",
    });
    terrain["outputs"] = json!({
        "count": "len(v['h'])",
        "h_te_mean": "np.average(v['h'], weights=1.0 / v['u']**2)",
        "h_te_sigma": "1.0 / np.sqrt(np.sum(1.0 / v['u']**2))",
        "h_te_median": "np.median(v['h'])",
        "h_te_std": "np.std(v['h'], ddof=1)",
        "h_te_min": "np.min(v['h'])",
        "h_te_max": "np.max(v['h'])",
    });
    let t = end_to_end(dir.path(), "atl08", &granules, terrain);
    let mut canopy = base;
    canopy["vars"] = json!({"c": "/{group}/land_segments/canopy/h_canopy"});
    canopy["outputs"] = json!({
        "count": "len(v['c'])",
        "h_canopy_mean": "np.mean(v['c'])",
        "h_canopy_median": "np.median(v['c'])",
        "h_canopy_q90": "np.quantile(v['c'], 0.9)",
    });
    for f in ["map.json", "map.chunks.json.gz", "out.zarr"] {
        let p = dir.path().join(f);
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    let c = end_to_end(dir.path(), "atl08_canopy", &granules, canopy);
    // Canopy heights are missing over bare ground: fewer observations.
    assert!(
        c["observations"].as_u64() < t["observations"].as_u64(),
        "{t} {c}"
    );
}

#[test]
fn a_config_path_missing_from_the_granules_names_granule_and_dataset() {
    let dir = tempfile::tempdir().unwrap();
    generate(
        "make_atl08.py",
        &dir.path().join("granules"),
        &["--granules", "1"],
    );
    write_box(
        &dir.path().join("region.geojson"),
        [40.0, 50.0, -127.0, -115.0],
    );
    // The ATL06 config on ATL08 granules: the beams exist, the datasets do not.
    let d = |p: &str| dir.path().join(p).display().to_string();
    let (ok, _, err) = magg(
        dir.path(),
        &[
            "catalog",
            "--granules",
            &d("granules"),
            "--region",
            &d("region.geojson"),
            "--out",
            &d("map.json"),
        ],
    );
    assert!(!ok);
    assert!(err.contains("ATL08_"), "{err}");
    assert!(err.contains("/gt1l/land_ice_segments/latitude"), "{err}");
}
