//! `read_shard` on tiles of a rectilinear grid (upstream's polar config,
//! EPSG:3031, 5 km) from the sample granules, against h5py + pyproj +
//! numpy: points projected with pyproj, cells by zagg's rule
//! (`col = (x - xmin) // res`, `row = (ymax - y) // res`), a tile's cell
//! index row-major in the tile, every statistic per cell with numpy.

#![allow(clippy::float_cmp)]

mod common;

use common::polar_config;
use magg_agg::{ReadOptions, read_shard};
use serde_json::Value;

/// The reference: filters as magg's ATL06 config, then tiles and cells
/// with pyproj + numpy. Prints `{tile: {"stats": ..., "rows": [...]}}` for
/// the `n_top` tiles with the most observations.
const TILES_PY: &str = r#"
import json, sys
from pyproj import Transformer
chunk, n_top, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
res, xmin, ymax, span = 5000.0, -3200000.0, 3200000.0, 6400000.0
width = int(np.ceil(span / res - 1e-9))
across = -(-width // chunk)
c = load_atl06(files)
lat, lon, h, s, q = c["lat"].astype("f8"), c["lon"].astype("f8"), c["h"], c["s"], c["q"]
fill = np.finfo(np.float32).max
keep = q == 0
ok = keep & (h != fill) & np.isfinite(h) & (s != fill) & np.isfinite(s)
ok2 = ok & np.isfinite(lat) & (np.abs(lat) <= 90) & np.isfinite(lon)
base = {"rows": len(lat), "rejected_filters": int((~keep).sum()),
        "rejected_values": int(keep.sum() - ok.sum()), "rejected_coordinates": int(ok.sum() - ok2.sum())}
idx = np.flatnonzero(ok2)
x, y = Transformer.from_crs("EPSG:4326", "EPSG:3031", always_xy=True).transform(lon[idx], lat[idx])
col = np.floor((x - xmin) / res).astype(np.int64)
row = np.floor((ymax - y) / res).astype(np.int64)
n = across * chunk
inside = (col >= 0) & (col < n) & (row >= 0) & (row < n)
tile = np.where(inside, (row // chunk) * across + col // chunk, -1)
local = (row % chunk) * chunk + col % chunk
tiles, counts = np.unique(tile[tile >= 0], return_counts=True)
out = {}
for t in tiles[np.argsort(-counts, kind="stable")][:n_top]:
    sel = tile == t
    stats = dict(base, outside_shard=int((~sel).sum()), kept=int(sel.sum()))
    H, S, L = h[idx][sel].astype("f8"), s[idx][sel].astype("f8"), local[sel]
    rows = []
    for cell in np.unique(L):
        m = L == cell
        v, e = H[m], S[m]
        rows.append([int(cell), int(m.sum()), float(np.min(v)), float(np.max(v)),
                     float(np.average(v, weights=1.0 / e**2)),
                     float(1.0 / np.sqrt(np.sum(1.0 / e**2))), float(np.var(v)),
                     *[float(w) for w in np.quantile(v, [0.25, 0.5, 0.75])]])
    out[str(int(t))] = {"stats": stats, "rows": rows}
print(json.dumps(out))
"#;

#[test]
fn tiles_match_h5py_pyproj_numpy() {
    let files: Vec<String> = magg_testkit::sample_granule_paths();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Upstream's 1,280 km tiles, and 320 km tiles.
    for (chunk, n_top) in [(256u32, 2usize), (64, 3)] {
        let config = polar_config(chunk);
        let mut args = vec![chunk.to_string(), n_top.to_string()];
        args.extend(files.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let script = format!("{}{TILES_PY}", magg_testkit::LOAD_ATL06_PY);
        let r: Value = serde_json::from_str(&magg_testkit::run_python(&script, &args)).unwrap();
        let r = r.as_object().unwrap();
        assert_eq!(r.len(), n_top, "tiles with data");
        for (tile, want) in r {
            let tile: u64 = tile.parse().unwrap();
            let out = rt
                .block_on(read_shard(tile, &files, &config, &ReadOptions::default()))
                .unwrap();
            if let Some(g) = out.failed().next() {
                panic!("granule failed: {:?}", g.error);
            }
            let mut stats = magg_agg::FilterStats::default();
            for g in &out.granules {
                stats.add(&g.stats);
            }
            let kept = want["stats"]["kept"].as_u64().unwrap();
            assert!(kept > 1000, "tile {tile} has data ({kept})");
            // Rows read are only those near the tile; the reference's
            // counts are over every row, so compare what both see.
            assert_eq!(stats.kept, kept, "chunk {chunk} tile {tile}: kept");
            assert_eq!(out.grouped.observations(), kept);
            let grid = out.grouped.reduce(0).unwrap();
            assert_eq!(grid.n_cells(), (chunk * chunk) as usize);
            let worst = common::compare(&grid, want["rows"].as_array().unwrap(), 1e-6);
            println!(
                "chunk {chunk} tile {tile}: {kept} obs, {} cells, worst rel diff {worst:e}",
                grid.populated
            );
        }
    }
}
