//! COGs as GDAL sees them, and the HEALPix resampler against pyproj +
//! mortie.
//!
//! - Two COGs (f32 with NaN nodata on EPSG:3031, f64 with −9999 on
//!   EPSG:3413; odd sizes, not whole tiles; non-square pixels) open in
//!   rasterio with the right EPSG code, transform, nodata, dtype, 256-pixel
//!   tiles and internal overviews; their values equal what was written
//!   (NaN where NaN); `rio_cogeo.cog_validate` finds them valid with no
//!   errors or warnings. Integer COGs (u32 with nodata 0, i32, and i64/u64
//!   holding values beyond 2^53) keep their type, values and nodata, and
//!   validate too.
//! - A HEALPix field at order 8 resampled onto an EPSG:3031 grid equals a
//!   reference built from pyproj (pixel centres → lat/lon) and mortie
//!   (`geo2mort`, the cell of each centre), except where a centre lies
//!   within 1e-8° of a cell edge (the two inverse projections differ by
//!   ~1e-12°), each such pixel checked to be one; written as a COG it reads
//!   back equal.

// Values are compared exactly; w, h, r, c, x, y are the raster's own names.
#![allow(clippy::float_cmp, clippy::many_single_char_names)]

use std::path::Path;

use magg_export::{CogOptions, GeoRef, HealpixField, Raster, resample_healpix, write_cog};
use magg_grid::{Crs, RectilinearGrid, RectilinearSpec, Resolution};
use magg_morton as morton;

const CHECK: &str = r"
import sys, json, warnings
import numpy as np, rasterio
from rio_cogeo.cogeo import cog_validate
path, raw, dtype = sys.argv[1], sys.argv[2], sys.argv[3]
with rasterio.open(path) as d:
    a = d.read(1)
    out = {'epsg': d.crs.to_epsg(), 'transform': list(d.transform)[:6], 'nodata': repr(d.nodata),
           'dtype': d.dtypes[0], 'shape': list(a.shape), 'blocks': [list(b) for b in d.block_shapes],
           'overviews': d.overviews(1), 'driver': d.driver}
want = np.fromfile(raw, dtype=dtype).reshape(a.shape)
out['equal'] = bool(np.array_equal(a, want, equal_nan=True))
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    valid, errors, warns = cog_validate(path)
out['valid'], out['errors'], out['warnings'] = valid, errors, warns
print(json.dumps(out))
";

fn write_raw<T: Copy>(path: &Path, data: &[T], le: impl Fn(T) -> Vec<u8>) {
    let bytes: Vec<u8> = data.iter().flat_map(|&v| le(v)).collect();
    std::fs::write(path, bytes).unwrap();
}

fn check(path: &Path, raw: &Path, dtype: &str) -> serde_json::Value {
    let out = magg_testkit::run_python(
        CHECK,
        &[path.to_str().unwrap(), raw.to_str().unwrap(), dtype],
    );
    serde_json::from_str(&out).unwrap()
}

fn assert_cog(v: &serde_json::Value, epsg: u16, gt: [f64; 6], nodata: &str, dtype: &str) {
    assert_eq!(v["driver"], "GTiff", "{v}");
    assert_eq!(v["epsg"], epsg, "{v}");
    let t: Vec<f64> = v["transform"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    // rasterio's Affine a..f = res_x, 0, x_left, 0, -res_y, y_top.
    assert_eq!(t, [gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]], "{v}");
    assert_eq!(v["nodata"], nodata, "{v}");
    assert_eq!(v["dtype"], dtype, "{v}");
    assert_eq!(v["blocks"], serde_json::json!([[256, 256]]), "{v}");
    assert_eq!(v["equal"], true, "values differ: {v}");
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");
    assert_eq!(v["warnings"], serde_json::json!([]), "{v}");
}

