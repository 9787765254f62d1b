//! The shard map's JSON form: round trip, determinism, and validation
//! errors that name the problem.

use std::collections::BTreeMap;

use magg_catalog::{
    BBox, GranuleRef, GranuleUrls, Query, RegionInfo, RegionRule, ShardMap, Window,
};
use serde_json::Value;

fn granule(id: &str) -> GranuleRef {
    GranuleRef {
        id: id.to_string(),
        urls: GranuleUrls {
            s3: Some(format!("s3://bucket/{id}")),
            https: Some(format!("https://host/{id}")),
            file: None,
        },
        bbox: BBox {
            west: 170.5,
            south: -80.25,
            east: -170.125,
            north: -70.0,
        },
        time_start: Some("2023-12-18T22:21:55.457098Z".into()),
        time_end: None,
        concept_id: Some("G1-NSIDC_CPRD".into()),
        window: 0,
    }
}

fn sample_map() -> ShardMap {
    let w1 = magg_morton::encode(6, 32771).unwrap();
    let w2 = magg_morton::encode(6, 33075).unwrap();
    let mut shards = BTreeMap::new();
    shards.insert(w2, vec![granule("ATL06_20240204143026_07292212_006_01.h5")]);
    shards.insert(
        w1,
        vec![
            granule("ATL06_20231218222155_00012211_006_01.h5"),
            granule("ATL06_20240204143026_07292212_006_01.h5"),
        ],
    );
    ShardMap {
        query: Query {
            source: "cmr".into(),
            short_name: Some("ATL06".into()),
            version: Some("006".into()),
            temporal: Some(("2023-12-17T21:15:00Z".into(), "2024-03-19T16:54:42Z".into())),
            cmr_url: Some("https://cmr.earthdata.nasa.gov".into()),
            region: RegionInfo {
                name: "antarctica".into(),
                moc_order: 12,
                moc: vec![w1, w2],
            },
            match_order: 12,
            buffer_km: 2.0,
            region_rule: RegionRule::AllObservations,
        },
        windows: vec![Window::cycle(22)],
        parent_order: 6,
        child_order: 12,
        rectilinear: None,
        shards,
    }
}

#[test]
fn round_trip_and_deterministic_text() {
    let map = sample_map();
    let text = map.to_json();
    let back = ShardMap::from_json(&text, "t").unwrap();
    assert_eq!(back, map);
    assert_eq!(back.to_json(), text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["magg_shardmap"], 3);
    assert_eq!(v["query"]["region_rule"], "all_observations");
    assert_eq!(v["windows"][0]["label"], "cycle 22");
    assert_eq!(v["windows"][0]["cycle"], 22);
    // One window: granules carry no window field (it is 0).
    assert!(!text.contains("\"window\""), "{text}");
    assert_eq!(v["totals"]["shards"], 2);
    assert_eq!(v["totals"]["granules"], 2);
    assert_eq!(v["totals"]["pairs"], 3);
    // Keys in numeric order (here also lexicographic), as decimal strings.
    let keys: Vec<&String> = v["shards"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2);
    let pos = |w: u64| text.find(&format!("\"{w}\"")).unwrap();
    let (a, b) = (
        magg_morton::encode(6, 32771).unwrap(),
        magg_morton::encode(6, 33075).unwrap(),
    );
    assert!((a < b) == (pos(a) < pos(b)));
    // iter() yields (shard, granules).
    let listed: Vec<(u64, usize)> = back.iter().map(|(s, g)| (s, g.len())).collect();
    assert_eq!(listed, vec![(a, 2), (b, 1)]);
}

#[test]
fn file_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.json");
    sample_map().write(&path).unwrap();
    assert_eq!(ShardMap::read(&path).unwrap(), sample_map());
    let err = ShardMap::read(&dir.path().join("missing.json")).unwrap_err();
    assert!(err.to_string().contains("missing.json"), "{err}");
}

fn err_of(text: &str) -> String {
    ShardMap::from_json(text, "m.json").unwrap_err().to_string()
}

