//! The CMR catalog for ATL08 (a cycle) and GEDI L2A (a time range: GEDI
//! has no cycles) against the recorded-response server, with granules
//! written by `tools/products/` and UMM-G records made from them (a
//! footprint polygon around the outer beams, the data's time range).
//! Brute force with h5py + mortie: every observation's order-6 shard lists
//! its granule (0 missed), over a region across the antimeridian and the
//! equator for GEDI.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use magg_catalog::cmr::{CmrClient, GranuleQuery};
use magg_catalog::{BuildSpec, ShardMap, build, regions};
use serde_json::{Value, json};
use support::paging_server;

/// Per granule (h5py): its footprint ring (the outer beams present, given
/// in cross-track order; every 100th row and the ends: left forward,
/// right backward), its time range (ISO,
/// from delta_time since 2018-01-01), and the order-6 words of its points.
const FOOTPRINTS: &str = r#"
import sys, os, json, datetime as dt, h5py, numpy as np, mortie
src, beams, lat_p, lon_p, t_p = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4], sys.argv[5]
epoch = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)
iso = lambda s: (epoch + dt.timedelta(seconds=float(s))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
for name in sorted(os.listdir(src)):
    with h5py.File(os.path.join(src, name), "r") as f:
        lat, lon, t = [], [], []
        for b in beams:
            if b in f:
                lat.append(f[lat_p.replace("{group}", b)][:].astype(np.float64))
                lon.append(f[lon_p.replace("{group}", b)][:].astype(np.float64))
                t.append(f[t_p.replace("{group}", b)][:])
        def side(b):
            la, lo = f[lat_p.replace("{group}", b)][:], f[lon_p.replace("{group}", b)][:]
            k = np.unique(np.r_[np.arange(0, la.size, 100), la.size - 1])
            return [[float(lo[i]), float(la[i])] for i in k]
        present = [b for b in beams if b in f]
        left, right = side(present[0]), side(present[-1])
        ring = left + right[::-1] + [left[0]]
        lat, lon, t = np.concatenate(lat), np.concatenate(lon), np.concatenate(t)
        words = sorted(int(w) for w in np.unique(mortie.geo2mort(lat, lon, order=6)))
        print(json.dumps({"file": name, "ring": ring, "start": iso(t.min()), "end": iso(t.max()),
                          "words": words, "points": int(lat.size)}))
"#;

struct Product {
    script: &'static str,
    args: &'static [&'static str],
    beams: &'static str,
    lat: &'static str,
    lon: &'static str,
    time: &'static str,
    short_name: &'static str,
    version: &'static str,
    bucket: &'static str,
}