#[test]
fn cogs_open_in_rasterio_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    // f32, NaN nodata, EPSG:3031, 900 × 700.
    let (w, h) = (900, 700);
    let data: Vec<f32> = (0..w * h)
        .map(|i| {
            let (r, c) = (i / w, i % w);
            if (r * 7 + c * 3) % 11 == 0 {
                f32::NAN
            } else {
                (r as f32) * 0.25 - (c as f32) * 1.5e-3 + 1200.0
            }
        })
        .collect();
    let raster = Raster::new(w, h, data.clone()).unwrap();
    let gt = [-3.2e6, 5000.0, 0.0, 3.2e6, 0.0, -5000.0];
    let georef = GeoRef {
        crs: Crs::Epsg3031,
        geo_transform: gt,
    };
    let tif = dir.path().join("a.tif");
    write_cog(
        &tif,
        &raster,
        &georef,
        Some(f32::NAN),
        &CogOptions::default(),
    )
    .unwrap();
    let raw = dir.path().join("a.f32");
    write_raw(&raw, &data, |v| v.to_le_bytes().to_vec());
    let v = check(&tif, &raw, "<f4");
    assert_cog(&v, 3031, gt, "nan", "float32");
    assert_eq!(v["overviews"], serde_json::json!([2, 4]));

    // f64, −9999 nodata, EPSG:3413, 300 × 200, non-square pixels.
    let (w, h) = (300, 200);
    let data: Vec<f64> = (0..w * h)
        .map(|i| {
            if i % 17 == 3 {
                -9999.0
            } else {
                (i as f64).sqrt() * 1e-3 - 0.1
            }
        })
        .collect();
    let raster = Raster::new(w, h, data.clone()).unwrap();
    let gt = [-1.0e6, 2500.0, 0.0, 2.0e6, 0.0, -4000.0];
    let georef = GeoRef {
        crs: Crs::Epsg3413,
        geo_transform: gt,
    };
    let tif = dir.path().join("b.tif");
    write_cog(
        &tif,
        &raster,
        &georef,
        Some(-9999.0),
        &CogOptions::default(),
    )
    .unwrap();
    let raw = dir.path().join("b.f64");
    write_raw(&raw, &data, |v| v.to_le_bytes().to_vec());
    let v = check(&tif, &raw, "<f8");
    assert_cog(&v, 3413, gt, "-9999.0", "float64");
    assert_eq!(v["overviews"], serde_json::json!([2]));
}

/// Writes a 300 × 280 integer COG (values from `value`, `nodata` every
/// 13th pixel) and checks it as rasterio reads it.
fn integer_cog<T: magg_export::Band>(
    name: &str,
    value: impl Fn(usize) -> T,
    nodata: T,
    le: impl Fn(T) -> Vec<u8>,
    numpy: (&str, &str),
    nodata_repr: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (300, 280);
    let data: Vec<T> = (0..w * h)
        .map(|i| if i % 13 == 4 { nodata } else { value(i) })
        .collect();
    let raster = Raster::new(w, h, data.clone()).unwrap();
    let gt = [-2.0e6, 1000.0, 0.0, 1.5e6, 0.0, -1000.0];
    let georef = GeoRef {
        crs: Crs::Epsg3031,
        geo_transform: gt,
    };
    let tif = dir.path().join(format!("{name}.tif"));
    write_cog(&tif, &raster, &georef, Some(nodata), &CogOptions::default()).unwrap();
    let raw = dir.path().join(format!("{name}.raw"));
    write_raw(&raw, &data, le);
    let v = check(&tif, &raw, numpy.0);
    assert_cog(&v, 3031, gt, nodata_repr, numpy.1);
    assert_eq!(v["overviews"], serde_json::json!([2]));
}

#[test]
fn integer_cogs_keep_their_type() {
    // `count`-like: u32 with nodata 0; i32 with −1; 64-bit beyond 2^53.
    integer_cog(
        "u32",
        |i| (i % 1000) as u32 + 1,
        0u32,
        |v| v.to_le_bytes().to_vec(),
        ("<u4", "uint32"),
        "0.0",
    );
    integer_cog(
        "i32",
        |i| i as i32 - 40_000,
        -1i32,
        |v| v.to_le_bytes().to_vec(),
        ("<i4", "int32"),
        "-1.0",
    );
    integer_cog(
        "i64",
        |i| (1i64 << 60) + i as i64,
        -9i64,
        |v| v.to_le_bytes().to_vec(),
        ("<i8", "int64"),
        "-9.0",
    );
    integer_cog(
        "u64",
        |i| (1u64 << 62) + i as u64,
        0u64,
        |v| v.to_le_bytes().to_vec(),
        ("<u8", "uint64"),
        "0.0",
    );
}

#[test]
fn bad_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let r = Raster::filled(10, 10, 0.0f32).unwrap();
    let mut georef = GeoRef {
        crs: Crs::Epsg3031,
        geo_transform: [0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
    };
    let opts = CogOptions::default();
    let e = write_cog(&dir.path().join("x.tif"), &r, &georef, None, &opts).unwrap_err();
    assert!(e.to_string().contains("north-up"), "{e}");
    georef.geo_transform[5] = -1.0;
    let nowhere = dir.path().join("no/such/dir/x.tif");
    let e = write_cog(&nowhere, &r, &georef, None, &opts).unwrap_err();
    assert!(e.to_string().starts_with(nowhere.to_str().unwrap()), "{e}");
    assert!(Raster::new(3, 3, vec![0.0f32; 8]).is_err());
    let odd = CogOptions {
        tile_size: 100,
        ..opts
    };
    assert!(write_cog(&dir.path().join("y.tif"), &r, &georef, None, &odd).is_err());
}