#[test]
fn validation_errors_name_the_problem() {
    let good = sample_map().to_json();
    // Wrong version.
    let e = err_of(&good.replace("\"magg_shardmap\": 3", "\"magg_shardmap\": 4"));
    assert!(e.contains("m.json") && e.contains("version 4"), "{e}");
    // Missing version.
    let e = err_of(&good.replace("\"magg_shardmap\": 3,", ""));
    assert!(e.contains("magg_shardmap"), "{e}");
    // Missing field.
    let e = err_of(&good.replace("\"parent_order\": 6,", ""));
    assert!(e.contains("parent_order"), "{e}");
    // Duplicate shard: repeat the first key's entry.
    let w = magg_morton::encode(6, 32771).unwrap();
    let dup = good.replacen(
        "\"shards\": {",
        &format!("\"shards\": {{\n    \"{w}\": [],"),
        1,
    );
    let e = err_of(&dup);
    assert!(e.contains(&format!("duplicate shard {w}")), "{e}");
    // A key that is not a word.
    let e = err_of(&good.replacen(&format!("\"{w}\""), "\"abc\"", 1));
    assert!(e.contains("abc"), "{e}");
    // A key of the wrong order.
    let w7 = magg_morton::encode(7, 32771 * 4).unwrap();
    let e = err_of(&good.replacen(&format!("\"{w}\""), &format!("\"{w7}\""), 1));
    assert!(e.contains("order-7"), "{e}");
    // Totals that do not add up.
    let e = err_of(&good.replace("\"pairs\": 3", "\"pairs\": 4"));
    assert!(e.contains("totals"), "{e}");
    // Unknown field.
    let e = err_of(&good.replacen('{', "{\n  \"extra\": 1,", 1));
    assert!(e.contains("extra"), "{e}");
    // Unknown fields inside the query are refused too.
    let e = err_of(&good.replacen("\"source\":", "\"sorce\": 1,\n    \"source\":", 1));
    assert!(e.contains("sorce"), "{e}");
    // No rule, or an unknown one.
    let rule = "\"region_rule\": \"all_observations\"";
    let e = err_of(&good.replace(&format!(",\n    {rule}"), ""));
    assert!(e.contains("m.json") && e.contains("region_rule"), "{e}");
    let e = err_of(&good.replace(rule, "\"region_rule\": \"some\""));
    assert!(e.contains("some") && e.contains("child_cells"), "{e}");
}

/// The sample map as a version-2 document: no windows, `query.cycle`.
fn as_v2(map: &ShardMap) -> Value {
    let mut v: Value = serde_json::from_str(&map.to_json()).unwrap();
    let doc = v.as_object_mut().unwrap();
    doc.remove("windows").unwrap();
    doc["magg_shardmap"] = 2.into();
    doc["query"]["cycle"] = 22.into();
    v
}

/// A version-1 map (before the region rule) reads as the `child_cells`
/// rule it was built by, unless its match order was finer than its child
/// order (then it may lack pairs): refused, saying to rebuild.
#[test]
fn version_1_maps_read_as_the_child_cell_rule() {
    let mut map = sample_map();
    map.query.region_rule = RegionRule::ChildCells;
    let mut v1 = as_v2(&map);
    v1["magg_shardmap"] = 1.into();
    v1["query"].as_object_mut().unwrap().remove("region_rule");
    let v1 = v1.to_string();
    assert!(!v1.contains("region_rule"), "{v1}");
    assert_eq!(ShardMap::from_json(&v1, "old.json").unwrap(), map);
    let fine = v1.replace("\"match_order\":12", "\"match_order\":14");
    let e = err_of(&fine);
    assert!(e.contains("version 1") && e.contains("rebuild"), "{e}");
    let mut ruled = as_v2(&sample_map());
    ruled["magg_shardmap"] = 1.into();
    let e = err_of(&ruled.to_string());
    assert!(e.contains("region_rule") && e.contains("version 1"), "{e}");
}

