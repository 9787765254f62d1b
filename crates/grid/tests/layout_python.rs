//! The store layouts, as readers see them: a Zarr v3 store written by
//! zarr-python exactly as a layout says (coordinates, attributes,
//! dimension names, chunking, group attributes) must open georeferenced:
//!
//! - rectilinear: plain `xarray.open_zarr` + rioxarray give the grid's EPSG
//!   code and GDAL transform, pyproj reads `crs_wkt` as the EPSG CRS, and
//!   `x`/`y` are the cell centres;
//! - HEALPix: `xdggs.decode` recognises the grid (healpix, level, nested)
//!   from the `cell_ids` coordinate, whose values are the shard's cells.

use magg_grid::{Crs, Grid, HealpixGrid, RectilinearGrid, RectilinearSpec, Resolution};

const WRITE_AND_OPEN: &str = r"
import sys, json, tempfile, os, shutil
import numpy as np, zarr, xarray as xr
layout = json.loads(sys.argv[1]); kind = sys.argv[2]
cells = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
path = os.path.join(tempfile.mkdtemp(), 'layout.zarr')
root = zarr.open_group(path, mode='w', zarr_format=3)
dtypes = {'float64': 'float64', 'int64': 'int64', 'uint64': 'uint64'}
n_cells = None
for c in layout['coordinates']:
    v = c['values']
    if v == 'per_shard':
        data = np.array(cells[c['name']], dtype=dtypes[c['dtype']])
    elif 'float64' in v:
        data = np.array(v['float64'])
    else:
        data = np.array(v['scalar_int64'], dtype='int64')
    fill = c['fill_value']
    fill = float(fill) if isinstance(fill, str) else fill
    a = root.create_array(c['name'], shape=data.shape, dtype=dtypes[c['dtype']],
                          dimension_names=c['dims'], attributes=c['attrs'], fill_value=fill,
                          compressors=None)
    a[...] = data
    n_cells = len(data) if v == 'per_shard' else n_cells
shape = layout['shape'] or [n_cells]
h = root.create_array('h', shape=shape, chunks=layout['chunk_shape'], dtype='float32',
                      dimension_names=layout['dims'], attributes=layout['variable_attrs'],
                      fill_value=float('nan'), compressors=None)
h[...] = np.arange(np.prod(shape), dtype='float32').reshape(shape)
root.attrs.update(layout['group_attrs'])
ds = xr.open_zarr(path, consolidated=False)
if kind == 'rect':
    import rioxarray, pyproj
    crs = ds.h.rio.crs
    print(crs.to_epsg())
    print(' '.join(repr(float(v)) for v in tuple(ds.h.rio.transform())[:6]))
    wkt = ds.spatial_ref.attrs['crs_wkt']
    print(pyproj.CRS.from_wkt(wkt) == pyproj.CRS.from_epsg(crs.to_epsg()))
    print(repr(float(ds.x[0])), repr(float(ds.y[0])), ds.h.dims)
else:
    import xdggs
    d = xdggs.decode(ds)
    info = d.dggs.grid_info
    print(type(info).__name__, info.level, info.indexing_scheme)
    print(int(d.cell_ids[0]), int(d.cell_ids[-1]), d.h.dims)
shutil.rmtree(os.path.dirname(path))
";

fn run(layout: &magg_grid::StoreLayout, kind: &str, cells: Option<&str>) -> Vec<String> {
    let json = serde_json::to_string(layout).unwrap();
    let mut args = vec![json.as_str(), kind];
    if let Some(c) = cells {
        args.push(c);
    }
    magg_testkit::run_python(WRITE_AND_OPEN, &args)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn rectilinear_layout_opens_georeferenced() {
    for (crs, bounds) in [
        (Crs::Epsg3031, [-3.2e6, -3.2e6, 3.2e6, 3.2e6]),
        (Crs::Epsg3413, [-3.85e6, -5.35e6, 3.75e6, 5.85e6]),
    ] {
        let g = RectilinearGrid::new(&RectilinearSpec {
            crs,
            resolution: Resolution::Xy([50_000.0, 40_000.0]),
            bounds,
            chunk_shape: [32, 16],
        })
        .unwrap();
        let out = run(&g.layout(), "rect", None);
        assert_eq!(out[0], crs.epsg().to_string(), "{out:?}");
        // rioxarray's Affine: a, b, c, d, e, f = res_x, 0, xmin, 0, -res_y, ymax.
        let t: Vec<f64> = out[1].split(' ').map(|v| v.parse().unwrap()).collect();
        let gt = g.geo_transform();
        assert_eq!(t, [gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]], "{out:?}");
        assert_eq!(out[2], "True", "crs_wkt is not the EPSG CRS: {out:?}");
        let (x, y) = g.cell_center(0, 0);
        assert_eq!(out[3], format!("{x:?} {y:?} ('y', 'x')"));
    }
}

#[test]
fn healpix_layout_decodes_in_xdggs() {
    let g = HealpixGrid::new(6, 9).unwrap();
    let shard = magg_morton::geo_to_morton(-75.0, 100.0, 6).unwrap();
    let coords = g.shard_coordinates(shard).unwrap();
    let cells = serde_json::to_string(
        &coords
            .iter()
            .map(|c| (c.name.clone(), c.values.clone()))
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .unwrap();
    let out = run(&g.layout(), "healpix", Some(&cells));
    assert_eq!(out[0], "HealpixInfo 9 nested", "{out:?}");
    let ids = &coords[0].values;
    assert_eq!(
        out[1],
        format!("{} {} ('cells',)", ids[0], ids[ids.len() - 1])
    );
}
