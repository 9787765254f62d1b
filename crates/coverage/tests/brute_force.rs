//! The cover against a brute force: dense points in every covered and
//! neighbouring cell, tested against the polygon independently (see
//! `support`). Pole-containing, non-convex, antimeridian and holed shapes.

mod support;

use magg_coverage::{Interior, Polygon, Region, Ring};
use support::{Poly, check_cover};

fn cover(rings: &[Vec<(f64, f64)>], order: u8) -> Vec<u64> {
    let mut it = rings.iter();
    let outer = Ring::new("outer", it.next().unwrap(), Interior::Smaller).unwrap();
    let holes = it
        .map(|r| Ring::new("hole", r, Interior::Smaller).unwrap())
        .collect();
    Region::new("t", vec![Polygon { outer, holes }])
        .cover(order)
        .unwrap()
        .cells(order)
        .unwrap()
}

fn circle(lat: f64, step: usize) -> Vec<(f64, f64)> {
    (0..360)
        .step_by(step)
        .map(|l| (lat, f64::from(l)))
        .collect()
}

#[test]
fn ring_around_the_south_pole() {
    let rings = vec![circle(-80.0, 10)];
    let poly = Poly::new(&rings, (89.0, 1.234_567));
    check_cover("pole ring", &poly, 6, &cover(&rings, 6), 12);
}

#[test]
fn nonconvex_l_shape() {
    let l = vec![
        (-70.0, 60.3),
        (-70.0, 110.3),
        (-73.0, 110.3),
        (-73.0, 75.3),
        (-78.0, 75.3),
        (-78.0, 60.3),
    ];
    let rings = vec![l];
    let poly = Poly::new(&rings, (89.0, 1.234_567));
    check_cover("L", &poly, 6, &cover(&rings, 6), 12);
}

#[test]
fn quad_across_the_antimeridian() {
    let q = vec![
        (-72.0, 170.0),
        (-72.0, -170.0),
        (-65.0, -165.0),
        (-65.0, 175.0),
    ];
    let rings = vec![q];
    let poly = Poly::new(&rings, (89.0, 1.234_567));
    check_cover("antimeridian", &poly, 7, &cover(&rings, 7), 10);
}

#[test]
fn annulus_around_the_pole_with_a_hole() {
    let rings = vec![circle(-70.0, 15), circle(-80.0, 20)];
    let poly = Poly::new(&rings, (89.0, 1.234_567));
    check_cover("annulus", &poly, 5, &cover(&rings, 5), 12);
}

#[test]
fn c_shape_across_the_antimeridian() {
    let c = vec![
        (-40.0, 150.0),
        (-40.0, -150.0),
        (-47.0, -150.0),
        (-47.0, 165.0),
        (-68.0, 165.0),
        (-68.0, -150.0),
        (-75.0, -150.0),
        (-75.0, 150.0),
    ];
    let rings = vec![c];
    let poly = Poly::new(&rings, (60.0, 1.234_567));
    check_cover("C", &poly, 5, &cover(&rings, 5), 12);
}
