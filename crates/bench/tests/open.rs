//! `magg bench open` on a small store: the script opens it as the demo
//! prints, finds exactly the cells with data and their observations, and
//! raises no warning.

use magg_store::{
    ColumnRef, Compression, CreateMode, FillValue, OutputStore, ShardStatus, StoreSpec,
    VariableSpec,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_bench_counts_the_cells_with_data() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    let url = path.to_str().unwrap();
    let shards: Vec<u64> = [7, 100, 300]
        .map(|n| magg_morton::encode(4, n).unwrap())
        .to_vec();
    let spec = StoreSpec {
        parent_order: 4,
        orders: vec![8],
        shards: shards.clone(),
        variables: vec![
            VariableSpec::new("count", FillValue::U32(0)),
            VariableSpec::new("h_mean", FillValue::F32(f32::NAN)),
        ],
        windows: Vec::new(),
        derived: Vec::new(),
        compression: Compression::default(),
        fingerprint: "bench-open".into(),
        attrs: serde_json::Map::new(),
        grid: None,
    };
    let store = OutputStore::create(url, &spec, CreateMode::New)
        .await
        .unwrap();
    // Shard 100: every third cell has data (count = 2); the others stay empty.
    let count: Vec<u32> = (0..256).map(|i| if i % 3 == 0 { 2 } else { 0 }).collect();
    let mean: Vec<f32> = count
        .iter()
        .map(|&c| if c > 0 { 1.5 } else { f32::NAN })
        .collect();
    store
        .write_shard(
            shards[1],
            8,
            &[
                ("count", ColumnRef::U32(&count)),
                ("h_mean", ColumnRef::F32(&mean)),
            ],
        )
        .await
        .unwrap();
    store
        .write_status(&ShardStatus::new(shards[1]))
        .await
        .unwrap();

    let passes = magg_bench::open::run(url, "8", 1).unwrap();
    let p = &passes[0];
    assert_eq!(p.layout_version, Some(3));
    assert_eq!(p.shards, Some(3));
    assert_eq!(p.cells, 3 * 256);
    assert_eq!(p.populated, 86);
    assert_eq!(p.observations, 2 * 86);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert!(p.open_seconds > 0.0 && p.peak_mb >= 0.0);
    let text = magg_bench::open::render(url, "8", &passes);
    assert!(
        text.contains("layout 3, 3 shards") && text.contains("warnings: none"),
        "{text}"
    );
}
