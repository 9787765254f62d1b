//! `magg inspect` on a sample granule: the tree names every dataset with
//! its type, shape, chunking and filters; `--dataset … --rows A:B` prints
//! the same values as h5py, in text, csv and json.

mod common;

use std::process::Command;

fn magg_out(args: &[&str]) -> String {
    common::magg_ok(args).0
}

fn granule() -> String {
    magg_testkit::sample_granules()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("05192211"))
        .expect("sample granule 05192211")
        .display()
        .to_string()
}

#[test]
fn tree_lists_datasets_with_layout() {
    let g = granule();
    let out = magg_out(&["inspect", &g]);
    assert!(out.contains("gt2r/"), "{out}");
    // h5dump: H5T_IEEE_F32LE, (7935) / (H5S_UNLIMITED), CHUNKED (10000), DEFLATE 6.
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("h_li ") && l.contains("(7935,)"))
        .unwrap_or_else(|| panic!("no gt2r h_li line in\n{out}"));
    assert!(
        line.contains("float32 (7935,) chunked (10000,) [v1 B-tree] deflate(6)"),
        "{line}"
    );
    let rgt = out
        .lines()
        .find(|l| l.trim_start().starts_with("rgt "))
        .unwrap();
    assert!(rgt.contains("int16 (1,) contiguous"), "{rgt}");
    let with_attrs = magg_out(&["inspect", &g, "--attrs"]);
    assert!(with_attrs.contains("@units"), "attributes missing");
}

#[test]
fn values_match_h5py() {
    let g = granule();
    let path = "/gt2r/land_ice_segments/h_li";
    let script = "import sys,h5py\nf=h5py.File(sys.argv[1],'r')\nprint('\\n'.join(repr(float(x)) for x in f[sys.argv[2]][100:200]))";
    let want: Vec<f32> = magg_testkit::run_python(script, &[&g, path])
        .lines()
        .map(|l| l.parse::<f64>().unwrap() as f32)
        .collect();
    assert_eq!(want.len(), 100);

    let text = magg_out(&["inspect", &g, "--dataset", path, "--rows", "100:200"]);
    let got: Vec<f32> = text.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(got, want);

    let csv = magg_out(&[
        "inspect",
        &g,
        "--dataset",
        path,
        "--rows",
        "100:200",
        "--format",
        "csv",
    ]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("row,h_li"));
    let rows: Vec<(u64, f32)> = lines
        .map(|l| {
            let (r, v) = l.split_once(',').unwrap();
            (r.parse().unwrap(), v.parse().unwrap())
        })
        .collect();
    assert_eq!(rows.first().map(|r| r.0), Some(100));
    assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), want);

    let json = magg_out(&[
        "inspect",
        &g,
        "--dataset",
        path,
        "--rows",
        "100:200",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["dtype"], "<f4");
    assert_eq!(doc["shape"], serde_json::json!([7935]));
    let vals: Vec<f32> = doc["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(vals, want);
}

#[test]
fn missing_dataset_names_file_and_path() {
    let g = granule();
    let out = Command::new(env!("CARGO_BIN_EXE_magg"))
        .args(["inspect", &g, "--dataset", "/gt2r/nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/gt2r/nope") && err.contains("05192211") && err.contains("not found"),
        "{err}"
    );
}
