//! A store of several time windows (layout 3): per-window variables are
//! `time × cells` with chunk (window, shard), derived variables have no
//! `time`, the CF `time` / `time_bnds` coordinates decode in xarray, and
//! layout-2 stores are read but not resumed.
// Exact values written and read back.
#![allow(clippy::float_cmp)]

mod common;

use common::{ORDERS, shard_word};
use magg_store::{
    Column, ColumnRef, CreateMode, FillValue, OutputStore, StoreError, StoreSpec, TimeWindow,
    VariableSpec,
};

const DAY: f64 = 86_400.0;

fn windows() -> Vec<TimeWindow> {
    // 2024-01-01, 2024-02-01, 2024-03-01, 2024-04-01 (Unix days 19723, 19754, 19783, 19814).
    let edges = [19723.0, 19754.0, 19783.0, 19814.0];
    ["2024-01", "2024-02", "2024-03"]
        .iter()
        .enumerate()
        .map(|(i, l)| TimeWindow {
            label: (*l).to_string(),
            start: edges[i] * DAY,
            end: edges[i + 1] * DAY,
        })
        .collect()
}

fn spec() -> StoreSpec {
    let mut s = common::spec("windows");
    s.windows = windows();
    s.derived =
        vec![VariableSpec::new("dhdt", FillValue::F32(f32::NAN)).with_attr("units", "m yr-1")];
    s
}

fn columns(len: usize, k: f32) -> (Vec<u32>, Vec<f32>, Vec<f32>, Vec<f64>) {
    let count: Vec<u32> = (0..len).map(|i| u32::from(i % 3 == 0)).collect();
    let h: Vec<f32> = (0..len)
        .map(|i| if i % 3 == 0 { k + i as f32 } else { f32::NAN })
        .collect();
    let hmax: Vec<f32> = h
        .iter()
        .map(|v| {
            if v.is_nan() {
                common::H_MAX_FILL
            } else {
                v + 1.0
            }
        })
        .collect();
    let var: Vec<f64> = h.iter().map(|&v| f64::from(v) * 0.0).collect();
    (count, h, hmax, var)
}

async fn write(store: &OutputStore, nested: u64, window: usize, k: f32) {
    for order in ORDERS {
        let len = 1usize << (2 * (order - common::PARENT));
        let (count, h, hmax, var) = columns(len, k);
        store
            .write_window(
                shard_word(nested),
                window,
                order,
                &[
                    ("count", ColumnRef::U32(&count)),
                    ("h_mean", ColumnRef::F32(&h)),
                    ("h_max", ColumnRef::F32(&hmax)),
                    ("h_var", ColumnRef::F64(&var)),
                ],
            )
            .await
            .unwrap();
        let rate: Vec<f32> = h.iter().map(|v| v * 0.5).collect();
        store
            .write_derived(
                shard_word(nested),
                order,
                &[("dhdt", ColumnRef::F32(&rate))],
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn chunks_per_window_and_shard_and_derived_without_time() {
    let tmp = tempfile::tempdir().unwrap();
    let url = tmp.path().join("w.zarr").to_string_lossy().into_owned();
    let store = OutputStore::create(&url, &spec(), CreateMode::New)
        .await
        .unwrap();
    write(&store, 37, 0, 10.0).await;
    write(&store, 37, 2, 30.0).await;
    let shard = shard_word(37);
    // Window 0 and 2 hold what was written, window 1 reads as fill.
    let read = |w| store.read_window_chunk(5, "h_mean", shard, Some(w));
    let Column::F32(h0) = read(0).await.unwrap() else {
        panic!()
    };
    let Column::F32(h1) = read(1).await.unwrap() else {
        panic!()
    };
    let Column::F32(h2) = read(2).await.unwrap() else {
        panic!()
    };
    assert_eq!((h0[0], h2[0], h0[3]), (10.0, 30.0, 13.0));
    assert!(h1.iter().all(|v| v.is_nan()) && h0[1].is_nan());
    let Column::F32(rate) = store.read_chunk(5, "dhdt", shard).await.unwrap() else {
        panic!()
    };
    assert_eq!(rate[3], 16.5, "the last derived write (window 2's values)");
    // Keys: chunk (window, shard) of a per-window variable, (shard) of a derived one.
    let i = common::chunk_of(37);
    assert_eq!(
        store.window_chunk_key(5, "h_mean", shard, Some(2)).unwrap(),
        format!("5/h_mean/c/2/{i}")
    );
    assert_eq!(
        store.chunk_key(5, "dhdt", shard).unwrap(),
        format!("5/dhdt/c/{i}")
    );
    assert!(tmp.path().join(format!("w.zarr/5/h_mean/c/2/{i}")).exists());
    assert!(!tmp.path().join(format!("w.zarr/5/h_mean/c/1/{i}")).exists());

    // Misuse is one clear error each.
    let e = store
        .read_chunk(5, "h_mean", shard)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("time dimension") && e.contains("3 windows"),
        "{e}"
    );
    let e = store
        .read_window_chunk(5, "dhdt", shard, Some(0))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("no time dimension"), "{e}");
    let len = 1usize << 6;
    let (count, h, hmax, var) = columns(len, 1.0);
    let cols = [
        ("count", ColumnRef::U32(&count)),
        ("h_mean", ColumnRef::F32(&h)),
        ("h_max", ColumnRef::F32(&hmax)),
        ("h_var", ColumnRef::F64(&var)),
    ];
    let e = store
        .write_shard(shard, 5, &cols)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("write_window"), "{e}");
    let e = store
        .write_window(shard, 3, 5, &cols)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("time window 3") && e.contains("3 windows"),
        "{e}"
    );
    assert_eq!(store.spec().window_index("2024-02").unwrap(), 1);
    assert_eq!(store.spec().window_index("2").unwrap(), 2);
    let e = store.spec().window_index("2024-05").unwrap_err();
    assert!(
        e.contains("2024-05") && e.contains("2024-01, 2024-02, 2024-03"),
        "{e}"
    );

    // Reopened by URL: the same windows; resuming with others is refused.
    let again = OutputStore::open(&url).await.unwrap();
    assert_eq!(again.spec().windows, windows());
    let mut other = spec();
    other.windows.pop();
    let e = OutputStore::create(&url, &other, CreateMode::OpenExisting)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Mismatch { field, .. } if field == "time windows"),
        "{e}"
    );

    // xarray: CF time decoded to the windows' middles, bounds to their edges.
    let script = r#"
