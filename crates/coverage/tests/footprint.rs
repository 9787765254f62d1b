//! Footprint covers: a real sample footprint with a buffer, rectangles
//! across the antimeridian and at the pole, and lines, against brute force.

#![allow(clippy::many_single_char_names)]

mod support;

use std::collections::BTreeSet;

use cdshealpix::nested::{grid, hash, neighbours};
use magg_coverage::{Footprint, LatLonBox};
use support::Poly;

/// The footprint ring of the first sample granule, geodetic (lat, lon).
fn sample_footprint() -> Vec<(f64, f64)> {
    let path = magg_testkit::sample_dir().join("granules.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    first["footprint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[1].as_f64().unwrap(), p[0].as_f64().unwrap()))
        .collect()
}

#[test]
fn buffered_footprint_holds_every_cell_within_the_buffer() {
    let ring = sample_footprint();
    let order = 9;
    let buffer_km = 5.0;
    let plain = Footprint::polygon("fp", &ring)
        .unwrap()
        .cover(order, 0.0)
        .unwrap();
    let buffered = Footprint::polygon("fp", &ring)
        .unwrap()
        .cover(order, buffer_km)
        .unwrap();
    assert_eq!(plain.difference(&buffered), magg_coverage::Moc::new());
    let cells: BTreeSet<u64> = buffered.cells(order).unwrap().into_iter().collect();
    let poly = Poly::new(&[ring], (60.0, 1.234_567));
    // Brute force on a ring of cells around the buffered cover: any cell
    // with a point within the buffer (on a 6371 km sphere, stricter than
    // the crate's 6330 km) must be covered.
    let r = buffer_km / 6371.0;
    let mut candidates = cells.clone();
    for &c in &cells {
        candidates.extend(neighbours(order, c, false).values_vec());
    }
    let mut near_cells = 0;
    for c in candidates {
        let near = grid(order, c, 6).iter().any(|&(lon, lat)| {
            let p = [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()];
            poly.contains(p) || poly.distance(p) <= r
        });
        if near {
            near_cells += 1;
            assert!(
                cells.contains(&c),
                "cell {c} is within {buffer_km} km but not covered"
            );
        }
    }
    // The buffer is a superset but not a wild one.
    assert!(
        cells.len() < 2 * near_cells,
        "{} vs {near_cells}",
        cells.len()
    );
}

#[test]
fn rectangle_across_the_antimeridian_covers_its_points() {
    let b = LatLonBox {
        west: 170.0,
        south: -75.0,
        east: -175.0,
        north: -70.0,
    };
    let order = 7;
    let moc = Footprint::Rectangles(vec![b]).cover(order, 0.0).unwrap();
    let cells: BTreeSet<u64> = moc.cells(order).unwrap().into_iter().collect();
    // Points of a dense lat/lon grid inside the box: their cells are covered.
    for i in 0..=50 {
        for j in 0..=60 {
            let lat = -75.0 + 5.0 * f64::from(i) / 50.0;
            let lon = 170.0 + 15.0 * f64::from(j) / 60.0;
            let k = magg_morton::geodetic_to_authalic(lat).to_radians();
            let c = hash(order, lon.to_radians().rem_euclid(std::f64::consts::TAU), k);
            assert!(cells.contains(&c), "({lat}, {lon}) cell {c} not covered");
        }
    }
    // And nothing far outside: all covered cells within 1° of the box.
    for c in &cells {
        let (lon, lat) = cdshealpix::nested::center(order, *c);
        let lon = lon.to_degrees();
        let lat = magg_morton::authalic_to_geodetic(lat.to_degrees());
        assert!((-76.0..=-69.0).contains(&lat), "{lat}");
        assert!(
            !(-174.0..=169.0).contains(&(if lon > 180.0 { lon - 360.0 } else { lon })),
            "{lon}"
        );
    }
    // A buffer widens it.
    let wide = Footprint::Rectangles(vec![b]).cover(order, 50.0).unwrap();
    assert!(wide.count(order).unwrap() > moc.count(order).unwrap());
}