/// A version-2 map (before windows) reads as one window: its cycle's,
/// else its searched range, else `all`. A repeated shard key is still
/// caught (the upgrade goes through a JSON value, which would hide it).
#[test]
fn version_2_maps_read_as_one_window() {
    let map = sample_map();
    let v2 = as_v2(&map);
    assert_eq!(
        ShardMap::from_json(&v2.to_string(), "v2.json").unwrap(),
        map
    );
    let mut ranged = v2.clone();
    ranged["query"].as_object_mut().unwrap().remove("cycle");
    let back = ShardMap::from_json(&ranged.to_string(), "v2.json").unwrap();
    assert_eq!(back.windows.len(), 1);
    let w = &back.windows[0];
    assert_eq!(w.label, "2023-12-17T21:15:00Z/2024-03-19T16:54:42Z");
    assert_eq!(w.start.as_deref(), Some("2023-12-17T21:15:00Z"));
    assert_eq!(w.cycle, None);
    let mut bare = ranged.clone();
    bare["query"].as_object_mut().unwrap().remove("temporal");
    let back = ShardMap::from_json(&bare.to_string(), "v2.json").unwrap();
    assert_eq!(back.windows, vec![Window::all()]);
    // A version-2 map with windows, or a version-3 one with a cycle, is refused.
    let mut odd = v2.clone();
    odd["windows"] = serde_json::to_value(&map.windows).unwrap();
    assert!(err_of(&odd.to_string()).contains("windows"));
    let mut odd: Value = serde_json::from_str(&map.to_json()).unwrap();
    odd["query"]["cycle"] = 22.into();
    assert!(err_of(&odd.to_string()).contains("cycle"));
    let w1 = magg_morton::encode(6, 32771).unwrap();
    let dup = v2
        .to_string()
        .replacen("\"shards\":{", &format!("\"shards\":{{\"{w1}\":[],"), 1);
    let e = err_of(&dup);
    assert!(e.contains("duplicate shard"), "{e}");
}

/// Several windows: granules carry their window index, are sorted by
/// (window, id), and a map whose windows or granules disagree is refused.
#[test]
fn windows_round_trip_and_are_checked() {
    let mut map = sample_map();
    map.windows = vec![Window::cycle(21), Window::cycle(22), Window::cycle(23)];
    for list in map.shards.values_mut() {
        for g in list.iter_mut() {
            g.window = if g.id.contains("0729") { 2 } else { 0 };
        }
    }
    map.normalize();
    let text = map.to_json();
    assert!(text.contains("\"window\": 2"), "{text}");
    let back = ShardMap::from_json(&text, "t").unwrap();
    assert_eq!(back, map);
    let w1 = magg_morton::encode(6, 32771).unwrap();
    let ids: Vec<(u32, &str)> = back.shards[&w1]
        .iter()
        .map(|g| (g.window, g.id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (0, "ATL06_20231218222155_00012211_006_01.h5"),
            (2, "ATL06_20240204143026_07292212_006_01.h5")
        ]
    );
    assert_eq!(back.granules_in(w1, 2).count(), 1);
    assert_eq!(back.granules_in(w1, 1).count(), 0);
    assert_eq!(back.cycle(), None);
    // A window index past the list.
    let e = err_of(&text.replace("\"window\": 2", "\"window\": 3"));
    assert!(e.contains("window 3") && e.contains("3 window(s)"), "{e}");
    // The same granule in two windows.
    let e = err_of(&text.replacen("\"window\": 2", "\"window\": 1", 1));
    assert!(e.contains("one window"), "{e}");
    // Windows out of time order.
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["windows"].as_array_mut().unwrap().swap(0, 1);
    let e = err_of(&v.to_string());
    assert!(e.contains("windows[1]") && e.contains("time order"), "{e}");
    // No window at all.
    v["windows"] = Value::Array(vec![]);
    assert!(err_of(&v.to_string()).contains("windows"));
}

/// Every input the `shardmap_json` fuzzer once broke us with: a parsed map
/// writes and parses back to itself (the first was a 100-digit bbox
/// longitude that came back one ulp off before serde_json's exact
/// `float_roundtrip` parsing was switched on).
#[test]
fn fuzz_regressions_round_trip() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/shardmap_json");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let map = ShardMap::from_json(&text, "regression").unwrap();
        let again = ShardMap::from_json(&map.to_json(), "round trip").unwrap();
        assert_eq!(again, map, "{}", path.display());
        n += 1;
    }
    assert!(n >= 1, "no regression inputs in {}", dir.display());
}
