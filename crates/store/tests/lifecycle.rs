//! Create / reopen / overwrite rules, deterministic chunks, empty shards,
//! status records and input errors, on a local directory.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{
    DATA_SHARDS, EMPTY_SHARD, FOREIGN_SHARD, ORDERS, SHARDS, UNWRITTEN_SHARDS, cell_values,
    chunk_of, shard_word, spec,
};
use magg_store::{
    Column, ColumnRef, CreateMode, FillValue, OutputStore, ShardStatus, StoreError, VariableSpec,
};

/// Every file under `dir` (relative path → bytes).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn url(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test]
async fn reads_back_what_was_written() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    common::populated_store(&path).await;
    let store = OutputStore::open(url(&path)).await.unwrap();
    assert_eq!(store.spec(), &spec("fp-1").normalized().unwrap());

    let shard = shard_word(DATA_SHARDS[1]);
    let range = store.chunk_range(shard, 5).unwrap();
    assert_eq!(range, DATA_SHARDS[1] * 64..(DATA_SHARDS[1] + 1) * 64);
    let Column::U32(count) = store.read_chunk(5, "count", shard).await.unwrap() else {
        panic!("count is u32")
    };
    let Column::F64(var) = store.read_chunk(5, "h_var", shard).await.unwrap() else {
        panic!("h_var is f64")
    };
    for (i, id) in range.clone().enumerate() {
        let (c, _, _, v) = cell_values(id);
        assert_eq!(count[i], c);
        assert_eq!(var[i].to_bits(), v.to_bits());
    }
    let ids = store.read_chunk(5, "cell_ids", shard).await.unwrap();
    assert_eq!(ids, Column::U64(range.clone().collect()));
    let words = store.read_chunk(5, "morton", shard).await.unwrap();
    assert_eq!(
        words,
        Column::U64(magg_morton::children(shard, 5).unwrap()),
        "morton chunk = the shard's children in nested order"
    );

    // A shard never written reads as fill values; its coordinates are the
    // template's, valid from the start.
    let never = shard_word(UNWRITTEN_SHARDS[0]);
    let Column::F32(h) = store.read_chunk(3, "h_max", never).await.unwrap() else {
        panic!("h_max is f32")
    };
    assert!(h.iter().all(|&x| x == common::H_MAX_FILL));
    let n = UNWRITTEN_SHARDS[0];
    assert_eq!(
        store.read_chunk(3, "cell_ids", never).await.unwrap(),
        Column::U64((n * 4..(n + 1) * 4).collect())
    );
    assert_eq!(
        store.read_chunk(5, "morton", never).await.unwrap(),
        Column::U64(magg_morton::children(never, 5).unwrap())
    );

    // The shard list, in chunk order, travels in the root metadata.
    let chunks = store.chunks();
    assert_eq!(chunks.nested(), SHARDS);
    for (i, &n) in SHARDS.iter().enumerate() {
        assert_eq!(chunks.chunk(shard_word(n)), Some(i as u64));
    }
}

#[tokio::test]
async fn arrays_span_only_the_shards_one_chunk_each() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    let store = common::populated_store(&path).await;
    for order in ORDERS {
        let span = 1u64 << (2 * (order - common::PARENT));
        let meta: serde_json::Value = serde_json::from_slice(
            &std::fs::read(path.join(format!("{order}/h_mean/zarr.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            meta["shape"],
            serde_json::json!([SHARDS.len() as u64 * span])
        );
        assert_eq!(
            meta["chunk_grid"]["configuration"]["chunk_shape"],
            serde_json::json!([span])
        );
        for (i, &n) in SHARDS.iter().enumerate() {
            let w = shard_word(n);
            assert_eq!(
                store.chunk_key(order, "h_mean", w).unwrap(),
                format!("{order}/h_mean/c/{i}")
            );
            assert_eq!(
                store.chunk_range(w, order).unwrap(),
                n * span..(n + 1) * span
            );
        }
        // The coordinates are the template's, several shards per chunk: here
        // all 7 in one.
        for name in ["cell_ids", "morton"] {
            let meta: serde_json::Value = serde_json::from_slice(
                &std::fs::read(path.join(format!("{order}/{name}/zarr.json"))).unwrap(),
            )
            .unwrap();
            assert_eq!(
                meta["chunk_grid"]["configuration"]["chunk_shape"],
                serde_json::json!([SHARDS.len() as u64 * span])
            );
            assert!(path.join(format!("{order}/{name}/c/0")).is_file());
            assert!(!path.join(format!("{order}/{name}/c/1")).exists());
        }
    }
    let root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.join("zarr.json")).unwrap()).unwrap();
    assert_eq!(root["attributes"]["magg"]["layout_version"], 3);
    assert_eq!(
        root["attributes"]["magg"]["spec"]["shards"],
        serde_json::json!(SHARDS)
    );
}

