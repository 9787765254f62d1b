//! Column selections of 2-D datasets (`ds[rows, k]` as h5py reads it):
//! every layout and chunk index libhdf5 writes, chunks as wide as the rows
//! and chunks splitting the columns; only the chunks holding the selected
//! columns are fetched and decoded (libhdf5's own chunk table is the
//! reference).

use std::collections::BTreeMap;
use std::ops::Range;

use magg_h5::{File, OpenOptions};
use serde_json::Value;

struct Info {
    shape: Vec<u64>,
    chunks: Option<Vec<u64>>,
    chunk_table: Option<Vec<Vec<u64>>>,
}

impl Info {
    fn of(v: &Value) -> Info {
        let u64s = |v: &Value| -> Vec<u64> {
            v.as_array()
                .expect("array")
                .iter()
                .map(|x| x.as_u64().expect("u64"))
                .collect()
        };
        Info {
            shape: u64s(&v["shape"]),
            chunks: v["chunks"].as_array().map(|_| u64s(&v["chunks"])),
            chunk_table: v["chunk_table"]
                .as_array()
                .map(|t| t.iter().map(u64s).collect()),
        }
    }
}

fn values(dir: &std::path::Path, file: &str, key: &str) -> Vec<f64> {
    let base = std::path::Path::new(file).file_name().unwrap();
    std::fs::read(dir.join("values").join(base).join(format!("{key}.bin")))
        .expect("values")
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// h5py's `d[rows, cols]`, from the whole array.
fn slice(all: &[f64], ncols: u64, rows: &Range<u64>, cols: &Range<u64>) -> Vec<f64> {
    rows.clone()
        .flat_map(|r| cols.clone().map(move |c| all[(r * ncols + c) as usize]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn column_selections_equal_h5py_and_fetch_only_their_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = magg_testkit::run_python(
        include_str!("py/columns.py"),
        &[&dir.path().display().to_string()],
    );
    let report: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_str(&out).expect("columns.py JSON");
    let mut compared = 0;
    for (file, datasets) in &report {
        for (key, info) in datasets {
            let info = Info::of(info);
            let all = values(dir.path(), file, key);
            let (nrows, ncols) = (info.shape[0], info.shape[1]);
            let mut selections: Vec<Range<u64>> = (0..ncols).map(|k| k..k + 1).collect();
            selections.push(1..ncols.min(4));
            selections.push(0..ncols);
            let row_ranges = [
                0..nrows,
                nrows / 20..nrows * 7 / 10,
                nrows / 2 - 1..nrows / 2 + 1,
                nrows - 1..nrows,
                3..3,
            ];
            for cols in &selections {
                for rows in &row_ranges {
                    // A fresh open per read, so its counters are its own.
                    let f = File::open_url(file, &OpenOptions::default())
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                    let ds = f.dataset(&format!("/{key}")).await.unwrap();
                    let sel = ds.select_columns(cols.clone()).unwrap();
                    assert_eq!(sel.row_len(), cols.end - cols.start);
                    assert_eq!(sel.shape(), ds.shape());
                    let before = f.counters().chunks_decoded;
                    let got: Vec<f64> = sel.read_rows(rows.clone()).await.unwrap();
                    let want = slice(&all, ncols, rows, cols);
                    assert!(
                        got.len() == want.len()
                            && got
                                .iter()
                                .zip(&want)
                                .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "{file}:{key}[{rows:?}, {cols:?}] differs from h5py"
                    );
                    if let (Some(chunk), Some(table)) = (&info.chunks, &info.chunk_table) {
                        // Chunks libhdf5 allocated that meet the rows and the columns.
                        let meet = |o: u64, c: u64, r: &Range<u64>| o < r.end && o + c > r.start;
                        let want = table
                            .iter()
                            .filter(|o| {
                                !rows.is_empty()
                                    && meet(o[0], chunk[0], rows)
                                    && meet(o[1], chunk[1], cols)
                            })
                            .count() as u64;
                        let decoded = f.counters().chunks_decoded - before;
                        assert_eq!(
                            decoded, want,
                            "{file}:{key}[{rows:?}, {cols:?}]: chunks decoded"
                        );
                    }
                    compared += 1;
                }
            }
            // The rows read through `read_many` with other datasets too.
            let f = File::open_url(file, &OpenOptions::default()).await.unwrap();
            let ds = f.dataset(&format!("/{key}")).await.unwrap();
            let k = ncols - 1;
            let col = ds.column(k).unwrap();
            let got: Vec<Vec<f64>> = f
                .read_many(&[(&col, 1..nrows - 1), (&ds, 0..2)])
                .await
                .unwrap();
            assert_eq!(
                got[0],
                slice(&all, ncols, &(1..nrows - 1), &(k..k + 1)),
                "{key}"
            );
            assert_eq!(got[1], slice(&all, ncols, &(0..2), &(0..ncols)), "{key}");
        }
    }
    assert!(compared > 400, "{compared} reads compared");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_column_selections_are_refused_naming_the_dataset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = magg_testkit::run_python(
        include_str!("py/columns.py"),
        &[&dir.path().display().to_string()],
    );
    let report: BTreeMap<String, serde_json::Value> = serde_json::from_str(&out).unwrap();
    let file = report.keys().next().unwrap();
    let f = File::open_url(file, &OpenOptions::default()).await.unwrap();
    let ds = f.dataset("/conf_rows").await.unwrap();
    let e = ds.column(5).unwrap_err().to_string();
    assert!(e.contains("/conf_rows") && e.contains("outside"), "{e}");
    let e = ds.select_columns(2..2).unwrap_err().to_string();
    assert!(e.contains("outside"), "{e}");
    let one_d = f.dataset("/one_d").await.unwrap();
    let e = one_d.column(0).unwrap_err().to_string();
    assert!(e.contains("/one_d") && e.contains("2-D"), "{e}");
}
