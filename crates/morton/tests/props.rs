//! Property tests: round trips and hierarchy consistency on random input.

use magg_morton as morton;
use proptest::prelude::*;

fn order_nested() -> impl Strategy<Value = (u8, u64)> {
    (0u8..=29).prop_flat_map(|k| (Just(k), 0..morton::n_cells(k)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn encode_decode_round_trip((k, n) in order_nested()) {
        let w = morton::encode(k, n).unwrap();
        let c = morton::decode(w).unwrap();
        prop_assert_eq!((c.order, c.nested, c.is_point), (k, n, false));
        prop_assert_eq!(morton::parse_label(&morton::to_label(w).unwrap()).unwrap(), w);
    }

    #[test]
    fn point_round_trip(n in 0..morton::n_cells(29)) {
        let w = morton::encode_point(n).unwrap();
        let c = morton::decode(w).unwrap();
        prop_assert!(c.is_point);
        prop_assert_eq!(c.nested, n);
        prop_assert_eq!(morton::parse_label(&morton::to_label(w).unwrap()).unwrap(), w);
        prop_assert_eq!(morton::parent(w, 29).unwrap(), w);
        prop_assert_eq!(morton::parent(w, 28).unwrap(), morton::encode(28, n >> 2).unwrap());
    }

    #[test]
    fn parents_and_children_agree((k, n) in order_nested(), d in 0u8..=3, up in 0u8..=29) {
        let w = morton::encode(k, n).unwrap();
        let j = up.min(k);
        let p = morton::parent(w, j).unwrap();
        prop_assert_eq!(morton::decode(p).unwrap().nested, n >> (2 * (k - j)));
        // An ancestor sorts at or before its descendants, and its
        // descendants' range contains this cell.
        prop_assert!(p <= w);
        prop_assert!(morton::child_nested_range(p, k).unwrap().contains(&n));
        if k + d <= 29 {
            let kids = morton::children(w, k + d).unwrap();
            prop_assert_eq!(kids.len(), 1usize << (2 * d));
            prop_assert!(kids.windows(2).all(|x| x[0] < x[1]));
            for c in kids {
                prop_assert_eq!(morton::parent(c, k).unwrap(), w);
            }
        } else {
            prop_assert!(morton::children(w, k + d).is_err());
        }
    }

    #[test]
    fn any_u64_decodes_or_errors(w in any::<u64>()) {
        // Never panics; whatever decodes re-encodes to the same word.
        if let Ok(c) = morton::decode(w) {
            let again = if c.is_point {
                morton::encode_point(c.nested)
            } else {
                morton::encode(c.order, c.nested)
            };
            prop_assert_eq!(again.unwrap(), w);
        }
    }

    #[test]
    fn geo_centre_round_trip(lat in -90.0f64..=90.0, lon in -540.0f64..720.0, k in 0u8..=24) {
        let w = morton::geo_to_morton(lat, lon, k).unwrap();
        let (clat, clon) = morton::center(w).unwrap();
        prop_assert_eq!(morton::geo_to_morton(clat, clon, k).unwrap(), w);
        // The point word coarsens to the area word.
        prop_assert_eq!(morton::parent(morton::geo_to_point(lat, lon).unwrap(), k).unwrap(), w);
    }

    #[test]
    fn batch_equals_scalar(pts in prop::collection::vec((-90.0f64..=90.0, -180.0f64..=180.0), 0..300), k in 0u8..=29) {
        let lats: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let lons: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let mut out = vec![0u64; pts.len()];
        morton::geo_to_morton_batch(&lats, &lons, k, &mut out).unwrap();
        for (i, &(lat, lon)) in pts.iter().enumerate() {
            prop_assert_eq!(out[i], morton::geo_to_morton(lat, lon, k).unwrap());
        }
        morton::geo_to_nested_batch(&lats, &lons, k, &mut out).unwrap();
        for (i, &(lat, lon)) in pts.iter().enumerate() {
            prop_assert_eq!(out[i], morton::geo_to_nested(lat, lon, k).unwrap());
        }
    }

    #[test]
    fn bad_coordinates_are_errors(lat in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), 90.0001f64..1e6, -1e6f64..-90.0001], lon in -180.0f64..180.0) {
        prop_assert!(morton::geo_to_morton(lat, lon, 6).is_err());
        prop_assert!(morton::geo_to_morton(-lat.abs().min(0.0), f64::NAN, 6).is_err());
    }
}

#[test]
fn batch_reports_first_bad_index() {
    let lats = [10.0, 20.0, f64::NAN, 95.0];
    let lons = [0.0; 4];
    let mut out = [0u64; 4];
    let err = morton::geo_to_morton_batch(&lats, &lons, 12, &mut out).unwrap_err();
    assert_eq!(err.index, 2);
    assert!(matches!(err.error, morton::Error::NonFinite { .. }));
    // The batch encoders work in blocks of points: a bad point in a later
    // block is still reported at its own index.
    let mut lats = vec![-75.0; 1000];
    let lons = vec![30.0; 1000];
    lats[777] = -90.5;
    let mut many = vec![0u64; 1000];
    let err = morton::geo_to_nested_batch(&lats, &lons, 12, &mut many).unwrap_err();
    assert_eq!(err.index, 777);
    assert!(matches!(err.error, morton::Error::LatitudeOutOfRange(_)));
    let cell = morton::geo_to_nested(-75.0, 30.0, 12).unwrap();
    assert!(
        many[..777].iter().all(|&n| n == cell),
        "points before the bad one are encoded"
    );
    let lats = [10.0, 20.0, f64::NAN, 95.0];
    let err = morton::geo_to_nested_batch(&lats[..2], &lons[..4], 12, &mut out).unwrap_err();
    assert!(matches!(err.error, morton::Error::LengthMismatch { .. }));
    assert!(morton::geo_to_morton(0.0, 0.0, 30).is_err());
    assert!(morton::encode(6, morton::n_cells(6)).is_err());
    assert!(morton::parent(morton::encode(6, 0).unwrap(), 7).is_err());
    assert!(morton::parse_label("7123").is_err());
    assert!(morton::parse_label("1125").is_err());
    assert!(morton::parse_label("").is_err());
    assert!(morton::parse_label("-1p").is_err());
}
