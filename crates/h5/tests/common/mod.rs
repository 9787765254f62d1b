//! Shared test helpers: dump files with h5py (the reference) and check that
//! magg-h5 reads every object identically.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use magg_h5::{AttrValue, Attribute, EntryKind, File, OpenOptions};
use serde_json::Value;

pub const DUMP_PY: &str = include_str!("../py/dump.py");

/// h5py's view of some files: the manifest and the folder of value files.
pub struct Dump {
    pub dir: tempfile::TempDir,
    pub files: Vec<Value>,
}

/// Runs the h5py dumper over `files`.
pub fn dump(files: &[PathBuf]) -> Dump {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args: Vec<String> = vec![dir.path().display().to_string()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = magg_testkit::run_python(DUMP_PY, &argv);
    let files: Vec<Value> = serde_json::from_str(&out).expect("dump.py JSON");
    Dump { dir, files }
}

/// Runs a Python script that writes HDF5 files into `dir`.
pub fn make_files(script: &str, dir: &Path) {
    magg_testkit::run_python(script, &[&dir.display().to_string()]);
}

fn le_bytes<T: Copy, const N: usize>(v: &[T], f: fn(T) -> [u8; N]) -> Vec<u8> {
    v.iter().flat_map(|&x| f(x)).collect()
}

/// Reads a dataset in its native type and returns little-endian bytes.
async fn native_bytes(file: &File, path: &str, typestr: &str) -> Vec<u8> {
    let ds = file.dataset(path).await.unwrap_or_else(|e| panic!("{e}"));
    let code = &typestr[1..];
    let r = async {
        Ok::<_, magg_h5::Error>(match code {
            "f2" | "f4" => le_bytes(&ds.read_all::<f32>().await?, f32::to_le_bytes),
            "f8" => le_bytes(&ds.read_all::<f64>().await?, f64::to_le_bytes),
            "i1" => le_bytes(&ds.read_all::<i8>().await?, i8::to_le_bytes),
            "u1" | "b1" => le_bytes(&ds.read_all::<u8>().await?, u8::to_le_bytes),
            "i2" => le_bytes(&ds.read_all::<i16>().await?, i16::to_le_bytes),
            "u2" => le_bytes(&ds.read_all::<u16>().await?, u16::to_le_bytes),
            "i4" => le_bytes(&ds.read_all::<i32>().await?, i32::to_le_bytes),
            "u4" => le_bytes(&ds.read_all::<u32>().await?, u32::to_le_bytes),
            "i8" => le_bytes(&ds.read_all::<i64>().await?, i64::to_le_bytes),
            "u8" => le_bytes(&ds.read_all::<u64>().await?, u64::to_le_bytes),
            other => panic!("{path}: no native reader for {other}"),
        })
    };
    r.await.unwrap_or_else(|e| panic!("{e}"))
}

fn parse_f64(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("float {s}"))
}

fn check_attrs(ctx: &str, ours: &[Attribute], theirs: &Value) {
    let theirs = theirs.as_object().expect("attrs object");
    let names: Vec<&String> = theirs.keys().collect();
    let mut our_names: Vec<&String> = ours.iter().map(|a| &a.name).collect();
    our_names.sort();
    let mut their_names = names.clone();
    their_names.sort();
    assert_eq!(our_names, their_names, "{ctx}: attribute names");
    for a in ours {
        let t = &theirs[&a.name];
        let what = format!("{ctx}@{}", a.name);
        match (
            &a.value,
            t.as_object()
                .expect("attr value")
                .iter()
                .next()
                .expect("one key"),
        ) {
            (AttrValue::String(v), (k, tv)) if k == "s" => {
                let tv: Vec<String> = serde_json::from_value(tv.clone()).expect("strings");
                assert_eq!(v, &tv, "{what}");
            }
            (AttrValue::Int(v), (k, tv)) if k == "i" => {
                let tv: Vec<i64> = tv
                    .as_array()
                    .expect("ints")
                    .iter()
                    .map(|x| x.as_str().expect("int string").parse().expect("i64"))
                    .collect();
                assert_eq!(v, &tv, "{what}");
            }
            (AttrValue::UInt(v), (k, tv)) if k == "i" => {
                let tv: Vec<u64> = tv
                    .as_array()
                    .expect("ints")
                    .iter()
                    .map(|x| x.as_str().expect("int string").parse().expect("u64"))
                    .collect();
                assert_eq!(v, &tv, "{what}");
            }
            (AttrValue::Float(v), (k, tv)) if k == "f" => {
                let tv: Vec<f64> = tv
                    .as_array()
                    .expect("floats")
                    .iter()
                    .map(|x| parse_f64(x.as_str().expect("float string")))
                    .collect();
                assert_eq!(v.len(), tv.len(), "{what}");
                for (x, y) in v.iter().zip(&tv) {
                    assert!(
                        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                        "{what}: {x} vs {y}"
                    );
                }
            }
            (ours, theirs) => panic!("{what}: ours {ours:?}, h5py {theirs:?}"),
        }
    }
}

