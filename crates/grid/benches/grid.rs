//! Locating points (the per-observation cost of a grid) and a tile's
//! geometry (the per-shard cost of the catalog), one core.
//!
//! `cargo bench -p magg-grid --bench grid`
//!
//! Times are the benchmark thread's CPU time (not wall time), so the
//! figures are per core even when other processes share the machine.

use std::hint::black_box;

use cpu_time::ThreadTime;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use magg_grid::{Crs, Grid, HealpixGrid, RectilinearGrid, RectilinearSpec, Resolution};

/// Runs `f` `iters` times and returns the thread's CPU time.
fn cpu(iters: u64, mut f: impl FnMut()) -> std::time::Duration {
    let t = ThreadTime::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed()
}

/// Deterministic points uniform in lon and in sin(lat) south of 60°S.
fn antarctic(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let z1 = -(60f64.to_radians().sin());
    (0..n)
        .map(|_| {
            let z: f64 = -1.0 + (z1 + 1.0) * next();
            (z.asin().to_degrees(), -180.0 + 360.0 * next())
        })
        .unzip()
}

fn upstream() -> RectilinearGrid {
    RectilinearGrid::new(&RectilinearSpec {
        crs: Crs::Epsg3031,
        resolution: Resolution::Square(5000.0),
        bounds: [-3.2e6, -3.2e6, 3.2e6, 3.2e6],
        chunk_shape: [256, 256],
    })
    .unwrap()
}

fn locate(c: &mut Criterion) {
    const N: usize = 1 << 18;
    let (lats, lons) = antarctic(N);
    let mut g = c.benchmark_group("locate");
    g.throughput(Throughput::Elements(N as u64));
    let grids: [(&str, Box<dyn Grid>); 2] = [
        ("healpix_6_12", Box::new(HealpixGrid::new(6, 12).unwrap())),
        ("rect_3031_5km", Box::new(upstream())),
    ];
    for (name, grid) in &grids {
        let mut out = vec![None; N];
        g.bench_function(BenchmarkId::new("locate", name), |b| {
            b.iter_custom(|n| cpu(n, || grid.locate(&lats, &lons, &mut out).unwrap()));
        });
        let shard = grid.shards().nth(grid.n_shards() as usize / 2).unwrap();
        let mut inside = vec![0u32; N];
        g.bench_function(BenchmarkId::new("locate_in_shard", name), |b| {
            b.iter_custom(|n| {
                cpu(n, || {
                    grid.locate_in_shard(shard, &lats, &lons, &mut inside)
                        .unwrap();
                })
            });
        });
    }
    g.finish();
}

fn tile(c: &mut Criterion) {
    let grid = upstream();
    let mut g = c.benchmark_group("tile_1280km");
    g.sample_size(10);
    g.bench_function("geometry", |b| {
        b.iter_custom(|n| {
            cpu(n, || {
                black_box(grid.tile_geometry(7).unwrap());
            })
        });
    });
    g.bench_function("bound", |b| {
        b.iter_custom(|n| {
            cpu(n, || {
                black_box(grid.shard_bound(7).unwrap());
            })
        });
    });
    for order in [8u8, 12] {
        g.bench_with_input(BenchmarkId::new("cover", order), &order, |b, &o| {
            b.iter_custom(|n| {
                cpu(n, || {
                    black_box(grid.shard_cover(7, o).unwrap());
                })
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = locate, tile
}
criterion_main!(benches);