#[tokio::test]
async fn chunks_are_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.zarr"), tmp.path().join("b.zarr"));
    common::populated_store(&a).await;
    common::populated_store(&b).await;
    let first = tree(&a);
    assert_eq!(first, tree(&b), "two stores from the same input differ");

    // Rewriting shards in place leaves every byte as it was.
    let store = OutputStore::open(url(&a)).await.unwrap();
    for n in DATA_SHARDS {
        common::write_shard(&store, n, false).await;
    }
    assert_eq!(first, tree(&a));
    assert!(first.keys().any(|k| k.starts_with("5/h_mean/c/")));
    assert!(
        first
            .values()
            .all(|v| !String::from_utf8_lossy(v).contains("_zarrs")),
        "zarrs' own metadata block leaked into the store"
    );
}

#[tokio::test]
async fn empty_shards_store_coordinates_only_and_erase_old_data() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    let store = common::populated_store(&path).await;
    let files = tree(&path);
    for order in ORDERS {
        for name in ["count", "h_mean", "h_max", "h_var"] {
            let key = store
                .chunk_key(order, name, shard_word(EMPTY_SHARD))
                .unwrap();
            assert_eq!(key, format!("{order}/{name}/c/{}", chunk_of(EMPTY_SHARD)));
            assert!(
                !files.contains_key(&key),
                "{key} written for an empty shard"
            );
        }
        for name in ["cell_ids", "morton"] {
            let key = store
                .chunk_key(order, name, shard_word(EMPTY_SHARD))
                .unwrap();
            assert!(files.contains_key(&key), "{key} missing");
        }
    }
    // A shard rewritten empty loses its old data chunks.
    let n = DATA_SHARDS[0];
    let key = store.chunk_key(5, "h_mean", shard_word(n)).unwrap();
    assert!(path.join(&key).is_file());
    common::write_shard(&store, n, true).await;
    assert!(!path.join(&key).exists());
}

#[tokio::test]
async fn create_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    common::populated_store(&path).await;

    let again = OutputStore::create(url(&path), &spec("fp-1"), CreateMode::New).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists { .. })),
        "{again:?}"
    );

    // Reopen for resume: same layout and fingerprint; run attributes may differ.
    let mut same = spec("fp-1");
    same.attrs.insert("note".into(), "second run".into());
    let store = OutputStore::create(url(&path), &same, CreateMode::OpenExisting)
        .await
        .unwrap();
    assert!(
        !store.spec().attrs.contains_key("note"),
        "stored attrs are kept"
    );
    assert_eq!(store.list_status().await.unwrap().len(), 5);

    let err = OutputStore::create(url(&path), &spec("fp-2"), CreateMode::OpenExisting)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Mismatch { .. }), "{msg}");
    assert!(
        msg.contains("fingerprint") && msg.contains("fp-1") && msg.contains("fp-2"),
        "{msg}"
    );
    assert!(msg.contains(url(&path)), "{msg}");

    let mut other = spec("fp-1");
    other.variables[1] = VariableSpec::new("h_mean", FillValue::F32(-9999.0));
    let err = OutputStore::create(url(&path), &other, CreateMode::OpenExisting)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("variable h_mean"), "{err}");
    let mut other = spec("fp-1");
    other.orders = vec![5];
    let err = OutputStore::create(url(&path), &other, CreateMode::OpenExisting)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("orders"), "{err}");

    // Another shard list is another layout.
    let mut other = spec("fp-1");
    other.shards.pop();
    let err = OutputStore::create(url(&path), &other, CreateMode::OpenExisting)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("shards is 7 shards") && msg.contains("requested 6 shards"),
        "{msg}"
    );

    // Overwrite: a fresh store, no old data chunks or status records.
    let store = OutputStore::create(url(&path), &spec("fp-2"), CreateMode::Overwrite)
        .await
        .unwrap();
    assert_eq!(store.spec().fingerprint, "fp-2");
    assert!(store.list_status().await.unwrap().is_empty());
    let files = tree(&path);
    assert!(
        files.keys().all(|k| k.ends_with("zarr.json")
            || k.contains("/cell_ids/c/")
            || k.contains("/morton/c/")),
        "{:?}",
        files.keys()
    );

    // OpenExisting on an empty place creates.
    let fresh = tmp.path().join("fresh.zarr");
    OutputStore::create(url(&fresh), &spec("x"), CreateMode::OpenExisting)
        .await
        .unwrap();
    assert!(fresh.join("zarr.json").is_file());
}

