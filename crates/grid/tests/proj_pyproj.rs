//! The polar stereographic projections against pyproj (PROJ): forward,
//! inverse and point scale factor for EPSG:3031 and EPSG:3413 over a grid
//! of points from 50° to 89.99° in each hemisphere.

use magg_viz::PolarStereo;

const SCRIPT: &str = r"
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

fn reference(epsg: &str) -> Vec<[f64; 5]> {
    magg_testkit::run_python(SCRIPT, &[epsg])
        .lines()
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
            [v[0], v[1], v[2], v[3], v[4]]
        })
        .collect()
}

fn check(p: PolarStereo, epsg: &str) {
    let rows = reference(epsg);
    assert_eq!(rows.len(), 11 * 24);
    for [lat, lon, x, y, k] in rows {
        let (fx, fy) = p.forward(lat, lon);
        assert!(
            (fx - x).abs() < 1e-3 && (fy - y).abs() < 1e-3,
            "EPSG:{epsg} forward({lat}, {lon}) = ({fx}, {fy}), pyproj ({x}, {y})"
        );
        let (ilat, ilon) = p.inverse(x, y);
        let dlon = ((ilon - lon + 540.0).rem_euclid(360.0) - 180.0).abs();
        assert!(
            (ilat - lat).abs() < 1e-9 && dlon < 1e-9,
            "EPSG:{epsg} inverse({x}, {y}) = ({ilat}, {ilon}), want ({lat}, {lon})"
        );
        let fk = p.scale_factor(lat);
        assert!(
            (fk - k).abs() < 1e-9,
            "EPSG:{epsg} scale at {lat}: {fk}, pyproj {k}"
        );
    }
}

#[test]
fn antarctic_matches_pyproj() {
    check(PolarStereo::antarctic(), "3031");
}

#[test]
fn arctic_matches_pyproj() {
    check(PolarStereo::arctic(), "3413");
}
