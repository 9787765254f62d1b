//! Batch indexing throughput (authalic conversion included), one core.
//!
//! `cargo bench -p magg-morton --bench index`
//!
//! Times are the benchmark thread's CPU time (not wall time), so the
//! figure is per core even when other processes share the machine.

use cpu_time::ThreadTime;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use magg_morton as morton;

/// Runs `f` `iters` times and returns the thread's CPU time.
fn cpu(iters: u64, mut f: impl FnMut()) -> std::time::Duration {
    let t = ThreadTime::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed()
}

/// Deterministic pseudo-random points (xorshift), uniform in lon and in
/// sin(lat) south of -60 (ICESat-2's Antarctic cycle) and globally.
fn points(n: usize, south_only: bool) -> (Vec<f64>, Vec<f64>) {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let (z0, z1) = if south_only {
        (-1.0, -(60f64.to_radians().sin()))
    } else {
        (-1.0, 1.0)
    };
    (0..n)
        .map(|_| {
            let z: f64 = z0 + (z1 - z0) * next();
            (z.asin().to_degrees(), -180.0 + 360.0 * next())
        })
        .unzip()
}

fn bench(c: &mut Criterion) {
    const N: usize = 1 << 20;
    let mut g = c.benchmark_group("geo_to_nested_batch");
    g.throughput(Throughput::Elements(N as u64));
    for (name, south) in [("antarctic", true), ("global", false)] {
        let (lats, lons) = points(N, south);
        let mut out = vec![0u64; N];
        for order in [12u8, 18] {
            g.bench_with_input(BenchmarkId::new(name, order), &order, |b, &k| {
                b.iter_custom(|n| {
                    cpu(n, || {
                        morton::geo_to_nested_batch(&lats, &lons, k, &mut out).unwrap();
                    })
                });
            });
        }
    }
    g.finish();
    let (lats, lons) = points(N, true);
    let mut out = vec![0u64; N];
    let mut g = c.benchmark_group("geo_to_morton_batch");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("antarctic/12", |b| {
        b.iter_custom(|n| {
            cpu(n, || {
                morton::geo_to_morton_batch(&lats, &lons, 12, &mut out).unwrap();
            })
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
