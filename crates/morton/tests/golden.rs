//! Conformance against mortie 1.0.0's golden vectors (`shared/golden/`),
//! written by mortie itself (and healpy/cdshealpix/mocpy). Integer codes
//! must agree exactly; geometry to 1e-7 degrees.

use std::collections::{BTreeSet, HashMap};

use magg_morton as morton;
use serde_json::Value;

fn read(name: &str) -> String {
    let path = magg_testkit::golden_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a u64: {v}"))
}

fn f(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        _ => v.as_f64().unwrap(),
    }
}

struct Row(HashMap<String, String>);

impl Row {
    fn get(&self, k: &str) -> &str {
        &self.0[k]
    }
    fn f(&self, k: &str) -> f64 {
        self.get(k).parse().unwrap()
    }
    fn u(&self, k: &str) -> u64 {
        self.get(k).parse().unwrap()
    }
}

fn geo2mort_rows() -> Vec<Row> {
    let text = read("geo2mort.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Row> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{l}");
            Row(header
                .iter()
                .zip(cells)
                .map(|(h, c)| ((*h).to_string(), c.to_string()))
                .collect())
        })
        .collect();
    assert_eq!(rows.len(), 3156);
    rows
}

#[test]
fn geo2mort_every_point_every_order() {
    let mut checked = 0;
    for r in geo2mort_rows() {
        let (lat, lon) = (r.f("lat"), r.f("lon"));
        let ctx = format!("{} lat={lat} lon={lon}", r.get("category"));
        for k in 0..=29u8 {
            let want = r.u(&format!("m{k}"));
            assert_eq!(
                morton::geo_to_morton(lat, lon, k).unwrap(),
                want,
                "{ctx} order {k}"
            );
            let nested = morton::geo_to_nested(lat, lon, k).unwrap();
            assert_eq!(morton::encode(k, nested).unwrap(), want, "{ctx} order {k}");
            // The order-29 area word coarsened to k equals the order-k word.
            assert_eq!(
                morton::parent(r.u("m29"), k).unwrap(),
                want,
                "{ctx} parent {k}"
            );
            checked += 1;
        }
        let point = morton::geo_to_point(lat, lon).unwrap();
        assert_eq!(point, r.u("point29"), "{ctx} point");
        assert_eq!(morton::parent(point, 12).unwrap(), r.u("m12"), "{ctx}");
        assert_eq!(
            morton::to_label(r.u("m6")).unwrap(),
            r.get("label6"),
            "{ctx}"
        );
        assert_eq!(
            morton::to_label(r.u("m12")).unwrap(),
            r.get("label12"),
            "{ctx}"
        );
        assert_eq!(morton::parse_label(r.get("label12")).unwrap(), r.u("m12"));
        assert_eq!(
            morton::decode(r.u("m6")).unwrap().nested,
            r.u("nest6"),
            "{ctx}"
        );
        assert_eq!(
            morton::decode(r.u("m12")).unwrap().nested,
            r.u("nest12"),
            "{ctx}"
        );
        // Our authalic series against mortie's (same evaluation: exact or ulps).
        let beta = morton::geodetic_to_authalic(lat);
        assert!((beta - r.f("lat_authalic")).abs() <= 1e-12, "{ctx}: {beta}");
        // The geodetic-spherical words exercise the packing on raw latitudes.
        for (col, k) in [("gs6", 6u8), ("gs12", 12), ("gs29", 29)] {
            let n = healpix::get(k).hash(healpix::coords::Degrees(lon, lat));
            assert_eq!(morton::encode(k, n).unwrap(), r.u(col), "{ctx} {col}");
        }
    }
    assert_eq!(checked, 3156 * 30);
}