#[test]
fn rectangle_reaching_the_pole_is_a_full_cap() {
    let b = LatLonBox {
        west: 10.0,
        south: -90.0,
        east: 20.0,
        north: -85.0,
    };
    let moc = Footprint::Rectangles(vec![b]).cover(6, 0.0).unwrap();
    let cap = Footprint::Rectangles(vec![LatLonBox {
        west: -180.0,
        south: -90.0,
        east: 180.0,
        north: -85.0,
    }])
    .cover(6, 0.0)
    .unwrap();
    assert_eq!(moc.difference(&cap), magg_coverage::Moc::new());
    assert!(!moc.is_empty());
}

#[test]
fn line_cover_holds_the_cells_along_it() {
    let line = vec![(-70.0, 100.0), (-80.0, 160.0), (-75.0, -150.0)];
    let order = 8;
    let moc = Footprint::Lines(vec![line.clone()])
        .cover(order, 0.0)
        .unwrap();
    let cells: BTreeSet<u64> = moc.cells(order).unwrap().into_iter().collect();
    // Points along each great-circle segment (slerp in the kernel frame).
    for w in line.windows(2) {
        let a = unit(w[0]);
        let b = unit(w[1]);
        for t in 0..=2000 {
            let t = f64::from(t) / 2000.0;
            let p = [
                a[0] * (1.0 - t) + b[0] * t,
                a[1] * (1.0 - t) + b[1] * t,
                a[2] * (1.0 - t) + b[2] * t,
            ];
            let n = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
            let lat = (p[2] / n).asin();
            let lon = p[1].atan2(p[0]).rem_euclid(std::f64::consts::TAU);
            assert!(cells.contains(&hash(order, lon, lat)));
        }
    }
    assert!(cells.len() < 400, "{}", cells.len());
}

fn unit((lat, lon): (f64, f64)) -> [f64; 3] {
    let k = magg_morton::geodetic_to_authalic(lat).to_radians();
    let l = lon.to_radians();
    [k.cos() * l.cos(), k.cos() * l.sin(), k.sin()]
}

#[test]
fn bad_footprints_are_errors() {
    assert!(Footprint::polygon("x", &[(0.0, 0.0), (1.0, 1.0)]).is_err());
    let fp = Footprint::Lines(vec![vec![(0.0, 0.0), (95.0, 1.0)]]);
    assert!(fp.cover(6, 0.0).is_err());
    let bad_box = Footprint::Rectangles(vec![LatLonBox {
        west: 0.0,
        south: 10.0,
        east: 1.0,
        north: 5.0,
    }]);
    assert!(bad_box.cover(6, 0.0).is_err());
    let ok = Footprint::Points(vec![(0.0, 0.0)]);
    assert!(ok.cover(6, -1.0).is_err());
    assert_eq!(ok.cover(6, 0.0).unwrap().count(6).unwrap(), 1);
}

#[test]
fn footprint_boxes_hold_the_sample_granules_points() {
    // granules.jsonl has each granule's exact bbox over all its points.
    let path = magg_testkit::sample_dir().join("granules.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    for line in text.lines() {
        let g: serde_json::Value = serde_json::from_str(line).unwrap();
        let ring: Vec<(f64, f64)> = g["footprint"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[1].as_f64().unwrap(), p[0].as_f64().unwrap()))
            .collect();
        let b = Footprint::polygon("fp", &ring)
            .unwrap()
            .bounding_box()
            .unwrap();
        let pts = &g["bbox"];
        let (w, s, e, n) = (
            pts["west"].as_f64().unwrap(),
            pts["south"].as_f64().unwrap(),
            pts["east"].as_f64().unwrap(),
            pts["north"].as_f64().unwrap(),
        );
        assert!(
            b.south <= s && b.north >= n,
            "{}: {b:?} vs {pts}",
            g["file"]
        );
        // Longitudes: the points' span lies within the box's span.
        let span = |w: f64, e: f64| (e - w).rem_euclid(360.0);
        let inside = |x: f64| (x - b.west).rem_euclid(360.0) <= span(b.west, b.east) + 1e-9;
        assert!(inside(w) && inside(e), "{}: {b:?} vs {pts}", g["file"]);
        assert!(
            span(b.west, b.east) < span(w, e) + 10.0,
            "{}: {b:?} vs {pts}",
            g["file"]
        );
    }
}
