//! Per-shard reduction throughput: 1e6 ATL06-like observations in one
//! order-6 shard, the 9 ATL06 outputs at order 12.
//!
//! `cargo bench -p magg-agg --bench reduce`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use magg_agg::{AggConfig, Batch, Plan, ShardAccumulator, SourceSlice, Values};
use std::hint::black_box;

const N: usize = 1_000_000;

struct Obs {
    lat: Vec<f64>,
    lon: Vec<f64>,
    h: Vec<f32>,
    s: Vec<f32>,
    q: Vec<i8>,
}

/// SplitMix64 uniform in [0, 1).
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Points along 60 straight "tracks" through the shard (ATL06 rows are
/// along-track ordered), heights ~2 km, 8 % quality-rejected.
fn observations(shard: u64) -> Obs {
    let (clat, clon) = magg_morton::center(shard).unwrap();
    let coslat = clat.to_radians().cos();
    let mut st = 1u64;
    let mut o = Obs {
        lat: vec![],
        lon: vec![],
        h: vec![],
        s: vec![],
        q: vec![],
    };
    let per_track = N / 60;
    for _ in 0..60 {
        let (la0, lo0) = (
            clat + 0.6 * (uniform(&mut st) - 0.5),
            clon + 0.6 * (uniform(&mut st) - 0.5) / coslat,
        );
        let (dla, dlo) = (
            0.5 * (uniform(&mut st) - 0.5),
            0.5 * (uniform(&mut st) - 0.5) / coslat,
        );
        for i in 0..per_track {
            let t = i as f64 / per_track as f64 - 0.5;
            o.lat.push(la0 + dla * t);
            o.lon.push(lo0 + dlo * t);
            o.h.push((2000.0 + 300.0 * t + uniform(&mut st)) as f32);
            o.s.push((0.02 + 0.1 * uniform(&mut st)) as f32);
            o.q.push(i8::from(uniform(&mut st) < 0.08));
        }
    }
    o
}

fn accumulate(plan: &Plan, shard: u64, o: &Obs) -> ShardAccumulator {
    let mut acc = ShardAccumulator::new(plan, shard).unwrap();
    // One batch per "beam" of ~10k rows, as a reader would push.
    for start in (0..o.lat.len()).step_by(10_000) {
        let r = start..(start + 10_000).min(o.lat.len());
        acc.push(&Batch {
            latitude: SourceSlice::new(&o.lat[r.clone()]),
            longitude: SourceSlice::new(&o.lon[r.clone()]),
            variables: vec![
                SourceSlice::with_fill(&o.h[r.clone()], f64::from(f32::MAX)),
                SourceSlice::with_fill(&o.s[r.clone()], f64::from(f32::MAX)),
            ],
            filters: vec![Values::I8(&o.q[r])],
        })
        .unwrap();
    }
    acc
}

fn bench(c: &mut Criterion) {
    let plan = Plan::new(&AggConfig::atl06_default()).unwrap();
    let shard = magg_morton::geo_to_morton(-80.0, 120.0, 6).unwrap();
    let obs = observations(shard);
    let kept = accumulate(&plan, shard, &obs).len();
    eprintln!("{} rows, {kept} kept in the shard", obs.lat.len());

    let mut g = c.benchmark_group("shard_1e6");
    g.sample_size(10);
    g.throughput(Throughput::Elements(obs.lat.len() as u64));
    g.bench_function("push (filter + index)", |b| {
        b.iter(|| black_box(accumulate(&plan, shard, &obs)));
    });
    g.bench_function("finish + reduce order 12 (9 outputs)", |b| {
        b.iter_batched(
            || accumulate(&plan, shard, &obs),
            |acc| black_box(acc.finish().reduce(12).unwrap()),
            criterion::BatchSize::LargeInput,
        );
    });
    g.bench_function("end to end", |b| {
        b.iter(|| black_box(accumulate(&plan, shard, &obs).finish().reduce(12).unwrap()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