#[tokio::test]
async fn refuses_foreign_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();
    for mode in [
        CreateMode::New,
        CreateMode::Overwrite,
        CreateMode::OpenExisting,
    ] {
        let err = OutputStore::create(url(&dir), &spec("x"), mode)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotAStore { .. }),
            "{mode:?}: {err}"
        );
        assert!(err.to_string().contains("notes.txt"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "keep me"
    );

    // A zarr.json that magg did not write is not a magg store either.
    let other = tmp.path().join("other.zarr");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(
        other.join("zarr.json"),
        r#"{"zarr_format":3,"node_type":"group"}"#,
    )
    .unwrap();
    let err = OutputStore::create(url(&other), &spec("x"), CreateMode::Overwrite)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    let err = OutputStore::open(url(&other)).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");

    let err = OutputStore::open(url(&tmp.path().join("missing.zarr")))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let err = OutputStore::open(url(&dir)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

#[tokio::test]
async fn status_records_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    let store = common::populated_store(&path).await;

    let all = store.list_status().await.unwrap();
    let mut want: Vec<u64> = DATA_SHARDS
        .into_iter()
        .chain([EMPTY_SHARD])
        .map(shard_word)
        .collect();
    want.sort_unstable();
    assert_eq!(all.iter().map(|s| s.shard).collect::<Vec<_>>(), want);

    let shard = shard_word(DATA_SHARDS[2]);
    let mut rec = ShardStatus::new(shard);
    rec.observations = u64::MAX - 1;
    rec.bytes_read = 123_456_789_012;
    rec.requests = 17;
    rec.seconds = 1.0 / 3.0;
    rec.error = Some("granule x.h5: truncated".into());
    rec.extra.insert("cpu_seconds".into(), 0.75.into());
    store.write_status(&rec).await.unwrap();
    let back = OutputStore::open(url(&path))
        .await
        .unwrap()
        .status(shard)
        .await
        .unwrap();
    assert_eq!(back, Some(rec.clone()));
    assert!(!back.unwrap().is_done());

    // Writing the shard again invalidates its record until a new one is written.
    common::write_shard(&store, DATA_SHARDS[2], false).await;
    let rec2 = store.status(shard).await.unwrap().unwrap();
    assert!(rec2.is_done());
    store.clear_status(shard).await.unwrap();
    store.clear_status(shard).await.unwrap();
    assert_eq!(store.status(shard).await.unwrap(), None);
    // A refused write leaves the record alone.
    store.write_status(&rec).await.unwrap();
    let c = store.read_chunk(3, "count", shard).await.unwrap();
    store
        .write_shard(shard, 3, &[("count", c.as_ref())])
        .await
        .unwrap_err();
    assert_eq!(store.status(shard).await.unwrap(), Some(rec));

    // Status records only for shard words at the parent order.
    let bad = ShardStatus::new(magg_morton::encode(3, 5).unwrap());
    assert!(matches!(
        store.write_status(&bad).await,
        Err(StoreError::Input { .. })
    ));
}

#[tokio::test]
async fn bad_writes_name_store_shard_and_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    let store = common::populated_store(&path).await;
    let shard = shard_word(7);
    let (count, mean, max, var) = common::shard_columns(&store, shard, 3, false);
    let good = [
        ("count", ColumnRef::U32(&count)),
        ("h_mean", ColumnRef::F32(&mean)),
        ("h_max", ColumnRef::F32(&max)),
        ("h_var", ColumnRef::F64(&var)),
    ];
    let expect = |r: Result<(), StoreError>, needle: &str| {
        let e = r.unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, StoreError::Input { .. }), "{msg}");
        assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
        assert!(msg.contains(url(&path)), "{msg}");
    };
    let short = &mean[..3];
    let wrong_len = [good[0], ("h_mean", ColumnRef::F32(short)), good[2], good[3]];
    expect(
        store.write_shard(shard, 3, &wrong_len).await,
        "h_mean: got 3 values",
    );
    let wrong_type = [good[0], ("h_mean", ColumnRef::F64(&var)), good[2], good[3]];
    expect(
        store.write_shard(shard, 3, &wrong_type).await,
        "float64 values",
    );
    expect(
        store.write_shard(shard, 3, &good[..3]).await,
        "h_var missing",
    );
    let twice = [good[0], good[1], good[2], good[3], good[0]];
    expect(
        store.write_shard(shard, 3, &twice).await,
        "count given twice",
    );
    let unknown = [
        good[0],
        good[1],
        good[2],
        good[3],
        ("h_min", ColumnRef::F32(&mean)),
    ];
    expect(
        store.write_shard(shard, 3, &unknown).await,
        "unknown variable h_min",
    );
    expect(
        store.write_shard(shard, 4, &good).await,
        "order 4 is not in the store",
    );
    let fine = magg_morton::encode(3, 7).unwrap();
    expect(store.write_shard(fine, 3, &good).await, "order 3");
    let point = magg_morton::encode_point(7).unwrap();
    expect(store.write_shard(point, 3, &good).await, "point word");
    expect(store.write_shard(0, 3, &good).await, "null word");
    expect(
        store.write_shard(shard_word(FOREIGN_SHARD), 3, &good).await,
        "not one of the store's 7 shards",
    );
    assert!(store.read_chunk(3, "nope", shard).await.is_err());
    assert!(
        store
            .read_chunk(3, "count", shard_word(FOREIGN_SHARD))
            .await
            .is_err()
    );
    // Nothing was written by the refused calls.
    let key = format!("3/count/c/{}", chunk_of(7));
    assert!(!path.join(&key).exists());
    store.write_shard(shard, 3, &good).await.unwrap();
    assert!(path.join(&key).exists());
}

