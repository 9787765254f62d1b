//! One conformance suite every `Grid` passes (HEALPix and rectilinear
//! alike): shards, the cell of a point, the cells of a shard, covers,
//! bounds and the store layout must agree with each other.
//!
//! For random points, each located point's shard must: take it back in
//! `locate_in_shard` (with the same index, and no other shard must), hold
//! it in its bound (band, window and hull) and in its cover (the point's
//! HEALPix cell at the cover order is in the MOC). The layout's chunk is
//! one shard's cells, its per-shard coordinates come with every shard, its
//! whole coordinates span the shape, and fixed chunk positions are
//! distinct and inside the shape.

mod common;

use common::Rng;
use std::collections::{BTreeMap, BTreeSet};

use magg_grid::{
    CoordValues, Crs, Grid, HealpixGrid, NOT_IN_SHARD, RectilinearGrid, RectilinearSpec, Resolution,
};
use magg_morton as morton;

/// Runs the suite on `grid` with points from `sample`, checking covers at
/// `cover_order` on at most `max_shards` shards.
fn conform(grid: &dyn Grid, sample: impl Fn(&mut Rng) -> (f64, f64), cover_order: u8) {
    let max_shards = 12;
    // Shards.
    let shards: Vec<u64> = grid.shards().collect();
    assert_eq!(shards.len() as u64, grid.n_shards());
    assert!(shards.windows(2).all(|w| w[0] < w[1]), "ascending");
    for &s in &shards {
        grid.check_shard(s).unwrap();
    }
    assert!(grid.check_shard(u64::MAX).is_err());

    // Points.
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let (lats, lons): (Vec<f64>, Vec<f64>) = (0..4000).map(|_| sample(&mut rng)).unzip();
    let mut out = vec![None; lats.len()];
    grid.locate(&lats, &lons, &mut out).unwrap();
    let cps = grid.cells_per_shard();
    let mut by_shard: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, c) in out.iter().enumerate() {
        if let Some(c) = c {
            assert!(c.index < cps);
            by_shard.entry(c.shard).or_default().push(i);
        }
    }
    assert!(
        by_shard.len() >= 2,
        "points fell in {} shards",
        by_shard.len()
    );
    let mut inside = vec![0u32; lats.len()];
    for (&shard, idx) in by_shard.iter().take(max_shards) {
        grid.locate_in_shard(shard, &lats, &lons, &mut inside)
            .unwrap();
        for (i, c) in out.iter().enumerate() {
            let want = match c {
                Some(c) if c.shard == shard => c.index,
                _ => NOT_IN_SHARD,
            };
            assert_eq!(inside[i], want, "shard {shard} point {i}");
        }
        let bound = grid.shard_bound(shard).unwrap();
        let cover = grid.shard_cover(shard, cover_order).unwrap();
        for &i in idx {
            let (lat, lon) = (lats[i], lons[i]);
            assert!(
                bound.may_hold(lat, lon),
                "{shard}: ({lat}, {lon}) outside band/window"
            );
            assert!(
                bound.hull.contains(lat, lon),
                "{shard}: ({lat}, {lon}) outside hull"
            );
            let n = morton::geo_to_nested(lat, lon, cover_order).unwrap();
            assert!(
                cover.touches(cover_order, n),
                "{shard}: ({lat}, {lon}) outside the cover at order {cover_order}"
            );
        }
        let cells = grid.shard_cells(shard).unwrap();
        assert_eq!(cells.len(), cps as usize);
        assert_eq!(cells.iter().collect::<BTreeSet<_>>().len(), cells.len());
        let outline = grid.shard_outline(shard).unwrap();
        assert!(outline.len() >= 4);
        assert!(!grid.shard_label(shard).is_empty());
    }

    // Layout.
    let layout = grid.layout();
    assert_eq!(layout.dims.len(), layout.chunk_shape.len());
    assert_eq!(layout.chunk_shape.iter().product::<u64>(), u64::from(cps));
    if let Some(shape) = &layout.shape {
        assert_eq!(shape.len(), layout.dims.len());
        for (s, c) in shape.iter().zip(&layout.chunk_shape) {
            assert_eq!(s % c, 0, "shape {shape:?} not whole chunks");
        }
    }
    let per_shard: Vec<&str> = layout
        .coordinates
        .iter()
        .filter(|c| c.values == CoordValues::PerShard)
        .map(|c| c.name.as_str())
        .collect();
    for c in &layout.coordinates {
        assert!(c.dims.iter().all(|d| layout.dims.contains(d)), "{}", c.name);
        if let CoordValues::Float64(v) = &c.values {
            let shape = layout
                .shape
                .as_ref()
                .expect("whole coordinates need a shape");
            let axis = layout.dims.iter().position(|d| *d == c.dims[0]).unwrap();
            assert_eq!(v.len() as u64, shape[axis], "{}", c.name);
        }
    }
    let mut positions = BTreeSet::new();
    for (&shard, _) in by_shard.iter().take(max_shards) {
        let coords = grid.shard_coordinates(shard).unwrap();
        let names: Vec<&str> = coords.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, per_shard);
        assert!(coords.iter().all(|c| c.values.len() == cps as usize));
        match grid.chunk_position(shard).unwrap() {
            Some(p) => {
                let shape = layout.shape.as_ref().unwrap();
                for ((p, s), c) in p.iter().zip(shape).zip(&layout.chunk_shape) {
                    assert!(p < &(s / c));
                }
                assert!(positions.insert(p), "two shards in one chunk");
            }
            None => assert!(layout.shape.is_none()),
        }
    }
}