fn granules(p: &Product, dir: &Path) -> Vec<Value> {
    let out = dir.join("granules");
    magg_testkit::generate_product(p.script, &out, p.args);
    let said = magg_testkit::run_python(
        FOOTPRINTS,
        &[out.to_str().unwrap(), p.beams, p.lat, p.lon, p.time],
    );
    said.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A UMM-G 1.6 record of a generated granule (the shape of
/// `support::umm_item`'s, with the product's names and DAAC URLs).
fn umm(p: &Product, g: &Value, i: usize) -> Value {
    let file = g["file"].as_str().unwrap();
    let points: Vec<Value> = g["ring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| json!({"Longitude": q[0], "Latitude": q[1]}))
        .collect();
    json!({
        "meta": {"concept-type": "granule", "concept-id": format!("G{:010}-TEST", 4_000_000_000u64 + i as u64),
                 "revision-id": 1, "native-id": file, "provider-id": "TEST"},
        "umm": {
            "GranuleUR": file,
            "CollectionReference": {"ShortName": p.short_name, "Version": p.version},
            "TemporalExtent": {"RangeDateTime": {"BeginningDateTime": g["start"], "EndingDateTime": g["end"]}},
            "SpatialExtent": {"HorizontalSpatialDomain": {
                "Geometry": {"GPolygons": [{"Boundary": {"Points": points}}]}}},
            "RelatedUrls": [
                {"URL": format!("https://data.example/{}/{file}", p.bucket), "Type": "GET DATA"},
                {"URL": format!("s3://{}/{file}", p.bucket), "Type": "GET DATA VIA DIRECT ACCESS"}
            ]
        }
    })
}

/// Searches the server with `query`, builds the map over the box, and
/// checks every observation's shard lists its granule. Returns the map.
async fn catalog(p: &Product, mut query: GranuleQuery, bbox: [f64; 4]) -> (ShardMap, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let made = granules(p, dir.path());
    let items: Vec<Value> = made.iter().enumerate().map(|(i, g)| umm(p, g, i)).collect();
    let server = paging_server(items, 2);
    query.page_size = 2;
    let mut client = CmrClient::with_timeout(&server.base, Duration::from_secs(5)).unwrap();
    client.backoff = Duration::from_millis(5);
    let found = client.search(&query).await.unwrap();
    assert_eq!(found.granules.len(), made.len());
    let targets: Vec<String> = server.seen().iter().map(|r| r.target.clone()).collect();
    let region_path = dir.path().join("box.geojson");
    magg_testkit::write_box_geojson(&region_path, bbox);
    let region = regions::region(region_path.to_str().unwrap()).unwrap();
    let spec = BuildSpec::default();
    let moc = spec.region_moc(&region).unwrap();
    let q = spec.query("cmr", &region, &moc).unwrap();
    let map = build::from_footprints(
        &found.granules,
        vec![magg_catalog::Window::all()],
        &moc,
        q,
        &spec,
    )
    .unwrap();
    let listed: BTreeSet<(u64, String)> = map
        .iter()
        .flat_map(|(s, gs)| gs.iter().map(move |g| (s, g.id.clone())))
        .collect();
    let (mut points, mut missed, mut needed) = (0, 0, BTreeSet::new());
    for g in &made {
        points += g["points"].as_u64().unwrap();
        let id = g["file"].as_str().unwrap().to_string();
        for w in g["words"].as_array().unwrap() {
            let pair = (w.as_u64().unwrap(), id.clone());
            if !listed.contains(&pair) {
                missed += 1;
            }
            needed.insert(pair);
        }
    }
    let extra = listed.difference(&needed).count();
    eprintln!(
        "{}: {} granules, {points} points, {} shards, {} pairs, {missed} missed (shard, granule) pairs, {extra} listed without a point",
        p.short_name,
        made.len(),
        map.totals().shards,
        map.totals().pairs
    );
    assert_eq!(missed, 0);
    assert!(map.totals().shards >= 4);
    (map, targets)
}

#[tokio::test]
async fn gedi_l2a_by_time_range_across_the_antimeridian_misses_nothing() {
    let p = Product {
        script: "make_gedi02a.py",
        args: &[
            "--center",
            "0,180",
            "--granules",
            "4",
            "--drop-beam-of",
            "1",
        ],
        beams: "BEAM0000,BEAM0001,BEAM0010,BEAM0011,BEAM0101,BEAM0110,BEAM1000,BEAM1011",
        lat: "/{group}/lat_lowestmode",
        lon: "/{group}/lon_lowestmode",
        time: "/{group}/delta_time",
        short_name: "GEDI02_A",
        version: "002",
        bucket: "lp-prod-protected/GEDI02_A.002",
    };
    // GEDI has no cycles: a time range, no track search.
    let q = GranuleQuery::temporal(
        "GEDI02_A",
        "002",
        "2021-03-01T00:00:00Z",
        "2021-03-03T00:00:00Z",
    );
    let (map, targets) = catalog(&p, q, [-10.0, 10.0, 170.0, -170.0]).await;
    let t = &targets[0];
    assert!(t.contains("short_name=GEDI02_A&version=002"), "{t}");
    assert!(t.contains("temporal=2021-03-01T00"), "{t}");
    assert!(!t.contains("cycle"), "{t}");
    // Shards on both sides of the antimeridian and of the equator.
    let centres: Vec<(f64, f64)> = map
        .iter()
        .map(|(s, _)| magg_morton::center(s).unwrap())
        .collect();
    assert!(centres.iter().any(|c| c.0 > 0.0) && centres.iter().any(|c| c.0 < 0.0));
    assert!(centres.iter().any(|c| c.1 > 170.0) && centres.iter().any(|c| c.1 < -170.0));
}

#[tokio::test]
async fn atl08_by_cycle_misses_nothing() {
    let p = Product {
        script: "make_atl08.py",
        args: &[
            "--center",
            "45,-121",
            "--granules",
            "4",
            "--drop-beam-of",
            "2",
        ],
        beams: "gt1l,gt1r,gt2l,gt2r,gt3l,gt3r",
        lat: "/{group}/land_segments/latitude",
        lon: "/{group}/land_segments/longitude",
        time: "/{group}/land_segments/delta_time",
        short_name: "ATL08",
        version: "006",
        bucket: "nsidc-cumulus-prod-protected/ATLAS/ATL08/006",
    };
    let q = GranuleQuery::cycle("ATL08", "006", 22).unwrap();
    let (_, targets) = catalog(&p, q, [40.0, 50.0, -127.0, -115.0]).await;
    let t = &targets[0];
    assert!(t.contains("short_name=ATL08&version=006"), "{t}");
    assert!(t.contains("cycle%5B%5D=22"), "{t}");
}
