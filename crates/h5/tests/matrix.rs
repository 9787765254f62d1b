//! The h5py matrix: files written by libhdf5 with `libver='earliest'`,
//! `'v108'` and `'latest'` covering every layout, chunk index, filter combination, byte
//! order, group storage and attribute kind; every value compared with h5py.

mod common;

use std::collections::BTreeSet;

use magg_h5::{EntryKind, File, OpenOptions, Storage};

/// Storage kinds of every dataset in a file.
async fn storages(path: &std::path::Path) -> (u8, BTreeSet<String>) {
    let f = File::open_url(&path.display().to_string(), &OpenOptions::default())
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    for e in f.walk("/").await.unwrap() {
        if e.kind == EntryKind::Dataset {
            let s = match f.dataset(&e.path).await.unwrap().storage() {
                Storage::Chunked { index, .. } => index.to_string(),
                other => format!("{other:?}").to_lowercase(),
            };
            out.insert(s);
        }
    }
    (f.superblock_version(), out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h5py_matrix_matches() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::make_files(include_str!("py/matrix.py"), dir.path());
    let earliest = dir.path().join("layouts_earliest.h5");
    let latest = dir.path().join("layouts_latest.h5");
    let v108 = dir.path().join("layouts_v108.h5");
    // The matrix really covers the format variants it claims to.
    let (v, kinds) = storages(&earliest).await;
    assert_eq!(v, 0);
    assert_eq!(
        kinds,
        ["compact", "contiguous", "v1 B-tree"]
            .map(String::from)
            .into()
    );
    let (v, kinds) = storages(&latest).await;
    assert_eq!(v, 3);
    let want = [
        "compact",
        "contiguous",
        "extensible array",
        "fixed array",
        "implicit",
        "single chunk",
        "v2 B-tree",
    ];
    assert_eq!(kinds, want.map(String::from).into());
    // libver v108: superblock 2, version-2 object headers, v1 B-tree chunk index.
    let (v, kinds) = storages(&v108).await;
    assert_eq!(v, 2);
    assert!(kinds.contains("v1 B-tree"), "{kinds:?}");
    let dump = common::dump(&[earliest, v108, latest]);
    for m in &dump.files {
        let n = common::check_file(dump.dir.path(), m).await;
        assert!(n > 40, "only {n} datasets compared");
    }
}
