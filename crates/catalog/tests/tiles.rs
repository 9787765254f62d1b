//! Maps of tiles (a rectilinear `output.grid`): against the sample
//! granules, whose points are read with h5py and located with pyproj +
//! numpy (zagg's rule: `col = (x - xmin) // res`, `row = (ymax - y) //
//! res`), the local build lists each granule under exactly the tiles its
//! points fall in (0 missed observations, 0 extra pairs), and the build
//! from footprints (the granules' points as footprints, as a catalog would
//! give polygons) lists at least those. The map records its grid and reads
//! back.

use std::collections::{BTreeMap, BTreeSet};

use magg_catalog::{BuildSpec, FootprintGranule, RegionRule, ShardMap, build, local, regions};
use magg_coverage::Footprint;
use magg_grid::{GridSpec, RectilinearSpec};

type Points = BTreeMap<String, (Vec<f64>, Vec<f64>)>;

/// pyproj + numpy: file → the tile ids of its points, for a grid of
/// `chunk` × `chunk` tiles of 5 km cells over ±3,200 km (EPSG:3031); and
/// the points (h5py).
fn pyproj_tiles(chunk: u32) -> (BTreeMap<String, BTreeSet<u64>>, Points) {
    let script = r"
import sys, os
from pyproj import Transformer
src, chunk, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
res, xmin, ymax = 5000.0, -3200000.0, 3200000.0
width = -(-6400000 // int(res))
tiles_across = -(-width // chunk)
t = Transformer.from_crs('EPSG:4326', 'EPSG:3031', always_xy=True)
for name in sorted(os.listdir(src)):
    if not name.endswith('.h5'):
        continue
    c = load_atl06([os.path.join(src, name)])
    lat, lon = c['lat'].astype('f8'), c['lon'].astype('f8')
    lat.astype('<f8').tofile(os.path.join(out, name + '.lat'))
    lon.astype('<f8').tofile(os.path.join(out, name + '.lon'))
    x, y = t.transform(lon, lat)
    col = np.floor((x - xmin) / res).astype(np.int64)
    row = np.floor((ymax - y) / res).astype(np.int64)
    ok = (col >= 0) & (col < tiles_across * chunk) & (row >= 0) & (row < tiles_across * chunk)
    tiles = np.unique((row[ok] // chunk) * tiles_across + col[ok] // chunk)
    print(name, len(lat), ' '.join(str(v) for v in tiles))
";
    let dir = tempfile::tempdir().unwrap();
    let out = magg_testkit::run_python(
        &format!("{}{script}", magg_testkit::LOAD_ATL06_PY),
        &[
            magg_testkit::sample_dir().to_str().unwrap(),
            &chunk.to_string(),
            dir.path().to_str().unwrap(),
        ],
    );
    let read = |name: &str, ext: &str| -> Vec<f64> {
        std::fs::read(dir.path().join(format!("{name}.{ext}")))
            .unwrap()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let mut tiles = BTreeMap::new();
    let mut points = BTreeMap::new();
    for l in out.lines() {
        let mut parts = l.split_whitespace();
        let name = parts.next().unwrap().to_string();
        let n: usize = parts.next().unwrap().parse().unwrap();
        assert!(n > 0, "{name} has points");
        tiles.insert(name.clone(), parts.map(|t| t.parse().unwrap()).collect());
        points.insert(name.clone(), (read(&name, "lat"), read(&name, "lon")));
    }
    (tiles, points)
}

fn polar(chunk: u32) -> RectilinearSpec {
    let text = format!(
        "type: rectilinear\ncrs: EPSG:3031\nresolution: 5000\n\
         bounds: [-3200000, -3200000, 3200000, 3200000]\nchunk_shape: [{chunk}, {chunk}]\n"
    );
    match serde_norway::from_str::<GridSpec>(&text).unwrap() {
        GridSpec::Rectilinear(r) => r,
        g @ GridSpec::Healpix(_) => panic!("{g:?}"),
    }
}

fn listed(map: &ShardMap) -> BTreeMap<String, BTreeSet<u64>> {
    let mut got: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for (tile, gs) in map.iter() {
        for g in gs {
            got.entry(g.id.clone()).or_default().insert(tile);
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tile_maps_list_exactly_the_tiles_of_the_points() {
    let region = regions::region("antarctica").unwrap();
    let urls: Vec<String> = magg_testkit::sample_granule_paths();
    // The upstream grid (5 × 5 tiles of 1,280 km) and 320 km tiles.
    for chunk in [256, 64] {
        let (truth, points) = pyproj_tiles(chunk);
        let spec = BuildSpec {
            grid: Some(polar(chunk)),
            ..BuildSpec::default()
        };
        let region_moc = spec.region_moc(&region).unwrap();
        let t0 = std::time::Instant::now();
        let map = local::build(
            &urls,
            &region,
            &region_moc,
            &spec,
            &local::Layout::atl06(),
            4,
        )
        .await
        .unwrap();
        eprintln!(
            "chunk {chunk}: local build {:.2} s",
            t0.elapsed().as_secs_f64()
        );
        // Every generated point lies in Antarctica, so every tile of a
        // point meets the region: the map is the points' tiles exactly.
        assert_eq!(listed(&map), truth, "chunk {chunk}");
        let n_tiles: usize = truth.values().flatten().collect::<BTreeSet<_>>().len();
        assert_eq!(map.shards.len(), n_tiles);
        assert!(n_tiles >= 2, "the sample spans several tiles ({n_tiles})");
        assert_eq!(map.rectilinear, Some(polar(chunk)));
        assert_eq!(map.query.region_rule, RegionRule::AllObservations);
        assert_eq!(map.grid_spec(), GridSpec::Rectilinear(polar(chunk)));

        // The JSON form records the grid and reads back the same map.
        let json = map.to_json();
        assert!(json.contains("\"grid\": {"), "{json}");
        assert!(!json.contains("parent_order"), "{json}");
        assert_eq!(ShardMap::from_json(&json, "tiles").unwrap(), map);

        // From footprints (the points, buffered by the default 2 km): at
        // least the points' tiles.
        let granules: Vec<FootprintGranule> = map
            .iter()
            .flat_map(|(_, gs)| gs.iter().map(|g| (g.id.clone(), g.clone())))
            .collect::<BTreeMap<_, _>>()
            .into_values()
            .map(|granule| {
                let (lats, lons) = &points[&granule.id];
                // Every 20th point (≈ 400 m apart along a beam): the 2 km
                // buffer holds the points between.
                let pts = lats
                    .iter()
                    .zip(lons)
                    .step_by(20)
                    .map(|(&a, &o)| (a, o))
                    .collect();
                FootprintGranule {
                    footprint: Footprint::Points(pts),
                    granule,
                }
            })
            .collect();
        let query = spec.query("test", &region, &region_moc).unwrap();
        let t0 = std::time::Instant::now();
        let fp_map =
            build::from_footprints(&granules, map.windows.clone(), &region_moc, query, &spec)
                .unwrap();
        eprintln!(
            "chunk {chunk}: footprint build {:.2} s",
            t0.elapsed().as_secs_f64()
        );
        let fp = listed(&fp_map);
        for (name, tiles) in &truth {
            let missed: Vec<_> = tiles.difference(&fp[name]).collect();
            assert!(
                missed.is_empty(),
                "{name}: footprint build missed tiles {missed:?}"
            );
        }
    }
}