#[test]
fn words_decode_encode_labels() {
    let w = json("words.json");
    for e in w["decode"].as_array().unwrap() {
        let word = u(&e["word"]);
        let cell = morton::decode(word).unwrap();
        assert_eq!(u64::from(cell.order), u(&e["order"]), "{e}");
        assert_eq!(cell.nested, u(&e["nested"]), "{e}");
        assert_eq!(cell.nested >> (2 * cell.order), u(&e["base"]), "{e}");
        assert_eq!(cell.is_point, e["is_point"].as_bool().unwrap(), "{e}");
        let again = if cell.is_point {
            morton::encode_point(cell.nested)
        } else {
            morton::encode(cell.order, cell.nested)
        };
        assert_eq!(again.unwrap(), word);
        assert_eq!(format!("{word:#018x}"), e["word_hex"].as_str().unwrap());
        let label = morton::to_label(word).unwrap();
        assert_eq!(label, e["label"].as_str().unwrap());
        assert_eq!(morton::parse_label(&label).unwrap(), word);
    }
    for e in w["legacy_i64"].as_array().unwrap() {
        let legacy = morton::to_legacy_i64(u(&e["word"])).unwrap();
        assert_eq!(legacy, e["legacy_i64"].as_i64().unwrap(), "{e}");
    }
    for e in w["invalid_words"].as_array().unwrap() {
        // mortie rejects 0 and prefixes 13/15; it accepts the stray-bit word,
        // which magg rejects on purpose (documented in the crate docs).
        let word = u(&e["word"]);
        assert!(morton::decode(word).is_err(), "{e}");
    }
    for e in w["special_inputs"].as_array().unwrap() {
        // NaN/inf → mortie's null word 0; |lat| > 90 → mortie junk.
        // magg: a typed error for both.
        let (lat, lon) = (f(&e["lat"]), f(&e["lon"]));
        assert!(morton::geo_to_morton(lat, lon, 6).is_err(), "{e}");
        assert!(morton::geo_to_point(lat, lon).is_err(), "{e}");
        if u(&e["m6"]) == 0 {
            assert!(!(lat.is_finite() && lon.is_finite()), "{e}");
        } else {
            assert!(lat.abs() > 90.0, "{e}");
        }
    }
    for e in w["authalic"].as_array().unwrap() {
        let lat = f(&e["lat"]);
        let a = morton::geodetic_to_authalic(lat);
        let g = morton::authalic_to_geodetic(lat);
        assert!(
            (a - f(&e["geodetic_to_authalic"])).abs() <= 1e-12,
            "{e}: {a}"
        );
        assert!(
            (g - f(&e["authalic_to_geodetic"])).abs() <= 1e-12,
            "{e}: {g}"
        );
    }
}

