//! Both region rules end to end (`catalog --granules` → plan → local
//! worker → store) against a brute-force reference (`region_reference.py`:
//! h5py + mortie + shapely on the cells' outlines), on the sample granules
//! (the Antarctic outline, and a small two-polygon region with a hole) and
//! on granules generated through coastal shards that cross the outline.
//!
//! Checked exactly, per rule: the catalog's (shard, granule) pairs; per
//! shard, the observations and populated cells of the run's record; and the
//! store's `count` chunk, cell by cell.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use magg_agg::{AggConfig, Column};
use magg_catalog::{BuildSpec, RegionRule, ShardMap, local, regions};
use magg_run::{JobOptions, Selection, StoreMode, run_local};
use magg_store::OutputStore;

const REFERENCE: &str = include_str!("region_reference.py");
const RULES: [RegionRule; 2] = [RegionRule::ChildCells, RegionRule::AllObservations];

/// What the reference says for one rule.
#[derive(Debug, Default)]
struct Expected {
    pairs: BTreeSet<(String, u64)>,
    /// Shard nested id → child nested id → observations.
    cells: BTreeMap<u64, BTreeMap<u64, u64>>,
}

/// The reference for `granules` in the region of GeoJSON file `region`:
/// one [`Expected`] per rule of [`RULES`], and the valid observations whose
/// child cell does not touch the region.
fn reference(region: &Path, granules: &[String]) -> ([Expected; 2], u64) {
    let mut args = vec![region.to_str().unwrap(), "6", "12"];
    args.extend(granules.iter().map(String::as_str));
    let out: serde_json::Value =
        serde_json::from_str(&magg_testkit::run_python(REFERENCE, &args)).unwrap();
    let num = |v: &str| v.parse::<u64>().unwrap();
    let expected = RULES.map(|rule| {
        let r = &out[rule.name()];
        let pairs = r["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
            .collect();
        let cells = r["cells"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(shard, per)| {
                let per = per.as_object().unwrap().iter();
                (
                    num(shard),
                    per.map(|(c, n)| (num(c), n.as_u64().unwrap())).collect(),
                )
            })
            .collect();
        Expected { pairs, cells }
    });
    (expected, out["outside"].as_u64().unwrap())
}

fn nested(word: u64) -> u64 {
    magg_morton::decode(word).unwrap().nested
}

/// Builds the map of `granules` under `rule`, runs it, and compares pairs,
/// records and `count` chunks with `want`. Returns (pairs, observations).
async fn check(
    region: &str,
    granules: &[String],
    rule: RegionRule,
    want: &Expected,
) -> (usize, u64) {
    let what = format!("{region}, {}", rule.name());
    let spec = BuildSpec {
        rule,
        ..BuildSpec::default()
    };
    let region = regions::region(region).unwrap();
    let moc = spec.region_moc(&region).unwrap();
    let layout = local::Layout::atl06();
    let map: ShardMap = local::build(granules, &region, &moc, &spec, &layout, 4)
        .await
        .unwrap();
    assert_eq!(map.query.region_rule, rule);
    let pairs: BTreeSet<(String, u64)> = map
        .iter()
        .flat_map(|(s, gs)| gs.iter().map(move |g| (g.id.clone(), nested(s))))
        .collect();
    assert_eq!(pairs, want.pairs, "{what}: catalog pairs");

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("out.zarr").to_str().unwrap().to_string();
    let mut config = AggConfig::atl06_default();
    config.output.all_observations = rule == RegionRule::AllObservations;
    let report = run(&map, config, &store).await.unwrap();
    assert_eq!(report.totals.errors, 0, "{what}: {}", report.summary());
    assert_eq!(report.shards.len(), map.shards.len(), "{what}");

    let out = OutputStore::open(&store).await.unwrap();
    let empty = BTreeMap::new();
    for record in &report.shards {
        let shard = nested(record.shard);
        let cells = want.cells.get(&shard).unwrap_or(&empty);
        let observations: u64 = cells.values().sum();
        assert_eq!(
            (record.observations, record.cells),
            (observations, cells.len() as u64),
            "{what}: shard {shard} (observations, populated cells)"
        );
        let Column::I32(count) = out.read_chunk(12, "count", record.shard).await.unwrap() else {
            panic!("count is int32")
        };
        let first = shard << 12;
        let got: BTreeMap<u64, u64> = count
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(i, &n)| (first + i as u64, u64::try_from(n).unwrap()))
            .collect();
        assert!(
            got == *cells,
            "{what}: shard {shard}: count per cell differs"
        );
    }
    (pairs.len(), report.totals.observations)
}