/// Checks every object h5py saw in `manifest` (one file's entry).
pub async fn check_file(dump_dir: &Path, manifest: &Value) -> usize {
    let path = manifest["file"].as_str().expect("file");
    let file = File::open_url(path, &OpenOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let objects = manifest["objects"].as_array().expect("objects");
    // The tree: every group and dataset h5py visits, with the same kind.
    let walked = file.walk("/").await.unwrap_or_else(|e| panic!("{e}"));
    let ours: BTreeMap<String, &'static str> = walked
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::Group => Some((e.path.clone(), "group")),
            EntryKind::Dataset => Some((e.path.clone(), "dataset")),
            _ => None,
        })
        .collect();
    let theirs: BTreeMap<String, &'static str> = objects
        .iter()
        .filter(|o| o["path"] != "/")
        .map(|o| {
            let kind = if o["kind"] == "group" {
                "group"
            } else {
                "dataset"
            };
            (o["path"].as_str().expect("path").to_string(), kind)
        })
        .collect();
    assert_eq!(ours, theirs, "{path}: object tree");
    let mut n = 0;
    for o in objects {
        let p = o["path"].as_str().expect("path");
        let ctx = format!("{path}:{p}");
        if o["kind"] == "group" {
            let attrs = file.attributes(p).await.unwrap_or_else(|e| panic!("{e}"));
            check_attrs(&ctx, &attrs, &o["attrs"]);
            continue;
        }
        let ds = file.dataset(p).await.unwrap_or_else(|e| panic!("{e}"));
        let shape: Vec<u64> = serde_json::from_value(o["shape"].clone()).expect("shape");
        assert_eq!(ds.shape(), shape.as_slice(), "{ctx}: shape");
        assert_eq!(
            ds.dtype().typestr(),
            o["dtype"].as_str().expect("dtype"),
            "{ctx}: dtype"
        );
        let chunks: Option<Vec<u64>> = serde_json::from_value(o["chunks"].clone()).expect("chunks");
        assert_eq!(
            ds.chunk_shape().map(<[u64]>::to_vec),
            chunks,
            "{ctx}: chunks"
        );
        let has = |id: u16| ds.filters().iter().any(|f| f.id == id);
        assert_eq!(has(1), o["compression"] == "gzip", "{ctx}: deflate");
        assert_eq!(has(2), o["shuffle"] == true, "{ctx}: shuffle");
        assert_eq!(has(3), o["fletcher32"] == true, "{ctx}: fletcher32");
        check_attrs(&ctx, ds.attributes(), &o["attrs"]);
        if let Some(bin) = o["bin"].as_u64() {
            let want = std::fs::read(dump_dir.join(format!("{bin}.bin"))).expect("bin");
            let typestr = o["dtype"].as_str().expect("dtype");
            let got = native_bytes(&file, p, typestr).await;
            assert!(
                got == want,
                "{ctx}: values differ from h5py ({} vs {} bytes)",
                got.len(),
                want.len()
            );
            check_row_ranges(&ds).await;
            let fill = o["fill"].as_str().expect("fill");
            let ours = ds.fill_value().unwrap_or(0.0);
            let theirs = parse_f64(fill);
            assert!(
                ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan()),
                "{ctx}: fill {ours} vs h5py {theirs}"
            );
        } else if let Some(s) = o["strings"].as_array() {
            let want: Vec<String> = s
                .iter()
                .map(|x| x.as_str().expect("str").to_string())
                .collect();
            let got = ds
                .read_strings(0..ds.rows())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, want, "{ctx}: strings");
        }
        n += 1;
    }
    n
}

/// Row-range reads equal the matching slice of the whole read (which is
/// itself compared with h5py).
async fn check_row_ranges(ds: &magg_h5::Dataset) {
    let rows = ds.rows();
    if rows < 3 {
        return;
    }
    let all: Vec<f64> = ds.read_all().await.unwrap_or_else(|e| panic!("{e}"));
    let rl = ds.row_len() as usize;
    for (a, b) in [
        (1, rows - 1),
        (rows / 3, rows / 2 + 1),
        (rows - 1, rows),
        (5.min(rows), 5.min(rows)),
    ] {
        let part: Vec<f64> = ds.read_rows(a..b).await.unwrap_or_else(|e| panic!("{e}"));
        let want = &all[a as usize * rl..b as usize * rl];
        assert!(
            part.iter()
                .zip(want)
                .all(|(x, y)| x.to_bits() == y.to_bits())
                && part.len() == want.len(),
            "{}: rows {a}..{b} differ from the whole read",
            ds.path()
        );
    }
}
