//! Creating a store's template: every `zarr.json` plus the `cell_ids` and
//! `morton` chunks of every shard, on local disk, for a whole cycle's shard
//! list (1,427 order-6 shards, as the synthetic Antarctic cycle 22 gives)
//! at child order 12 (4,096 cells per shard: 5.8 M cells, 47 MB of u64 ids
//! per coordinate before gzip).
//!
//! `cargo bench -p magg-store --bench template` (in a temporary directory;
//! `MAGG_BENCH_DIR=/dev/shm` puts it on tmpfs: on this VM's ext4 the time
//! is mostly the kernel creating 2,854 files, see BENCHMARKS.md).

use criterion::{Criterion, criterion_group, criterion_main};
use magg_store::{Compression, CreateMode, FillValue, OutputStore, StoreSpec, VariableSpec};

const PARENT: u8 = 6;
const CHILD: u8 = 12;
const SHARDS: u64 = 1427;

fn spec() -> StoreSpec {
    // Shards spread over the southern base cells (8..12) as a region's are.
    let shards = (0..SHARDS)
        .map(|i| magg_morton::encode(PARENT, 8 * 4096 + i * 11).unwrap())
        .collect();
    StoreSpec {
        parent_order: PARENT,
        orders: vec![CHILD],
        shards,
        variables: ["count", "h_mean"]
            .iter()
            .map(|n| VariableSpec::new(*n, FillValue::F32(f32::NAN)))
            .collect(),
        windows: Vec::new(),
        derived: Vec::new(),
        compression: Compression::default(),
        fingerprint: "bench".into(),
        attrs: serde_json::Map::new(),
        grid: None,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let spec = spec();
    let tmp = match std::env::var_os("MAGG_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    let path = tmp.path().join("t.zarr");
    let url = path.to_str().unwrap().to_string();
    let mut g = c.benchmark_group("template");
    g.sample_size(10);
    g.bench_function("1427_shards_order12", |b| {
        b.iter_custom(|iters| {
            let mut took = std::time::Duration::ZERO;
            for _ in 0..iters {
                let _ = std::fs::remove_dir_all(&path);
                let t = std::time::Instant::now();
                rt.block_on(OutputStore::create(&url, &spec, CreateMode::New))
                    .unwrap();
                took += t.elapsed();
            }
            took
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
