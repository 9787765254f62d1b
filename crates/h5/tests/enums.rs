//! Enumerated datatypes read as their base integer, equal to h5py: files
//! generated like pyfive's enum test files (`tests/make_enum_file.py`), in
//! datatype versions 1 and 3, with a committed type, a fill value, a
//! big-endian base, chunks and an enum attribute.

mod common;

use std::collections::BTreeMap;

use magg_h5::{Dtype, File, OpenOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enums_read_as_their_base_integers_like_h5py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = magg_testkit::run_python(
        include_str!("py/enums.py"),
        &[&dir.path().display().to_string()],
    );
    let report: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>> =
        serde_json::from_str(&out).expect("enums.py JSON");
    let files: Vec<std::path::PathBuf> = report.keys().map(Into::into).collect();
    assert_eq!(files.len(), 2);
    // Every value, fill value and attribute equals h5py's (which reads an
    // enumeration as its base integer).
    let dump = common::dump(&files);
    for m in &dump.files {
        let n = common::check_file(dump.dir.path(), m).await;
        assert_eq!(n, 5, "datasets compared");
    }
    // The member names and values equal h5py.check_enum_dtype.
    for (file, datasets) in &report {
        let f = File::open_url(file, &OpenOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for (path, want) in datasets {
            let ds = f.dataset(path).await.unwrap_or_else(|e| panic!("{e}"));
            let Dtype::Enum { base, members } = ds.dtype() else {
                panic!("{file}:{path}: read as {}", ds.dtype());
            };
            assert!(matches!(**base, Dtype::Int { .. }), "{path}: base {base}");
            let got: BTreeMap<String, i64> = members.iter().cloned().collect();
            assert_eq!(&got, want, "{file}:{path}: members");
            assert!(ds.dtype().is_numeric());
            assert!(
                ds.dtype().to_string().starts_with("enum "),
                "{}",
                ds.dtype()
            );
        }
        let nc = f.dataset("/nc/enum_var").await.unwrap();
        assert_eq!(nc.fill_value(), Some(255.0));
        let v: Vec<u8> = nc.read_all().await.unwrap();
        assert_eq!(v, [1, 3, 255, 3, 5]);
    }
}
