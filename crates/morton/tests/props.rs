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
    fn lon_window_holds_every_point_of_its_cell(lat in -90.0f64..=90.0, lon in -180.0f64..=180.0, k in 0u8..=14) {
        let w = morton::geo_to_morton(lat, lon, k).unwrap();
        prop_assert!(morton::LonWindow::of(w).unwrap().contains(lon));
    }

    #[test]
    fn lon_window_holds_points_near_corners(
        lat in -90.0f64..=90.0, lon in -180.0f64..=180.0, k in 1u8..=12,
        corner in 0usize..4, dlat in -1e-6f64..1e-6, dlon in -1e-6f64..1e-6,
    ) {
        // Points within rounding of a corner of a cell, hashed to whichever
        // cell they fall in: that cell's window must hold them.
        let w = morton::geo_to_morton(lat, lon, k).unwrap();
        let (clat, clon) = morton::boundary(w).unwrap()[corner];
        let (plat, plon) = ((clat + dlat).clamp(-90.0, 90.0), clon + dlon);
        let cell = morton::geo_to_morton(plat, plon, k).unwrap();
        prop_assert!(morton::LonWindow::of(cell).unwrap().contains(plon), "cell {cell} lon {plon}");
    }

    #[test]
    fn cap_holds_every_point_of_its_cell(lat in -90.0f64..=90.0, lon in -180.0f64..=180.0, k in 0u8..=14) {
        let w = morton::geo_to_morton(lat, lon, k).unwrap();
        prop_assert!(morton::Cap::of(w).unwrap().contains(lat, lon));
    }

    #[test]
    fn cap_holds_points_near_corners_and_edges(
        lat in -90.0f64..=90.0, lon in -180.0f64..=180.0, k in 0u8..=12,
        corner in 0usize..4, t in 0.0f64..=1.0, dlat in -1e-6f64..1e-6, dlon in -1e-6f64..1e-6,
    ) {
        // Points near a corner, or near the straight (lat, lon) line between
        // two corners (the edge bulges away from it), hashed to whichever
        // cell they fall in: that cell's cap must hold them.
        let w = morton::geo_to_morton(lat, lon, k).unwrap();
        let b = morton::boundary(w).unwrap();
        let (a, c) = (b[corner], b[(corner + 1) % 4]);
        let (plat, plon) = (
            (a.0 + t * (c.0 - a.0) + dlat).clamp(-90.0, 90.0),
            a.1 + t * (c.1 - a.1) + dlon,
        );
        let cell = morton::geo_to_morton(plat, plon, k).unwrap();
        prop_assert!(morton::Cap::of(cell).unwrap().contains(plat, plon), "cell {cell} ({plat}, {plon})");
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

#[test]
fn lon_window_is_narrow_away_from_the_poles() {
    // Shard 6:32776 (lon 0..30 near 87.8 S): a 30 degree window.
    let shard = morton::geo_to_morton(-87.8, 15.0, 6).unwrap();
    let w = morton::LonWindow::of(shard).unwrap();
    assert!(w.contains(0.0) && w.contains(15.0) && w.contains(30.0));
    assert!(!w.contains(-1.0) && !w.contains(31.0) && !w.contains(180.0));
    assert!(!w.contains(f64::NAN));
    // A cell astride the antimeridian holds both -180 and 180.
    let astride = morton::geo_to_morton(0.1, 179.99, 6).unwrap();
    let w = morton::LonWindow::of(astride).unwrap();
    assert!(w.contains(180.0) && w.contains(-180.0) && w.contains(-179.9) && w.contains(540.0));
    assert!(!w.contains(0.0) && !w.contains(90.0));
    // A cell with a corner on the pole holds every longitude.
    let polar = morton::geo_to_morton(-89.99, 10.0, 6).unwrap();
    let w = morton::LonWindow::of(polar).unwrap();
    assert!(w.contains(10.0) && w.contains(-170.0));
}

#[test]
fn cap_is_tight_and_rejects_what_is_far() {
    let shard = morton::geo_to_morton(-87.8, 15.0, 6).unwrap();
    let cap = morton::Cap::of(shard).unwrap();
    let (clat, clon) = morton::center(shard).unwrap();
    assert!(cap.contains(clat, clon));
    for (lat, lon) in morton::boundary(shard).unwrap() {
        assert!(cap.contains(lat, lon));
    }
    // The cap's radius is not much more than the farthest corner's.
    let far = morton::boundary(shard)
        .unwrap()
        .iter()
        .map(|&(la, lo)| cap.key(la, lo))
        .fold(0.0, f64::max);
    assert!(cap.radius() < far * 1.1, "{} vs {far}", cap.radius());
    // The other side of the band the shard lies in, and bad points.
    assert!(!cap.contains(-87.8, 195.0));
    assert!(!cap.contains(-60.0, 15.0));
    assert!(cap.key(f64::NAN, 0.0).is_nan() && cap.key(-91.0, 0.0).is_nan());
    assert!(cap.key(0.0, f64::INFINITY).is_nan());
    // Longitude is periodic.
    assert!((cap.key(clat, clon + 360.0) - cap.key(clat, clon)).abs() < 1e-12);
}

/// A deterministic sweep on top of the property tests: points spread over
/// the sphere and points within 1e-9 degrees of cell corners, at several
/// orders; each point's cell window and cell cap must hold it.
#[test]
fn lon_window_sweep() {
    let points: usize = std::env::var("MAGG_LON_WINDOW_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..points {
        let k = [0u8, 1, 3, 6, 9, 12, 18][i % 7];
        let lat = (2.0 * next() - 1.0).asin().to_degrees();
        let lon = -180.0 + 360.0 * next();
        let (plat, plon) = if i % 2 == 0 {
            (lat, lon)
        } else {
            let word = morton::geo_to_morton(lat, lon, k).unwrap();
            let (clat, clon) = morton::boundary(word).unwrap()[i / 2 % 4];
            let jitter = |x: f64| (x - 0.5) * 2e-9;
            (
                (clat + jitter(next())).clamp(-90.0, 90.0),
                clon + jitter(next()),
            )
        };
        let cell = morton::geo_to_morton(plat, plon, k).unwrap();
        assert!(
            morton::LonWindow::of(cell).unwrap().contains(plon),
            "point ({plat}, {plon}) at order {k}: cell {cell}"
        );
        assert!(
            morton::Cap::of(cell).unwrap().contains(plat, plon),
            "cap: point ({plat}, {plon}) at order {k}: cell {cell}"
        );
    }
}
