//! `HealpixGrid` is bit-exact with `magg-morton` (and so with mortie): on
//! random points over the sphere and the poles, points next to cell corners
//! and on cell edges, at several (parent, child) order pairs, `locate`'s
//! shard is `geo_to_morton(lat, lon, parent)`, its index the child nested
//! id minus the shard's first child, `locate_in_shard` agrees, and the
//! per-shard coordinates are the children's nested ids and mortie words.

mod common;

use common::Rng;
use magg_grid::{CellRef, Grid, HealpixGrid, NOT_IN_SHARD};
use magg_morton as morton;

/// Random points (uniform on the sphere, a polar cluster) and points a
/// hair from corners of order-`order` cells.
fn points(order: u8) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ u64::from(order));
    let (mut lats, mut lons) = (Vec::new(), Vec::new());
    for _ in 0..20_000 {
        lats.push((2.0 * rng.next() - 1.0).asin().to_degrees());
        lons.push(360.0 * rng.next() - 180.0);
    }
    for _ in 0..5_000 {
        lats.push(-90.0 + 5.0 * rng.next());
        lons.push(720.0 * rng.next() - 360.0);
    }
    for _ in 0..500 {
        let w = morton::geo_to_morton(
            (2.0 * rng.next() - 1.0).asin().to_degrees(),
            360.0 * rng.next() - 180.0,
            order,
        )
        .unwrap();
        for (lat, lon) in morton::boundary(w).unwrap() {
            for d in [0.0, 1e-9, -1e-9] {
                lats.push((lat + d).clamp(-90.0, 90.0));
                lons.push(lon - d);
            }
        }
    }
    lats.extend([90.0, -90.0, 0.0, 0.0, 45.0]);
    lons.extend([0.0, 180.0, 180.0, -180.0, 90.0]);
    (lats, lons)
}

#[test]
fn locate_is_bit_exact_with_morton() {
    for (parent, child) in [(6u8, 12u8), (0, 3), (4, 16), (10, 10), (17, 29)] {
        let g = HealpixGrid::new(parent, child).unwrap();
        let (lats, lons) = points(child);
        let mut out = vec![None; lats.len()];
        g.locate(&lats, &lons, &mut out).unwrap();
        let shift = 2 * u32::from(child - parent);
        for (i, (&lat, &lon)) in lats.iter().zip(&lons).enumerate() {
            let shard = morton::geo_to_morton(lat, lon, parent).unwrap();
            let n = morton::geo_to_nested(lat, lon, child).unwrap();
            let first = morton::child_nested_range(shard, child).unwrap().start;
            assert_eq!(
                out[i],
                Some(CellRef {
                    shard,
                    index: (n - first) as u32
                }),
                "({parent}, {child}) point {i} ({lat}, {lon})"
            );
            assert_eq!(n >> shift, morton::decode(shard).unwrap().nested);
        }
        // locate_in_shard on the shard of every 1009th point, for all points.
        for k in (0..lats.len()).step_by(1009) {
            let shard = out[k].unwrap().shard;
            let mut inside = vec![0u32; lats.len()];
            g.locate_in_shard(shard, &lats, &lons, &mut inside).unwrap();
            for (i, c) in out.iter().enumerate() {
                let c = c.unwrap();
                let want = if c.shard == shard {
                    c.index
                } else {
                    NOT_IN_SHARD
                };
                assert_eq!(inside[i], want, "shard {shard}, point {i}");
            }
        }
    }
}

#[test]
fn shard_cells_and_coordinates_are_the_children() {
    let g = HealpixGrid::new(6, 9).unwrap();
    for (lat, lon) in [
        (-89.99, 10.0),
        (-71.5, -120.25),
        (0.0, 180.0),
        (64.0, -45.0),
    ] {
        let shard = morton::geo_to_morton(lat, lon, 6).unwrap();
        let cells = g.shard_cells(shard).unwrap();
        let range = morton::child_nested_range(shard, 9).unwrap();
        assert_eq!(cells, range.collect::<Vec<_>>());
        let coords = g.shard_coordinates(shard).unwrap();
        assert_eq!(coords[0].name, "cell_ids");
        assert_eq!(coords[0].values, cells);
        assert_eq!(coords[1].name, "morton");
        let mut words = morton::children(shard, 9).unwrap();
        words.sort_unstable();
        let mut got = coords[1].values.clone();
        got.sort_unstable();
        assert_eq!(got, words);
        for (n, w) in cells.iter().zip(&coords[1].values) {
            assert_eq!(morton::decode(*w).unwrap().nested, *n);
        }
    }
}

#[test]
fn bad_points_are_errors_naming_the_first() {
    let g = HealpixGrid::new(6, 12).unwrap();
    let mut lats = vec![-70.0; 200];
    let lons = vec![5.0; 200];
    lats[130] = 91.0;
    lats[150] = f64::NAN;
    let mut out = vec![None; 200];
    let e = g.locate(&lats, &lons, &mut out).unwrap_err().to_string();
    assert!(e.starts_with("point 130 (lat 91"), "{e}");
    assert!(out[..130].iter().all(Option::is_some));
    let mut short = vec![None; 199];
    assert!(g.locate(&lats, &lons, &mut short).is_err());
}
