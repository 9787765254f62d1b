//! The store as the Python ecosystem sees it: zarr-python, xarray, xdggs and
//! mortie read a store written here and compare every value with arrays the
//! test computes without the store (see `py/check_store.py`).

mod common;

use common::{DATA_SHARDS, EMPTY_SHARD, H_MAX_FILL, ORDERS, PARENT, SHARDS, cell_values};

/// Expected arrays for one order in the compact layout (chunk i = the i-th
/// of `SHARDS`), built from the formulas alone.
fn write_expected(dir: &std::path::Path, order: u8) {
    let span = 1usize << (2 * (order - PARENT));
    let n = SHARDS.len() * span;
    let mut count = vec![0u32; n];
    let mut h_mean = vec![f32::NAN; n];
    let mut h_max = vec![H_MAX_FILL; n];
    let mut h_var = vec![f64::NAN; n];
    let mut cell_ids = vec![0u64; n];
    for (chunk, &shard) in SHARDS.iter().enumerate() {
        for k in 0..span {
            let (slot, id) = (chunk * span + k, (shard as usize * span + k) as u64);
            cell_ids[slot] = id;
            if DATA_SHARDS.contains(&shard) {
                (count[slot], h_mean[slot], h_max[slot], h_var[slot]) = cell_values(id);
            }
        }
    }
    let put = |name: &str, bytes: Vec<u8>| {
        std::fs::write(dir.join(format!("{order}_{name}.bin")), bytes).unwrap();
    };
    put(
        "count",
        count.iter().flat_map(|v| v.to_le_bytes()).collect(),
    );
    put(
        "h_mean",
        h_mean.iter().flat_map(|v| v.to_le_bytes()).collect(),
    );
    put(
        "h_max",
        h_max.iter().flat_map(|v| v.to_le_bytes()).collect(),
    );
    put(
        "h_var",
        h_var.iter().flat_map(|v| v.to_le_bytes()).collect(),
    );
    put(
        "cell_ids",
        cell_ids.iter().flat_map(|v| v.to_le_bytes()).collect(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zarr_python_xarray_xdggs_and_mortie_read_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out.zarr");
    common::populated_store(&path).await;

    let expected = tmp.path().join("expected");
    std::fs::create_dir(&expected).unwrap();
    for order in ORDERS {
        write_expected(&expected, order);
    }
    let written: Vec<u64> = DATA_SHARDS.into_iter().chain([EMPTY_SHARD]).collect();
    let params = serde_json::json!({
        "parent": PARENT,
        "orders": ORDERS,
        "shards": SHARDS,
        "written": written,
        "dtypes": {"count": "<u4", "h_mean": "<f4", "h_max": "<f4", "h_var": "<f8"},
    });
    let out = magg_testkit::run_python(
        include_str!("py/check_store.py"),
        &[
            path.to_str().unwrap(),
            expected.to_str().unwrap(),
            &params.to_string(),
        ],
    );
    assert!(
        out.trim_end().ends_with("ALL OK"),
        "python checks said:\n{out}"
    );
}
