//! Shard writes per second to a local-disk store: the 9 ATL06 default
//! variables at child order 12 under parent order 6 (4096 cells per chunk,
//! 9 chunks per shard: the coordinates are the template's), by chunk
//! compression. Also prints the stored bytes per shard for each
//! compression.
//!
//! `cargo bench -p magg-store --bench write_shard`
//!
//! Synthetic but ATL06-shaped data: a quarter of the cells populated (tracks
//! cross a 100 km shard sparsely), heights varying smoothly plus noise,
//! counts 1..=60; empty cells hold the fill values (NaN, count 0).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use magg_store::{
    ColumnRef, Compression, CreateMode, FillValue, OutputStore, StoreSpec, VariableSpec,
};

const PARENT: u8 = 6;
const CHILD: u8 = 12;
const CELLS: usize = 1 << (2 * (CHILD - PARENT));
const FLOAT_VARS: [&str; 8] = [
    "h_min",
    "h_max",
    "h_mean",
    "h_sigma",
    "h_variance",
    "h_q25",
    "h_q50",
    "h_q75",
];

fn spec(compression: Compression, shards: &[u64]) -> StoreSpec {
    let mut variables = vec![VariableSpec::new("count", FillValue::U32(0))];
    variables.extend(
        FLOAT_VARS
            .iter()
            .map(|n| VariableSpec::new(*n, FillValue::F32(f32::NAN))),
    );
    StoreSpec {
        parent_order: PARENT,
        orders: vec![CHILD],
        shards: shards.to_vec(),
        variables,
        windows: Vec::new(),
        derived: Vec::new(),
        compression,
        fingerprint: "bench".into(),
        attrs: serde_json::Map::new(),
        grid: None,
    }
}

/// (count, one column per float variable).
fn columns() -> (Vec<u32>, Vec<Vec<f32>>) {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut count = vec![0u32; CELLS];
    let mut floats = vec![vec![f32::NAN; CELLS]; FLOAT_VARS.len()];
    for i in 0..CELLS {
        if next() < 0.25 {
            count[i] = 1 + (next() * 60.0) as u32;
            let h = 1500.0 + 0.05 * i as f64 + 2.0 * next();
            for (j, col) in floats.iter_mut().enumerate() {
                col[i] = (h + j as f64 * 0.3 + 0.1 * next()) as f32;
            }
        }
    }
    (count, floats)
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                dir_bytes(&p)
            } else {
                p.metadata().unwrap().len()
            }
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (count, floats) = columns();
    let mut cols = vec![("count", ColumnRef::U32(&count))];
    cols.extend(
        FLOAT_VARS
            .iter()
            .zip(&floats)
            .map(|(n, v)| (*n, ColumnRef::F32(v))),
    );
    let shards: Vec<u64> = (0..256)
        .map(|n| magg_morton::encode(PARENT, 40_000 + n).unwrap())
        .collect();

    let mut g = c.benchmark_group("write_shard_9_vars_order12");
    g.throughput(Throughput::Elements(1));
    g.sample_size(30);
    for (name, compression) in [
        ("none", Compression::None),
        ("gzip1", Compression::Gzip { level: 1 }),
        ("gzip6", Compression::Gzip { level: 6 }),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("bench.zarr");
        let store = rt
            .block_on(OutputStore::create(
                path.to_str().unwrap(),
                &spec(compression, &shards),
                CreateMode::New,
            ))
            .unwrap();
        let template = dir_bytes(&path);
        rt.block_on(async {
            for &s in &shards {
                store.write_shard(s, CHILD, &cols).await.unwrap();
            }
        });
        let per_shard = (dir_bytes(&path) - template) / shards.len() as u64;
        let raw = CELLS * 4 * (1 + FLOAT_VARS.len());
        eprintln!("{name}: {per_shard} bytes stored per shard ({raw} raw)");
        let mut i = 0usize;
        g.bench_with_input(BenchmarkId::from_parameter(name), &name, |b, _| {
            b.iter(|| {
                i = (i + 1) % shards.len();
                rt.block_on(store.write_shard(shards[i], CHILD, &cols))
                    .unwrap();
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
