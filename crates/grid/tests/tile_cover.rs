//! A tile's cover and bounds hold the tile, by brute force against pyproj:
//! a lattice of points over every tile, its edges and corners included
//! (`(x0 + i·w/n, y0 + j·h/n)`, i, j = 0..=n), taken to (lat, lon) by
//! pyproj's inverse; each point's HEALPix cell at the cover order must be
//! in the tile's MOC, and the point inside the tile's band, window and hull.
//!
//! The cover is also not much larger than the tile: the ratio of the cover's
//! area (cells × the equal cell area on the authalic sphere) to the tile's
//! area on the ellipsoid (∬ dx dy / k², k the point scale factor) is
//! printed and bounded.

#![allow(clippy::many_single_char_names)]

use magg_grid::{Crs, Grid, RectilinearGrid, RectilinearSpec, Resolution, TileRect};
use magg_morton as morton;

const INVERSE: &str = r"
import sys
import numpy as np, pyproj
epsg, n = sys.argv[1], int(sys.argv[2])
rects = np.array([float(v) for v in sys.argv[3:]]).reshape(-1, 4)
inv = pyproj.Transformer.from_crs('EPSG:' + epsg, 'EPSG:4326', always_xy=True)
f = np.arange(n + 1) / n
for x0, y0, x1, y1 in rects:
    X, Y = np.meshgrid(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)
    lon, lat = inv.transform(X.ravel(), Y.ravel())
    print(' '.join(repr(float(v)) for v in np.column_stack([lat, lon]).ravel()))
";

/// WGS84 authalic radius, metres.
const AUTHALIC_RADIUS_M: f64 = 6_371_007.180_918_5;

/// The tile's area on the ellipsoid, m² (midpoint rule on 64 × 64).
fn tile_area(g: &RectilinearGrid, r: &TileRect) -> f64 {
    let p = g.projection();
    let n = 64;
    let (dx, dy) = ((r.x1 - r.x0) / f64::from(n), (r.y1 - r.y0) / f64::from(n));
    let mut a = 0.0;
    for i in 0..n {
        for j in 0..n {
            let x = r.x0 + (f64::from(i) + 0.5) * dx;
            let y = r.y0 + (f64::from(j) + 0.5) * dy;
            let k = p.scale_factor(p.inverse(x, y).0);
            a += dx * dy / (k * k);
        }
    }
    a
}

/// Checks every listed tile at `orders` with an `n × n` lattice; returns
/// the cover/tile area ratios per order.
fn check(g: &RectilinearGrid, tiles: &[u64], n: u32, orders: &[u8]) -> Vec<Vec<f64>> {
    let rects: Vec<TileRect> = tiles.iter().map(|&t| g.tile_rect(t).unwrap()).collect();
    let mut argv = vec![g.crs().epsg().to_string(), n.to_string()];
    for r in &rects {
        argv.extend([r.x0, r.y0, r.x1, r.y1].map(|v| format!("{v:?}")));
    }
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let text = magg_testkit::run_python(INVERSE, &argv);
    let mut ratios = vec![Vec::new(); orders.len()];
    for ((&tile, rect), line) in tiles.iter().zip(&rects).zip(text.lines()) {
        let v: Vec<f64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
        let pts: Vec<(f64, f64)> = v.chunks(2).map(|c| (c[0], c[1])).collect();
        assert_eq!(pts.len(), ((n + 1) * (n + 1)) as usize);
        let bound = g.shard_bound(tile).unwrap();
        for &(lat, lon) in &pts {
            assert!(
                bound.may_hold(lat, lon),
                "tile {tile}: ({lat}, {lon}) outside band/window"
            );
            assert!(
                bound.hull.contains(lat, lon),
                "tile {tile}: ({lat}, {lon}) outside hull"
            );
        }
        let area = tile_area(g, rect);
        for (k, &order) in orders.iter().enumerate() {
            let moc = g.shard_cover(tile, order).unwrap();
            for &(lat, lon) in &pts {
                let cell = morton::geo_to_nested(lat, lon, order).unwrap();
                assert!(
                    moc.touches(order, cell),
                    "tile {tile}: ({lat}, {lon}) not covered at order {order}"
                );
            }
            let cell_area = 4.0 * std::f64::consts::PI * AUTHALIC_RADIUS_M.powi(2)
                / morton::n_cells(order) as f64;
            ratios[k].push(moc.count(order).unwrap() as f64 * cell_area / area);
        }
    }
    ratios
}

fn summary(name: &str, orders: &[u8], ratios: &[Vec<f64>]) {
    for (o, r) in orders.iter().zip(ratios) {
        let max = r.iter().copied().fold(0.0, f64::max);
        let min = r.iter().copied().fold(f64::INFINITY, f64::min);
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        eprintln!("{name}: order {o}: cover / tile area min {min:.4} mean {mean:.4} max {max:.4}");
    }
}

#[test]
fn upstream_antarctic_tiles_are_covered() {
    let g = RectilinearGrid::new(&RectilinearSpec {
        crs: Crs::Epsg3031,
        resolution: Resolution::Square(5000.0),
        bounds: [-3.2e6, -3.2e6, 3.2e6, 3.2e6],
        chunk_shape: [256, 256],
    })
    .unwrap();
    let geo = g.tile_geometry(12).unwrap();
    eprintln!(
        "1280 km tile: {} segments per side, sagitta {:.3} m, buffer {} m",
        geo.per_side, geo.sagitta_m, geo.buffer_m
    );
    let tiles: Vec<u64> = g.shards().collect();
    let orders = [8, 10, 12];
    let ratios = check(&g, &tiles, 48, &orders);
    summary("EPSG:3031 1280 km tiles", &orders, &ratios);
    // Cells of ~24, ~6 and ~1.5 km along 1280 km edges.
    for (r, limit) in ratios.iter().zip([1.12, 1.03, 1.008]) {
        assert!(r.iter().all(|&v| v > 1.0 && v < limit), "{r:?} vs {limit}");
    }
}

#[test]
fn small_arctic_tiles_are_covered_at_fine_orders() {
    let g = RectilinearGrid::new(&RectilinearSpec {
        crs: Crs::Epsg3413,
        resolution: Resolution::Xy([2000.0, 2500.0]),
        bounds: [-3.85e6, -5.35e6, 3.75e6, 5.85e6],
        chunk_shape: [32, 40],
    })
    .unwrap();
    let (across, down) = (g.tiles_across(), g.tiles_down());
    // The pole's tile, its neighbours, the four corners, an edge tile.
    let mut out = [None];
    g.locate(&[90.0], &[0.0], &mut out).unwrap();
    let pole = out[0].unwrap().shard;
    let tiles = [
        pole,
        pole + 1,
        pole - across,
        0,
        across - 1,
        (down - 1) * across,
        down * across - 1,
        (down / 3) * across,
    ];
    let orders = [14, 16];
    let ratios = check(&g, &tiles, 40, &orders);
    summary("EPSG:3413 80 km tiles", &orders, &ratios);
    for r in &ratios {
        assert!(r.iter().all(|&v| v > 1.0 && v < 1.06), "{r:?}");
    }
}
