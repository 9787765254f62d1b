//! The Done-when test: against the sample granules (points read with
//! h5py/libhdf5), every observation inside the region has its order-6
//! shard in the shard map with its granule listed, when the map is built
//! from CMR footprints (served by the recorded-response server) and when
//! it is built from the files with the project's own reader. Also reports
//! the false-positive rate (listed pairs with no observation).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use magg_catalog::cmr::{CmrClient, GranuleQuery};
use magg_catalog::{BuildSpec, RegionRule, ShardMap, build, local, regions};
use magg_coverage::Moc;
use magg_morton as morton;

/// The sample's one window (cycle 22; its granules keep window 0).
fn windows() -> Vec<magg_catalog::Window> {
    vec![magg_catalog::Window::cycle(22)]
}

/// Every point of every sample granule, via h5py: file → (lats, lons).
fn h5py_points() -> BTreeMap<String, (Vec<f64>, Vec<f64>)> {
    let dir = tempfile::tempdir().unwrap();
    let script = r"
import sys, os, h5py, numpy as np
src, out = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    if not name.endswith('.h5'):
        continue
    lat, lon = [], []
    with h5py.File(os.path.join(src, name), 'r') as f:
        for b in ['gt1l', 'gt1r', 'gt2l', 'gt2r', 'gt3l', 'gt3r']:
            if b in f and 'land_ice_segments' in f[b]:
                lat.append(f[b]['land_ice_segments/latitude'][:])
                lon.append(f[b]['land_ice_segments/longitude'][:])
    np.concatenate(lat).astype('<f8').tofile(os.path.join(out, name + '.lat'))
    np.concatenate(lon).astype('<f8').tofile(os.path.join(out, name + '.lon'))
    print(name)
";
    let src = magg_testkit::sample_dir();
    let out = magg_testkit::run_python(
        script,
        &[src.to_str().unwrap(), dir.path().to_str().unwrap()],
    );
    let read = |p: &Path| -> Vec<f64> {
        std::fs::read(p)
            .unwrap()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    out.lines()
        .map(|name| {
            let lat = read(&dir.path().join(format!("{name}.lat")));
            let lon = read(&dir.path().join(format!("{name}.lon")));
            (name.to_string(), (lat, lon))
        })
        .collect()
}

/// Per granule: shard words of all its points, and of its points whose
/// cell at the rule's test order (child or shard order) the region touches.
struct Truth {
    all: BTreeMap<String, BTreeSet<u64>>,
    in_region: BTreeMap<String, BTreeSet<u64>>,
    /// (granule, shard) → number of in-region points.
    counts: BTreeMap<(String, u64), usize>,
    points: usize,
}

fn truth(points: &BTreeMap<String, (Vec<f64>, Vec<f64>)>, region: &Moc, spec: &BuildSpec) -> Truth {
    let mut t = Truth {
        all: BTreeMap::new(),
        in_region: BTreeMap::new(),
        counts: BTreeMap::new(),
        points: 0,
    };
    let order = spec.test_order();
    let shift = 2 * u32::from(order - spec.parent_order);
    for (name, (lats, lons)) in points {
        let mut cells = vec![0u64; lats.len()];
        morton::geo_to_nested_batch(lats, lons, order, &mut cells).unwrap();
        for c in cells {
            let shard = morton::encode(spec.parent_order, c >> shift).unwrap();
            t.all.entry(name.clone()).or_default().insert(shard);
            if region.touches(order, c) {
                t.points += 1;
                t.in_region.entry(name.clone()).or_default().insert(shard);
                *t.counts.entry((name.clone(), shard)).or_default() += 1;
            }
        }
    }
    t
}

/// (misses, pairs, pairs without any point, pairs without in-region point)
fn score(map: &ShardMap, t: &Truth) -> (usize, usize, usize, usize) {
    let mut listed: BTreeSet<(String, u64)> = BTreeSet::new();
    for (shard, gs) in map.iter() {
        for g in gs {
            listed.insert((g.id.clone(), shard));
        }
    }
    let mut misses = 0;
    for (name, shards) in &t.in_region {
        for &s in shards {
            if !listed.contains(&(name.clone(), s)) {
                misses += t.counts[&(name.clone(), s)];
            }
        }
    }
    let empty_any = listed
        .iter()
        .filter(|(g, s)| !t.all.get(g).is_some_and(|x| x.contains(s)))
        .count();
    let empty_region = listed
        .iter()
        .filter(|(g, s)| !t.in_region.get(g).is_some_and(|x| x.contains(s)))
        .count();
    (misses, listed.len(), empty_any, empty_region)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_observation_is_missed_and_false_positives_are_reported() {
    let points = h5py_points();
    assert_eq!(points.len(), 12);
    let n_rows: usize = points.values().map(|(l, _)| l.len()).sum();
    assert_eq!(n_rows, 490_273, "SOURCES.md says 490,273 rows");

    let region = regions::region("antarctica").unwrap();
    let server = support::paging_server(support::sample_items(), 2000);
    let mut client = CmrClient::new(&server.base).unwrap();
    client.backoff = Duration::from_millis(5);
    let found = client
        .search(&GranuleQuery::cycle("ATL06", "006", 22).unwrap())
        .await
        .unwrap();
    assert_eq!(found.granules.len(), 12);

    let mut report = Vec::new();
    let rules = [RegionRule::ChildCells, RegionRule::AllObservations];
    for (buffer_km, rule) in [0.0, magg_catalog::DEFAULT_BUFFER_KM, 5.0]
        .into_iter()
        .flat_map(|b| rules.map(|r| (b, r)))
    {
        let spec = BuildSpec {
            buffer_km,
            rule,
            ..BuildSpec::default()
        };
        let region_moc = spec.region_moc(&region).unwrap();
        let t = truth(&points, &region_moc, &spec);
        let query = spec.query("cmr", &region, &region_moc).unwrap();
        let map =
            build::from_footprints(&found.granules, windows(), &region_moc, query, &spec).unwrap();
        let (misses, pairs, empty_any, empty_region) = score(&map, &t);
        report.push(format!(
            "{} buffer {buffer_km} km: {} shards, {pairs} pairs, {} in-region points, \
             missed {misses}, pairs without any point {empty_any} ({:.1}%), \
             without an in-region point {empty_region} ({:.1}%)",
            rule.name(),
            map.shards.len(),
            t.points,
            100.0 * empty_any as f64 / pairs as f64,
            100.0 * empty_region as f64 / pairs as f64,
        ));
        assert_eq!(
            misses,
            0,
            "{} buffer {buffer_km}: {misses} observations missed",
            rule.name()
        );
        if buffer_km == magg_catalog::DEFAULT_BUFFER_KM && rule == RegionRule::ChildCells {
            assert!(
                (empty_region as f64) < 0.25 * pairs as f64,
                "false-positive rate too high: {empty_region}/{pairs}"
            );
            // The JSON form round-trips (compared as text: serde_json's
            // float parsing may differ in the last bit).
            let text = map.to_json();
            let back = ShardMap::from_json(&text, "map").unwrap();
            assert!(back.to_json() == text, "shard map JSON does not round-trip");
            assert_eq!(
                back.shards.keys().collect::<Vec<_>>(),
                map.shards.keys().collect::<Vec<_>>()
            );
        }
    }
    eprintln!("{}", report.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_build_lists_exactly_the_shards_of_the_points() {
    let points = h5py_points();
    let region = regions::region("antarctica").unwrap();
    for rule in [RegionRule::ChildCells, RegionRule::AllObservations] {
        let spec = BuildSpec {
            rule,
            ..BuildSpec::default()
        };
        local_build_lists_exactly(&points, &region, &spec).await;
    }
}

async fn local_build_lists_exactly(
    points: &BTreeMap<String, (Vec<f64>, Vec<f64>)>,
    region: &magg_coverage::Region,
    spec: &BuildSpec,
) {
    let region_moc = spec.region_moc(region).unwrap();
    let t = truth(points, &region_moc, spec);
    let urls: Vec<String> = magg_testkit::sample_granule_paths();
    let map = local::build(&urls, region, &region_moc, spec, &local::Layout::atl06(), 4)
        .await
        .unwrap();
    let mut got: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for (shard, gs) in map.iter() {
        for g in gs {
            assert!(g.urls.file.is_some());
            got.entry(g.id.clone()).or_default().insert(shard);
        }
    }
    assert_eq!(got, t.in_region);
    let (misses, _, _, empty_region) = score(&map, &t);
    assert_eq!((misses, empty_region), (0, 0));
}

/// Footprints thinned to every `k`-th vertex (keeping each side's ends),
/// a stand-in for coarser catalog simplification: how many observations a
/// buffer saves. Asserts the default buffer absorbs up to a 4× thinning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_buffer_absorbs_coarser_footprints() {
    use magg_catalog::FootprintGranule;
    use magg_coverage::Footprint;
    let points = h5py_points();
    let region = regions::region("antarctica").unwrap();
    let idx = support::sample_index();
    let mut report = Vec::new();
    for k in [2usize, 3, 4] {
        let granules: Vec<FootprintGranule> = idx
            .iter()
            .enumerate()
            .map(|(i, rec)| {
                let ring: Vec<(f64, f64)> = rec["footprint"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (p[1].as_f64().unwrap(), p[0].as_f64().unwrap()))
                    .collect();
                let n = ring.len() - 1; // closed ring: 24 distinct vertices, 12 a side
                let kept: Vec<(f64, f64)> = (0..n)
                    .filter(|&j| j % k == 0 || j == n / 2 - 1 || j == n / 2 || j == n - 1)
                    .map(|j| ring[j])
                    .collect();
                let item = support::umm_item(rec, i, None);
                let fp = Footprint::polygon("thin", &kept).unwrap();
                let id = item["umm"]["GranuleUR"].as_str().unwrap().to_string();
                FootprintGranule {
                    granule: magg_catalog::GranuleRef {
                        id,
                        urls: magg_catalog::GranuleUrls {
                            file: Some("x".into()),
                            ..Default::default()
                        },
                        bbox: fp.bounding_box().unwrap().into(),
                        time_start: None,
                        time_end: None,
                        concept_id: None,
                        window: 0,
                    },
                    footprint: fp,
                }
            })
            .collect();
        for buffer_km in [0.0, magg_catalog::DEFAULT_BUFFER_KM] {
            let spec = BuildSpec {
                buffer_km,
                ..BuildSpec::default()
            };
            let region_moc = spec.region_moc(&region).unwrap();
            let t = truth(&points, &region_moc, &spec);
            let query = spec.query("cmr", &region, &region_moc).unwrap();
            let map =
                build::from_footprints(&granules, windows(), &region_moc, query, &spec).unwrap();
            let (misses, pairs, _, empty) = score(&map, &t);
            report.push(format!(
                "every {k}th vertex, buffer {buffer_km} km: missed {misses}, pairs {pairs}, empty {empty}"
            ));
            if buffer_km > 0.0 {
                assert_eq!(misses, 0, "{}", report.join("\n"));
            }
        }
    }
    eprintln!("{}", report.join("\n"));
}