/// Coordinate chunks of several shards each, the last one partial: every
/// shard's cells read back (here and with zarr-python) as its children.
#[tokio::test]
async fn coordinate_chunks_hold_several_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("c.zarr");
    // Order 9 under order 1: 65,536 cells per shard, 4 shards per
    // coordinate chunk (2^18 cells); 10 shards make chunks of 4, 4 and 2.
    let shards: Vec<u64> = (0..10)
        .map(|n| magg_morton::encode(1, 3 + 4 * n).unwrap())
        .collect();
    let mut s = spec("fp");
    s.parent_order = 1;
    s.orders = vec![9];
    s.shards.clone_from(&shards);
    let store = OutputStore::create(url(&path), &s, CreateMode::New)
        .await
        .unwrap();
    for name in ["cell_ids", "morton"] {
        for j in 0..3 {
            assert!(path.join(format!("9/{name}/c/{j}")).is_file(), "{name} {j}");
        }
        assert!(!path.join(format!("9/{name}/c/3")).exists());
    }
    for (i, &w) in shards.iter().enumerate() {
        let range = store.chunk_range(w, 9).unwrap();
        assert_eq!(
            store.read_chunk(9, "cell_ids", w).await.unwrap(),
            Column::U64(range.collect())
        );
        assert_eq!(
            store.read_chunk(9, "morton", w).await.unwrap(),
            Column::U64(magg_morton::children(w, 9).unwrap())
        );
        assert_eq!(
            store.chunk_key(9, "cell_ids", w).unwrap(),
            format!("9/cell_ids/c/{}", i / 4)
        );
        assert_eq!(
            store.chunk_key(9, "count", w).unwrap(),
            format!("9/count/c/{i}")
        );
    }
    let out = magg_testkit::run_python(
        "import sys, numpy as np, zarr\n\
         g = zarr.open_group(sys.argv[1], mode='r')\n\
         ids = g['9/cell_ids'][:]\n\
         want = np.concatenate([np.arange(n * 4**8, (n + 1) * 4**8) for n in range(3, 43, 4)])\n\
         assert np.array_equal(ids, want.astype('u8')), 'cell_ids'\n\
         assert g['9/count'].chunks == (4**8,) and g['9/cell_ids'].chunks == (4 * 4**8,)\n\
         print('OK')\n",
        &[url(&path)],
    );
    assert_eq!(out.trim(), "OK");
}