#[test]
fn relations_parents_children_sort() {
    let r = json("relations.json");
    for c in r["cells"].as_array().unwrap() {
        let word = u(&c["word"]);
        let order = morton::order_of(word).unwrap();
        assert_eq!(u64::from(order), u(&c["order"]));
        assert_eq!(
            morton::to_label(word).unwrap(),
            c["label"].as_str().unwrap()
        );
        for (k, p) in c["parents"].as_object().unwrap() {
            let k: u8 = k.parse().unwrap();
            assert_eq!(morton::parent(word, k).unwrap(), u(p), "{word} -> {k}");
        }
        for (key, d) in [("children_1", 1u8), ("children_2", 2)] {
            let Some(want) = c.get(key).and_then(Value::as_array) else {
                continue;
            };
            if order + d > 29 {
                assert!(want.is_empty());
                continue;
            }
            let want: Vec<u64> = want.iter().map(u).collect();
            assert_eq!(morton::children(word, order + d).unwrap(), want, "{word}");
            let range = morton::child_nested_range(word, order + d).unwrap();
            assert_eq!(range.end - range.start, want.len() as u64);
            assert_eq!(morton::decode(want[0]).unwrap().nested, range.start);
        }
    }
    for p in r["point_words"].as_array().unwrap() {
        let word = u(&p["word"]);
        let cell = morton::decode(word).unwrap();
        assert!(cell.is_point && cell.order == 29);
        assert_eq!(cell.nested, u(&p["nested29"]));
        assert_eq!(
            morton::to_label(word).unwrap(),
            p["label"].as_str().unwrap()
        );
        assert_eq!(morton::encode(29, cell.nested).unwrap(), u(&p["area29"]));
        assert_eq!(
            morton::clip_to_order(word, 29).unwrap(),
            u(&p["clip2order_29"])
        );
        let kids: Vec<u64> = p["children_29"].as_array().unwrap().iter().map(u).collect();
        assert_eq!(morton::children(word, 29).unwrap(), kids);
        for (k, a) in p["parents"].as_object().unwrap() {
            let k: u8 = k.parse().unwrap();
            assert_eq!(
                morton::clip_to_order(word, k).unwrap(),
                u(a),
                "{word} -> {k}"
            );
        }
    }
    for e in r["clip_examples"].as_array().unwrap() {
        let (word, to) = (u(&e["word"]), u(&e["clip_order"]) as u8);
        assert_eq!(
            morton::clip_to_order(word, to).unwrap(),
            u(&e["result"]),
            "{e}"
        );
    }
    // Raw u64 order is a preorder walk: an ancestor sorts right before its
    // descendants, which form one contiguous run.
    let sample: Vec<u64> = r["sorted_sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(u)
        .collect();
    let mut sorted = sample.clone();
    sorted.sort_unstable();
    assert_eq!(sample, sorted);
    let is_anc = |a: u64, b: u64| {
        let (oa, ob) = (morton::order_of(a).unwrap(), morton::order_of(b).unwrap());
        oa < ob && morton::parent(b, oa).unwrap() == a
    };
    for (i, &a) in sample.iter().enumerate() {
        let desc: Vec<usize> = (0..sample.len())
            .filter(|&j| is_anc(a, sample[j]))
            .collect();
        if let (Some(&first), Some(&last)) = (desc.first(), desc.last()) {
            assert!(first > i, "ancestor {a} sorts after a descendant");
            assert_eq!(
                last - first + 1,
                desc.len(),
                "descendants of {a} not contiguous"
            );
        }
    }
}

fn close_lat_lon(got: (f64, f64), want: &Value, ctx: &str) {
    let (wlat, wlon) = (f(&want[0]), f(&want[1]));
    assert!((got.0 - wlat).abs() < 1e-7, "{ctx}: lat {got:?} vs {want}");
    if wlat.abs() < 90.0 - 1e-9 {
        let d = (got.1 - wlon).rem_euclid(360.0);
        assert!(d.min(360.0 - d) < 1e-7, "{ctx}: lon {got:?} vs {want}");
    }
}

#[test]
fn boundaries_centres_and_vertices() {
    let b = json("boundaries.json");
    let cells = b["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 50);
    for c in cells {
        let word = u(&c["word"]);
        let cell = morton::decode(word).unwrap();
        assert_eq!(cell.nested, u(&c["nested"]));
        let centre = morton::center(word).unwrap();
        close_lat_lon(centre, &c["mortie_mort2geo"], &format!("centre {word}"));
        assert!(centre.1 > -180.0 && centre.1 <= 180.0);
        close_lat_lon(centre, &c["centre_geodetic"], &format!("centre {word}"));
        let ring = c["mortie_mort2polygon"].as_array().unwrap();
        assert_eq!(ring.len(), 5, "closed N, W, S, E ring");
        let verts = morton::boundary(word).unwrap();
        for (i, v) in verts.iter().enumerate() {
            close_lat_lon(*v, &ring[i], &format!("vertex {i} of {word}"));
        }
        // No jump across ±180 in our ring (for maps).
        let lons: Vec<f64> = verts
            .iter()
            .filter(|v| v.0.abs() < 89.9)
            .map(|v| v.1)
            .collect();
        let span = lons.iter().copied().fold(f64::MIN, f64::max)
            - lons.iter().copied().fold(f64::MAX, f64::min);
        assert!(span < 180.0, "ring of {word} jumps: {verts:?}");
        // And every vertex re-hashes to a cell touching this one: the
        // boundary is the cell's own.
        let senw = c["vertices_geodetic_SENW"].as_array().unwrap();
        for (i, j) in [(0usize, 2usize), (1, 3), (2, 0), (3, 1)] {
            close_lat_lon(verts[i], &senw[j], &format!("SENW {j} of {word}"));
        }
    }
}

#[test]
fn coverage_words_are_consistent_covers() {
    // The coverage crate checks polygon covers; here: every word is a
    // valid order-6 word, and mortie's compact MOC expands to its flat cover.
    let cov = json("coverage.json");
    let order = u(&cov["order"]) as u8;
    for (name, p) in cov["polygons"].as_object().unwrap() {
        let flat: BTreeSet<u64> = p["mortie_morton_coverage_words"]
            .as_array()
            .unwrap()
            .iter()
            .map(u)
            .collect();
        assert!(!flat.is_empty(), "{name}");
        for &w in &flat {
            assert_eq!(morton::order_of(w).unwrap(), order, "{name}");
        }
        let mut expanded = BTreeSet::new();
        for w in p["mortie_moc_words"].as_array().unwrap().iter().map(u) {
            expanded.extend(morton::children(w, order).unwrap());
        }
        assert_eq!(expanded, flat, "{name}: MOC expands to the flat cover");
        let nested: BTreeSet<u64> = p["reference_nested"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| morton::encode(order, u(n)).unwrap())
            .collect();
        let words: BTreeSet<u64> = p["reference_words"]
            .as_array()
            .unwrap()
            .iter()
            .map(u)
            .collect();
        assert_eq!(
            nested, words,
            "{name}: reference nested ids encode to its words"
        );
    }
}