/// Runs `map` with `config` into a new store at `store`, two shards at a
/// time.
async fn run(
    map: &ShardMap,
    config: AggConfig,
    store: &str,
) -> Result<magg_run::RunReport, magg_run::JobError> {
    let opts = JobOptions {
        store: store.to_string(),
        workers: 2,
        granule_concurrency: 4,
        beam_concurrency: magg_agg::DEFAULT_BEAM_CONCURRENCY,
        selection: Selection::default(),
        mode: StoreMode::New,
        pyramid: vec![],
        quiet: true,
        io: magg_h5::IoPolicy::default(),
        chunk_index: None,
        trend: None,
    };
    run_local(map, config, &opts, Arc::new(AtomicBool::new(false))).await
}

/// Checks both rules on one data set; the rules must differ there.
async fn both_rules(label: &str, region: &str, region_file: &Path, granules: &[String]) {
    let (want, outside) = reference(region_file, granules);
    let mut seen = Vec::new();
    for (rule, want) in RULES.iter().zip(&want) {
        seen.push(check(region, granules, *rule, want).await);
    }
    eprintln!(
        "{label}: {outside} valid observations in child cells outside the region; \
         (pairs, observations): child_cells {:?}, all_observations {:?}",
        seen[0], seen[1]
    );
    // The rules differ here (else this data could not tell them apart).
    assert!(outside > 0, "{label}: no observation outside the region");
    assert!(seen[1].1 > seen[0].1, "{label}");
}

fn sample() -> Vec<String> {
    magg_testkit::sample_granule_paths()
}

fn antarctica() -> PathBuf {
    magg_testkit::shared_dir()
        .join("data")
        .join("antarctica.geojson")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_in_the_antarctic_outline() {
    both_rules("sample, antarctica", "antarctica", &antarctica(), &sample()).await;
}

/// A user region on the sample: a quadrilateral across the two pole-hole
/// shards with a hole inside, and a triangle over the Amery shard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_in_a_region_with_a_hole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.geojson");
    let ring = |v: &[(f64, f64)]| {
        let mut r: Vec<[f64; 2]> = v.iter().map(|&(lat, lon)| [lon, lat]).collect();
        r.push(r[0]);
        r
    };
    let outer = ring(&[(-87.0, 10.0), (-87.2, 55.0), (-88.3, 50.0), (-88.1, 5.0)]);
    let hole = ring(&[(-87.6, 25.0), (-87.9, 25.0), (-87.9, 35.0), (-87.6, 35.0)]);
    let amery = ring(&[(-70.0, 71.0), (-70.5, 71.2), (-70.3, 72.5)]);
    let doc = serde_json::json!({
        "type": "MultiPolygon",
        "coordinates": [[outer, hole], [amery]],
    });
    std::fs::write(&path, doc.to_string()).unwrap();
    both_rules("sample, cut", path.to_str().unwrap(), &path, &sample()).await;
}

/// Granules generated through four coastal shards (Amundsen Sea, Dronning
/// Maud Land, Wilkes Land, the Peninsula): the generator keeps points
/// inside the outline drawn with straight lines on a polar stereographic
/// map, the region's edges are great circles, so observations a few km
/// outside the region appear along the coast, as in real data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coastal_shards_crossing_the_outline() {
    let dir = tempfile::tempdir().unwrap();
    let script = magg_testkit::shared_dir()
        .join("data")
        .join("make_atl06.py");
    let out = std::process::Command::new(magg_testkit::python())
        .arg(&script)
        .args(["--out", dir.path().to_str().unwrap()])
        .args([
            "--cycle",
            "22",
            "--rgts",
            "3,41,53,58,628,759",
            "--regions",
            "10",
        ])
        .args(["--density", "0.05", "--lean", "-j", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut granules: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "h5"))
        .map(|p| p.display().to_string())
        .collect();
    granules.sort();
    assert_eq!(granules.len(), 6);
    both_rules("coast, antarctica", "antarctica", &antarctica(), &granules).await;
}

/// A run whose rule differs from the map's is refused before anything is
/// written, naming both rules and the flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_the_other_rule_is_refused() {
    let spec = BuildSpec::default();
    let region = regions::region("antarctica").unwrap();
    let moc = spec.region_moc(&region).unwrap();
    let granules = &sample()[..1];
    let map = local::build(granules, &region, &moc, &spec, &local::Layout::atl06(), 1)
        .await
        .unwrap();
    let mut config = AggConfig::atl06_default();
    config.output.all_observations = true;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("out.zarr");
    let e = run(&map, config, store.to_str().unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("child_cells")
            && e.contains("all_observations")
            && e.contains("--all-observations"),
        "{e}"
    );
    assert!(!store.exists());
}
