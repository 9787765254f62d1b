//! Reading the 5 ATL06 columns of one beam for a row range touches only
//! the chunks that meet the rows (asserted with the counters and libhdf5's
//! own chunk table), and the values equal h5py's.

use magg_h5::{File, OpenOptions};

const COLS: [&str; 5] = [
    "latitude",
    "longitude",
    "h_li",
    "h_li_sigma",
    "atl06_quality_summary",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_columns_touch_only_intersecting_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("beam.h5");
    let p = path.display().to_string();
    let out = magg_testkit::run_python(include_str!("py/big_beam.py"), &[&p]);
    let chunks: serde_json::Value = serde_json::from_str(&out).unwrap();
    let file_size = std::fs::metadata(&path).unwrap().len();

    // Small blocks and no gap tolerance, so fetched bytes can be accounted for.
    let opts = OpenOptions {
        first_block: 16 << 10,
        read_ahead: 4 << 10,
        max_gap: 0,
        ..OpenOptions::default()
    };
    let file = File::open_url(&p, &opts).await.unwrap();
    let mut ds = Vec::new();
    for c in COLS {
        ds.push(
            file.dataset(&format!("/gt1l/land_ice_segments/{c}"))
                .await
                .unwrap(),
        );
    }
    let rows = 45_000..61_000; // chunks 4, 5 and 6 of 20
    let reqs: Vec<_> = ds.iter().map(|d| (d, rows.clone())).collect();

    let before = file.counters();
    let first: Vec<Vec<f64>> = file.read_many(&reqs).await.unwrap();
    let cold = file.counters() - before;
    // The same read again: index nodes are cached now, so only chunk bytes move.
    let before = file.counters();
    let again: Vec<Vec<f64>> = file.read_many(&reqs).await.unwrap();
    let warm = file.counters() - before;
    assert_eq!(first, again);

    // libhdf5's chunk table: the chunks meeting the rows, and their sizes.
    let mut want_bytes = 0u64;
    let mut want_decoded = 0u64;
    let mut n_meeting = 0u64;
    for (c, d) in COLS.iter().zip(&ds) {
        for ch in chunks[c].as_array().unwrap() {
            let (row0, _off, size) = (
                ch[0].as_u64().unwrap(),
                ch[1].as_u64().unwrap(),
                ch[2].as_u64().unwrap(),
            );
            if row0 < rows.end && row0 + 10_000 > rows.start {
                want_bytes += size;
                want_decoded += 10_000 * d.dtype().size() as u64;
                n_meeting += 1;
            }
        }
    }
    assert_eq!(n_meeting, 15);
    for c in [cold, warm] {
        assert_eq!(c.chunks_decoded, 15, "{c:?}");
        assert_eq!(c.bytes_decompressed, want_decoded, "{c:?}");
    }
    // Warm: only the 15 chunks' bytes (some may come from cached blocks),
    // in at most 15 requests (adjacent chunks coalesce).
    assert!(warm.bytes_fetched <= want_bytes, "{warm:?} vs {want_bytes}");
    assert!(warm.requests <= 15 && warm.requests >= 1, "{warm:?}");
    // Cold: plus a few index nodes, far from the whole file.
    assert!(cold.bytes_fetched < want_bytes + 64 * 4096, "{cold:?}");
    assert!(
        cold.bytes_fetched * 4 < file_size,
        "{cold:?} of {file_size}"
    );

    // Values equal h5py's slice.
    let script = "import sys,h5py,json\nf=h5py.File(sys.argv[1],'r')\nprint(json.dumps({c: [repr(float(x)) for x in f['gt1l/land_ice_segments/'+c][45000:61000]] for c in sys.argv[2:]}))";
    let mut args = vec![p.as_str()];
    args.extend(COLS);
    let want: serde_json::Value =
        serde_json::from_str(&magg_testkit::run_python(script, &args)).unwrap();
    for (c, got) in COLS.iter().zip(&first) {
        let w: Vec<f64> = want[c]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().parse().unwrap())
            .collect();
        assert_eq!(got, &w, "{c}");
    }

    // One row touches one chunk per column.
    let before = file.counters();
    let one: Vec<Vec<f32>> = file
        .read_many(&ds.iter().map(|d| (d, 123_456..123_457)).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(one.len(), 5);
    assert_eq!((file.counters() - before).chunks_decoded, 5);
}