fn global(rng: &mut Rng) -> (f64, f64) {
    (
        (2.0 * rng.next() - 1.0).asin().to_degrees(),
        360.0 * rng.next() - 180.0,
    )
}

#[test]
fn healpix_grids_conform() {
    conform(&HealpixGrid::new(3, 7).unwrap(), global, 9);
    conform(
        &HealpixGrid::new(6, 12).unwrap(),
        |r| (-90.0 + 3.0 * r.next(), 360.0 * r.next()),
        12,
    );
}

fn rect(crs: Crs, res: Resolution, bounds: [f64; 4], chunk: [u32; 2]) -> RectilinearGrid {
    RectilinearGrid::new(&RectilinearSpec {
        crs,
        resolution: res,
        bounds,
        chunk_shape: chunk,
    })
    .unwrap()
}

/// Points uniform in the grid's projected bounds grown by 10 %, some
/// outside it.
fn in_bounds(g: &RectilinearGrid) -> impl Fn(&mut Rng) -> (f64, f64) + '_ {
    move |r| {
        let [x0, y0, x1, y1] = g.bounds();
        let (width, height) = (x1 - x0, y1 - y0);
        let x = x0 - 0.05 * width + 1.1 * width * r.next();
        let y = y0 - 0.05 * height + 1.1 * height * r.next();
        g.projection().inverse(x, y)
    }
}

#[test]
fn upstream_antarctic_grid_conforms() {
    let g = rect(
        Crs::Epsg3031,
        Resolution::Square(5000.0),
        [-3.2e6, -3.2e6, 3.2e6, 3.2e6],
        [256, 256],
    );
    conform(&g, in_bounds(&g), 9);
}

#[test]
fn odd_arctic_grid_conforms() {
    // Non-square cells, a chunk that is not square, far edges padded.
    let g = rect(
        Crs::Epsg3413,
        Resolution::Xy([4000.0, 5000.0]),
        [-1.0e6, -1.5e6, 0.9e6, 0.7e6],
        [50, 70],
    );
    assert!(g.bounds()[2] > 0.9e6 && g.bounds()[1] < -1.5e6);
    conform(&g, in_bounds(&g), 10);
}
