//! The polar stereographic projections against pyproj (PROJ) for EPSG:3031
//! and EPSG:3413:
//!
//! - forward, inverse and point scale factor on a lattice of latitudes
//!   from 50° to 89.99° and 24 longitudes in each hemisphere;
//! - over each grid's whole extent in projected coordinates (the upstream
//!   polar grid's ±3,200 km for EPSG:3031, NSIDC's sea-ice grid extent for
//!   EPSG:3413): a 41 × 41 lattice with the corners and edges, points
//!   within 1 m of the pole and the pole itself. pyproj's inverse gives
//!   (lat, lon); our forward of it must land within 1 mm of (x, y), and our
//!   inverse of (x, y) within 1e-9° of pyproj's (lat, lon).

use magg_grid::Crs;
use magg_grid::proj::PolarStereo;

const LATTICE: &str = r"
import sys, pyproj
epsg = sys.argv[1]
sign = -1.0 if epsg == '3031' else 1.0
t = pyproj.Transformer.from_crs('EPSG:4326', 'EPSG:' + epsg, always_xy=True)
p = pyproj.Proj('EPSG:' + epsg)
for lat in [50.0, 60.0, 65.5, 70.0, 71.0, 75.25, 80.0, 85.0, 88.0, 89.5, 89.99]:
    for i in range(0, 24):
        lon = -180.0 + i * 15.0 + 0.125
        x, y = t.transform(lon, sign * lat)
        k = p.get_factors(lon, sign * lat).parallel_scale
        print(repr(sign * lat), repr(lon), repr(x), repr(y), repr(k))
";

const EXTENT: &str = r"
import sys, pyproj
epsg, x0, y0, x1, y1 = sys.argv[1], *map(float, sys.argv[2:6])
t = pyproj.Transformer.from_crs('EPSG:' + epsg, 'EPSG:4326', always_xy=True)
pts = [(x0 + (x1 - x0) * i / 40, y0 + (y1 - y0) * j / 40) for i in range(41) for j in range(41)]
pts += [(0.0, 0.0), (0.3, -0.7), (-1.0, 0.0), (0.0, 1.0), (12.5, -7.25), (-2500.0, 1250.0)]
for x, y in pts:
    lon, lat = t.transform(x, y)
    print(repr(x), repr(y), repr(lat), repr(lon))
";

fn rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
        .collect()
}

fn dlon(a: f64, b: f64) -> f64 {
    ((a - b + 540.0).rem_euclid(360.0) - 180.0).abs()
}

fn check_lattice(p: PolarStereo, epsg: &str) {
    let rows = rows(&magg_testkit::run_python(LATTICE, &[epsg]));
    assert_eq!(rows.len(), 11 * 24);
    for r in rows {
        let [lat, lon, x, y, k] = r[..] else {
            panic!("{r:?}")
        };
        let (fx, fy) = p.forward(lat, lon);
        assert!(
            (fx - x).abs() < 1e-3 && (fy - y).abs() < 1e-3,
            "EPSG:{epsg} forward({lat}, {lon}) = ({fx}, {fy}), pyproj ({x}, {y})"
        );
        let (ilat, ilon) = p.inverse(x, y);
        assert!(
            (ilat - lat).abs() < 1e-9 && dlon(ilon, lon) < 1e-9,
            "EPSG:{epsg} inverse({x}, {y}) = ({ilat}, {ilon}), want ({lat}, {lon})"
        );
        let fk = p.scale_factor(lat);
        assert!(
            (fk - k).abs() < 1e-9,
            "EPSG:{epsg} scale at {lat}: {fk}, pyproj {k}"
        );
    }
}

/// Returns the largest forward error, metres.
fn check_extent(crs: Crs, bounds: [f64; 4]) -> f64 {
    let p = crs.projection();
    let epsg = crs.epsg().to_string();
    let args: Vec<String> = bounds.iter().map(|b| format!("{b:?}")).collect();
    let mut argv = vec![epsg.as_str()];
    argv.extend(args.iter().map(String::as_str));
    let rows = rows(&magg_testkit::run_python(EXTENT, &argv));
    assert_eq!(rows.len(), 41 * 41 + 6);
    let mut worst = 0.0f64;
    for r in rows {
        let [x, y, lat, lon] = r[..] else {
            panic!("{r:?}")
        };
        let (fx, fy) = p.forward(lat, lon);
        let err = (fx - x).hypot(fy - y);
        worst = worst.max(err);
        assert!(
            err < 1e-3,
            "{crs} forward({lat}, {lon}) = ({fx}, {fy}), pyproj ({x}, {y})"
        );
        let (ilat, ilon) = p.inverse(x, y);
        // Longitude is arbitrary at the pole itself.
        let pole = x == 0.0 && y == 0.0;
        assert!(
            (ilat - lat).abs() < 1e-9 && (pole || dlon(ilon, lon) < 1e-9),
            "{crs} inverse({x}, {y}) = ({ilat}, {ilon}), pyproj ({lat}, {lon})"
        );
    }
    worst
}

#[test]
fn antarctic_matches_pyproj() {
    check_lattice(PolarStereo::antarctic(), "3031");
    let worst = check_extent(Crs::Epsg3031, [-3.2e6, -3.2e6, 3.2e6, 3.2e6]);
    eprintln!("EPSG:3031 largest forward error over the extent: {worst:e} m");
}

#[test]
fn arctic_matches_pyproj() {
    check_lattice(PolarStereo::arctic(), "3413");
    let worst = check_extent(Crs::Epsg3413, [-3.85e6, -5.35e6, 3.75e6, 5.85e6]);
    eprintln!("EPSG:3413 largest forward error over the extent: {worst:e} m");
}
