//! The rectilinear grid's cell of a point against a pyproj + numpy
//! reference written from the upstream system's rule (zagg's
//! `RectilinearGrid.assign`): project with pyproj, `col = ⌊(x − xmin) /
//! res_x⌋`, `row = ⌊(ymax − y) / res_y⌋`, the far edges padded to whole
//! chunks, out of bounds → −1; shard = row-major tile, index row-major in
//! the tile.
//!
//! Points: uniform over the grid's bounds grown by 5 % (so some fall
//! outside), a cluster around the pole, and points placed exactly on cell
//! edges and tile corners (pyproj's inverse of an edge's projected
//! coordinates). A point may only disagree when pyproj's projected
//! coordinate lies within 1 mm of a cell edge (the two projections agree
//! to ~2 µm, so the two sides of an edge can differ); every such case must
//! be explained that way, and they are counted.

#![allow(clippy::many_single_char_names)]

use magg_grid::{Crs, Grid, RectilinearGrid, RectilinearSpec, Resolution};

const REFERENCE: &str = r"
import sys, math
import numpy as np, pyproj
epsg = sys.argv[1]
rx, ry, x0, y0, x1, y1 = map(float, sys.argv[2:8])
ch, cw = int(sys.argv[8]), int(sys.argv[9])
raw_w = int(math.ceil((x1 - x0) / rx - 1e-9)); raw_h = int(math.ceil((y1 - y0) / ry - 1e-9))
width = -(-raw_w // cw) * cw; height = -(-raw_h // ch) * ch
xmin, ymax = x0, y1
xmax, ymin = xmin + width * rx, ymax - height * ry
rng = np.random.default_rng(20261203)
n = 40000  # UNIFORM in the test
gx = (xmax - xmin) * 0.05; gy = (ymax - ymin) * 0.05
xs = rng.uniform(xmin - gx, xmax + gx, n); ys = rng.uniform(ymin - gy, ymax + gy, n)
# exactly on cell edges and tile corners, and around the pole
cols = rng.integers(0, width + 1, 3000); rows = rng.integers(0, height + 1, 3000)
ex = np.concatenate([xmin + cols * rx, rng.uniform(xmin, xmax, 3000), xmin + cols[:1000] * rx])
ey = np.concatenate([rng.uniform(ymin, ymax, 3000), ymax - rows * ry, ymax - rows[:1000] * ry])
tx = xmin + np.arange(0, width + 1, cw) * rx; ty = ymax - np.arange(0, height + 1, ch) * ry
TX, TY = np.meshgrid(tx, ty)
px = rng.normal(0, 20000, 2000); py = rng.normal(0, 20000, 2000)
xs = np.concatenate([xs, ex, TX.ravel(), px, [0.0]]); ys = np.concatenate([ys, ey, TY.ravel(), py, [0.0]])
inv = pyproj.Transformer.from_crs('EPSG:' + epsg, 'EPSG:4326', always_xy=True)
fwd = pyproj.Transformer.from_crs('EPSG:4326', 'EPSG:' + epsg, always_xy=True)
lon, lat = inv.transform(xs, ys)
x, y = fwd.transform(lon, lat)
col = np.floor((x - xmin) / rx).astype(np.int64); row = np.floor((ymax - y) / ry).astype(np.int64)
ok = (row >= 0) & (row < height) & (col >= 0) & (col < width)
across = width // cw
shard = np.where(ok, (row // ch) * across + col // cw, -1)
index = np.where(ok, (row % ch) * cw + col % cw, -1)
print(width, height)
for a in zip(lat, lon, x, y, shard, index):
    print(*(repr(float(v)) for v in a[:4]), int(a[4]), int(a[5]))
";

/// The uniform points come first in the reference's output.
const UNIFORM: usize = 40_000;

/// Checks the grid against the reference; returns (points, inside,
/// disagreements explained by a sub-mm edge, of them among the uniform
/// points).
fn check(spec: &RectilinearSpec) -> (usize, usize, usize, usize) {
    let g = RectilinearGrid::new(spec).unwrap();
    let (rx, ry) = spec.resolution.xy();
    let [b0, b1, b2, b3] = spec.bounds;
    let args: Vec<String> = [rx, ry, b0, b1, b2, b3]
        .iter()
        .map(|v| format!("{v:?}"))
        .chain(spec.chunk_shape.iter().map(u32::to_string))
        .collect();
    let mut argv = vec![spec.crs.epsg().to_string()];
    argv.extend(args);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let text = magg_testkit::run_python(REFERENCE, &argv);
    let mut lines = text.lines();
    let dims: Vec<u64> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(dims, [g.width(), g.height()], "padding rule");
    let (mut lats, mut lons, mut xy, mut want) = (vec![], vec![], vec![], vec![]);
    for l in lines {
        let v: Vec<&str> = l.split_whitespace().collect();
        let f = |i: usize| v[i].parse::<f64>().unwrap();
        lats.push(f(0));
        lons.push(f(1));
        xy.push((f(2), f(3)));
        let (s, i): (i64, i64) = (v[4].parse().unwrap(), v[5].parse().unwrap());
        want.push((s >= 0).then_some((s as u64, i as u32)));
    }
    let mut out = vec![None; lats.len()];
    g.locate(&lats, &lons, &mut out).unwrap();
    let [x0, _, _, y1] = g.bounds();
    let near_edge = |v: f64, origin: f64, res: f64| {
        let q = (v - origin) / res;
        (q - q.round()).abs() * res < 1e-3
    };
    let (mut explained, mut uniform) = (0, 0);
    for (i, got) in out.iter().enumerate() {
        let got = got.map(|c| (c.shard, c.index));
        if got != want[i] {
            let (x, y) = xy[i];
            assert!(
                near_edge(x, x0, rx) || near_edge(y1 - y, 0.0, ry),
                "{}: point {i} ({}, {}) at pyproj ({x}, {y}): magg {got:?}, reference {:?}",
                spec.crs,
                lats[i],
                lons[i],
                want[i]
            );
            explained += 1;
            uniform += usize::from(i < UNIFORM);
        }
    }
    let inside = want.iter().filter(|w| w.is_some()).count();
    (lats.len(), inside, explained, uniform)
}

#[test]
fn upstream_antarctic_grid_matches_pyproj_and_numpy() {
    let (n, inside, edge, uniform) = check(&RectilinearSpec {
        crs: Crs::Epsg3031,
        resolution: Resolution::Square(5000.0),
        bounds: [-3.2e6, -3.2e6, 3.2e6, 3.2e6],
        chunk_shape: [256, 256],
    });
    eprintln!("EPSG:3031: {n} points, {inside} inside, {edge} differ on a sub-mm edge");
    assert!(inside > n / 2 && inside < n);
    // A uniform point lands within 1 mm of an edge with odds ~1e-6.
    assert_eq!(uniform, 0);
}

#[test]
fn padded_arctic_grid_matches_pyproj_and_numpy() {
    let (n, inside, edge, uniform) = check(&RectilinearSpec {
        crs: Crs::Epsg3413,
        resolution: Resolution::Xy([4000.0, 5000.0]),
        bounds: [-1.0e6, -1.5e6, 0.9e6, 0.7e6],
        chunk_shape: [50, 70],
    });
    eprintln!("EPSG:3413: {n} points, {inside} inside, {edge} differ on a sub-mm edge");
    assert!(inside > n / 2 && inside < n);
    assert_eq!(uniform, 0);
}