import sys, numpy as np, xarray as xr
ds = xr.open_zarr(sys.argv[1], group="5")
t = ds["time"]
assert np.issubdtype(t.dtype, np.datetime64), t.dtype
want = np.array(["2024-01-16T12", "2024-02-15T12", "2024-03-16T12"], "datetime64[ns]")
assert (t.values == want).all(), t.values
b = ds["time_bnds"]
assert b.dims == ("time", "nv") and np.issubdtype(b.dtype, np.datetime64), (b.dims, b.dtype)
assert str(b.values[1, 0])[:10] == "2024-02-01" and str(b.values[1, 1])[:10] == "2024-03-01", b.values
assert ds["h_mean"].dims == ("time", "cells"), ds["h_mean"].dims
assert ds["dhdt"].dims == ("cells",), ds["dhdt"].dims
i = int(np.flatnonzero(ds["cell_ids"].values == int(sys.argv[2]))[0])
assert float(ds["h_mean"].isel(time=2, cells=i)) == 30.0
assert np.isnan(float(ds["h_mean"].isel(time=1, cells=i)))
assert float(ds["dhdt"].isel(cells=i)) == 15.0
print("ok")
"#;
    let first_cell = 37u64 << 6;
    let out = magg_testkit::run_python(script, &[url.as_str(), &first_cell.to_string()]);
    assert!(out.contains("ok"), "{out}");
}

#[tokio::test]
async fn one_window_is_refused_and_layout_2_is_read_not_resumed() {
    let mut s = spec();
    s.windows.truncate(1);
    s.derived.clear();
    let e = s.normalized().unwrap_err().to_string();
    assert!(
        e.contains("one time window") && e.contains("no time dimension"),
        "{e}"
    );
    let mut s = common::spec("x");
    s.derived = spec().derived;
    assert!(
        s.normalized()
            .unwrap_err()
            .to_string()
            .contains("need time windows")
    );

    // A layout-2 store: a store without windows whose root says version 2.
    let tmp = tempfile::tempdir().unwrap();
    let url = tmp.path().join("old.zarr").to_string_lossy().into_owned();
    OutputStore::create(&url, &common::spec("x"), CreateMode::New)
        .await
        .unwrap();
    let root = tmp.path().join("old.zarr/zarr.json");
    let text = std::fs::read_to_string(&root).unwrap();
    assert!(
        text.contains(r#""layout_version": 3"#) || text.contains(r#""layout_version":3"#),
        "{text}"
    );
    let text = text
        .replace(r#""layout_version": 3"#, r#""layout_version": 2"#)
        .replace(r#""layout_version":3"#, r#""layout_version":2"#);
    std::fs::write(&root, text).unwrap();
    let old = OutputStore::open(&url).await.unwrap();
    assert!(old.spec().windows.is_empty());
    let e = OutputStore::create(&url, &common::spec("x"), CreateMode::OpenExisting)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("layout") && e.contains('2') && e.contains("--overwrite"),
        "{e}"
    );
    OutputStore::create(&url, &common::spec("x"), CreateMode::Overwrite)
        .await
        .unwrap();
}