/// A root `zarr.json` as layout version 1 (dense global arrays) wrote it.
fn layout_1_root(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let doc = serde_json::json!({
        "zarr_format": 3,
        "node_type": "group",
        "attributes": {
            "product": "ATL06",
            "magg": {
                "format_version": 1,
                "spec": {
                    "parent_order": 2,
                    "orders": [3, 5],
                    "variables": [{"name": "count", "dtype": "uint32", "fill_value": 0}],
                    "compression": {"name": "gzip", "level": 1},
                    "fingerprint": "fp-1"
                }
            }
        }
    });
    std::fs::write(dir.join("zarr.json"), doc.to_string()).unwrap();
    std::fs::create_dir_all(dir.join("3/count/c")).unwrap();
    std::fs::write(dir.join("3/count/c/37"), b"old chunk").unwrap();
}

#[tokio::test]
async fn a_layout_1_store_is_refused_naming_the_version_until_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.zarr");
    layout_1_root(&path);
    let check = |err: StoreError| {
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                StoreError::Layout {
                    found: 1,
                    supported: 3,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(
            msg.contains("layout version 1")
                && msg.contains("--overwrite")
                && msg.contains(url(&path)),
            "{msg}"
        );
    };
    check(OutputStore::open(url(&path)).await.unwrap_err());
    for mode in [CreateMode::New, CreateMode::OpenExisting] {
        check(
            OutputStore::create(url(&path), &spec("fp-1"), mode)
                .await
                .unwrap_err(),
        );
    }
    assert!(
        path.join("3/count/c/37").is_file(),
        "a refused store is left alone"
    );

    // --overwrite replaces it with a layout-2 store.
    let store = OutputStore::create(url(&path), &spec("fp-1"), CreateMode::Overwrite)
        .await
        .unwrap();
    assert!(!path.join("3/count/c/37").exists());
    assert_eq!(store.chunks().len(), SHARDS.len());
    OutputStore::open(url(&path)).await.unwrap();
}

#[tokio::test]
async fn reopen_reads_the_current_shard_list() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.zarr");
    let first = OutputStore::create(url(&path), &spec("fp-1"), CreateMode::New)
        .await
        .unwrap();
    let mut fewer = spec("fp-1");
    fewer.shards = vec![shard_word(100)];
    OutputStore::create(url(&path), &fewer, CreateMode::Overwrite)
        .await
        .unwrap();
    // The stale handle still maps shard 100 to chunk 5; the reopened one to 0.
    assert_eq!(first.chunks().chunk(shard_word(100)), Some(5));
    let fresh = first.reopen().await.unwrap();
    assert_eq!(fresh.chunks().chunk(shard_word(100)), Some(0));
    assert_eq!(fresh.chunks().len(), 1);
}