const REFERENCE: &str = r"
import sys, json
import numpy as np, pyproj, mortie
d = sys.argv[1]
x0, ymax, res, w, h, order = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
words = np.fromfile(d + '/words.u64', dtype='<u8'); values = np.fromfile(d + '/values.f64', dtype='<f8')
table = dict(zip(words.tolist(), values.tolist()))
xs = x0 + (np.arange(w) + 0.5) * res; ys = ymax - (np.arange(h) + 0.5) * res
X, Y = np.meshgrid(xs, ys)
inv = pyproj.Transformer.from_crs('EPSG:3031', 'EPSG:4326', always_xy=True)
lon, lat = inv.transform(X.ravel(), Y.ravel())
cells = mortie.geo2mort(lat, lon, order=order)
out = np.array([table.get(int(c), np.nan) for c in cells], dtype='<f8')
out.tofile(d + '/expected.f64'); cells.astype('<u8').tofile(d + '/cells.u64')
";

#[test]
fn healpix_field_resamples_like_pyproj_and_mortie() {
    let order = 8u8;
    // Every order-8 cell of the order-3 cells reaching south of 55°S,
    // valued by position, with some cells left out (no data).
    let (mut cells, mut values) = (Vec::new(), Vec::new());
    for n3 in 0..morton::n_cells(3) {
        let w3 = morton::encode(3, n3).unwrap();
        if morton::boundary(w3).unwrap().iter().all(|c| c.0 > -55.0) {
            continue;
        }
        for n in morton::child_nested_range(w3, order).unwrap() {
            if n % 13 == 5 {
                continue;
            }
            let (lat, lon) = morton::center(morton::encode(order, n).unwrap()).unwrap();
            cells.push(n);
            values.push(lat * 10.0 + lon.to_radians().sin());
        }
    }
    let grid = RectilinearGrid::new(&RectilinearSpec {
        crs: Crs::Epsg3031,
        resolution: Resolution::Square(25_000.0),
        bounds: [-3.0e6, -3.0e6, 3.0e6, 3.0e6],
        chunk_shape: [40, 40],
    })
    .unwrap();
    let field = HealpixField {
        order,
        cells: &cells,
        values: &values,
    };
    let raster = resample_healpix(&field, &grid, f64::NAN).unwrap();
    let (w, h) = (grid.width() as usize, grid.height() as usize);
    assert_eq!((raster.width(), raster.height()), (w, h));

    let dir = tempfile::tempdir().unwrap();
    let words: Vec<u64> = cells
        .iter()
        .map(|&n| morton::encode(order, n).unwrap())
        .collect();
    write_raw(&dir.path().join("words.u64"), &words, |v| {
        v.to_le_bytes().to_vec()
    });
    write_raw(&dir.path().join("values.f64"), &values, |v| {
        v.to_le_bytes().to_vec()
    });
    let [x0, .., ymax] = grid.bounds();
    magg_testkit::run_python(
        REFERENCE,
        &[
            dir.path().to_str().unwrap(),
            &format!("{x0:?}"),
            &format!("{ymax:?}"),
            "25000.0",
            &w.to_string(),
            &h.to_string(),
            &order.to_string(),
        ],
    );
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let expected: Vec<f64> = read("expected.f64")
        .chunks(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let ref_cells: Vec<u64> = read("cells.u64")
        .chunks(8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let (mut edge, mut nodata) = (0, 0);
    for (i, (&got, &want)) in raster.data().iter().zip(&expected).enumerate() {
        nodata += usize::from(got.is_nan());
        if got == want || (got.is_nan() && want.is_nan()) {
            continue;
        }
        // Only a centre within 1e-8° of the reference cell may differ.
        let (r, c) = ((i / w) as u64, (i % w) as u64);
        let (x, y) = grid.cell_center(r, c);
        let (lat, lon) = grid.projection().inverse(x, y);
        let reference = morton::decode(ref_cells[i]).unwrap().nested;
        let near = [(1e-8, 0.0), (-1e-8, 0.0), (0.0, 1e-8), (0.0, -1e-8)]
            .iter()
            .any(|(dl, dn)| morton::geo_to_nested(lat + dl, lon + dn, order).unwrap() == reference);
        assert!(near, "pixel ({r}, {c}): magg {got}, reference {want}");
        edge += 1;
    }
    eprintln!(
        "{} pixels, {nodata} nodata, {edge} on a cell edge differ from pyproj + mortie",
        w * h
    );
    assert!(nodata > w * h / 20 && nodata < w * h / 2, "{nodata}");
    assert!(edge < 10, "{edge}");

    // Written as a COG, it reads back equal.
    let f32s = raster.map(|v| v as f32);
    let tif = dir.path().join("field.tif");
    write_cog(
        &tif,
        &f32s,
        &GeoRef::of(&grid),
        Some(f32::NAN),
        &CogOptions::default(),
    )
    .unwrap();
    let raw = dir.path().join("field.f32");
    write_raw(&raw, f32s.data(), |v| v.to_le_bytes().to_vec());
    let v = check(&tif, &raw, "<f4");
    assert_cog(&v, 3031, grid.geo_transform(), "nan", "float32");
}
