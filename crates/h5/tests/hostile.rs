//! Hostile bytes: truncation, bad signatures, random corruption, link
//! cycles, checksum mismatches and unsupported filters end in typed errors
//! naming the file and object, never in a panic.

use std::sync::Arc;

use bytes::Bytes;
use magg_h5::{EntryKind, ErrorKind, File, OpenOptions};
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

async fn open_bytes(bytes: Vec<u8>) -> magg_h5::Result<File> {
    let store = Arc::new(InMemory::new());
    let path = Path::from("input.h5");
    store.put(&path, Bytes::from(bytes).into()).await.unwrap();
    let opts = OpenOptions {
        first_block: 8192,
        read_ahead: 4096,
        ..OpenOptions::default()
    };
    File::open(store as Arc<dyn ObjectStore>, path, &opts).await
}

/// Opens, walks and reads everything; any error is fine, a panic is not.
async fn exercise(bytes: Vec<u8>) -> usize {
    let Ok(file) = open_bytes(bytes).await else {
        return 0;
    };
    let Ok(entries) = file.walk("/").await else {
        return 0;
    };
    let mut read = 0;
    for e in entries.iter().filter(|e| e.kind == EntryKind::Dataset) {
        if let Ok(ds) = file.dataset(&e.path).await {
            let ok = if ds.dtype().is_numeric() {
                ds.read_all::<f64>().await.is_ok()
            } else {
                ds.read_strings(0..ds.rows()).await.is_ok()
            };
            read += usize::from(ok);
        }
    }
    read
}

fn sample() -> Vec<u8> {
    let g = magg_testkit::sample_granules();
    let small = g
        .iter()
        .min_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    std::fs::read(small).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_files_are_errors() {
    let bytes = sample();
    let full = exercise(bytes.clone()).await;
    assert!(full > 100);
    for cut in [
        0,
        1,
        7,
        8,
        100,
        511,
        2048,
        20_000,
        300_000,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        let n = exercise(bytes[..cut].to_vec()).await;
        assert!(n < full, "cut at {cut}: read {n} of {full}");
    }
    let err = open_bytes(bytes[..100].to_vec()).await.unwrap_err();
    assert!(err.to_string().contains("input.h5"), "{err}");
}

#[tokio::test]
async fn bad_signature_is_an_error() {
    let mut bytes = sample();
    bytes[1] = b'X';
    let err = open_bytes(bytes).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::BadSignature { .. }), "{err}");
    let err = open_bytes(b"not an hdf5 file at all".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::BadSignature { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_corruption_never_panics() {
    let bytes = sample();
    // Deterministic xorshift; corrupt 1–8 bytes in the metadata-heavy start.
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for _ in 0..80 {
        let mut b = bytes.clone();
        for _ in 0..=(next() % 8) {
            let pos = (next() % 200_000) as usize % b.len();
            b[pos] = next() as u8;
        }
        exercise(b).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycles_checksums_and_unsupported_filters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let out = magg_testkit::run_python(include_str!("py/hostile.py"), &[&d]);
    let chunk: serde_json::Value = serde_json::from_str(&out).unwrap();

    // Links: hard-link loop terminates the walk, soft-link cycle is an error.
    let links = File::open_url(&format!("{d}/links.h5"), &OpenOptions::default())
        .await
        .unwrap();
    let walked = links.walk("/").await.unwrap();
    assert!(
        walked
            .iter()
            .any(|e| e.path == "/g/data" && e.kind == EntryKind::Dataset)
    );
    assert!(
        walked
            .iter()
            .any(|e| e.path == "/dangling" && matches!(e.kind, EntryKind::Dangling(_)))
    );
    let err = links.dataset("/a").await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Cycle { .. }), "{err}");
    assert!(
        err.to_string().contains("links.h5") && err.to_string().contains("/a"),
        "{err}"
    );
    let alias: Vec<f64> = links
        .dataset("/alias")
        .await
        .unwrap()
        .read_all()
        .await
        .unwrap();
    assert_eq!(alias, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
    let via_loop: Vec<f64> = links
        .dataset("/g/loop/loop/data")
        .await
        .unwrap()
        .read_all()
        .await
        .unwrap();
    assert_eq!(via_loop, alias);
    let err = links.dataset("/g").await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::WrongKind(_)), "{err}");

    // Fletcher-32: flip one byte of chunk 1; chunks 0, 2, 3 still read.
    let path = format!("{d}/checksum.h5");
    let mut bytes = std::fs::read(&path).unwrap();
    let off = chunk["offset"].as_u64().unwrap() as usize + 100;
    bytes[off] ^= 0x40;
    let file = open_bytes(bytes).await.unwrap();
    let ds = file.dataset("/x").await.unwrap();
    let good: Vec<f64> = ds.read_rows(0..1000).await.unwrap();
    assert_eq!(good[999].to_bits(), 999.0f64.to_bits());
    let err = ds.read_rows::<f64>(1000..2000).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("/x"), "{err}");

    // An unsupported filter is named.
    let file = File::open_url(&path, &OpenOptions::default())
        .await
        .unwrap();
    let err = file
        .dataset("/lzf")
        .await
        .unwrap()
        .read_all::<i32>()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Unsupported(_)) && err.to_string().contains("lzf"),
        "{err}"
    );
}

/// Every fuzz seed and every input the fuzzer once broke us with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_corpus_and_regressions_never_panic() {
    let root = magg_testkit::workspace_root().join("fuzz");
    let mut n = 0;
    for dir in ["corpus/h5_open", "regressions/h5_open"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            exercise(bytes).await;
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} fuzz inputs found");
}
