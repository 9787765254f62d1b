//! Bytes fetched between the chunks asked for (a coalesced request) are not
//! fetched again when a later read needs them. Chunk offsets from h5py.

use magg_h5::{File, OpenOptions};

const OFFSETS_PY: &str = r#"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    g = f["gt1l/land_ice_segments"]
    # (the small quality chunk sits in cached metadata: served from the metadata cache)
    for name in ("latitude", "longitude", "h_li", "h_li_sigma"):
        d = g[name]
        print(name, d.id.get_chunk_info(0).byte_offset)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coalesced_gap_bytes_are_not_fetched_twice() {
    let path = magg_testkit::sample_granules()[0].display().to_string();
    let mut cols: Vec<(String, u64)> = magg_testkit::run_python(OFFSETS_PY, &[&path])
        .lines()
        .map(|l| {
            let (n, o) = l.split_once(' ').unwrap();
            (n.to_string(), o.parse().unwrap())
        })
        .collect();
    cols.sort_by_key(|c| c.1);
    // Small metadata read-ahead, so no chunk is served from the metadata cache.
    let opts = OpenOptions {
        max_gap: 1 << 40,
        first_block: 4096,
        read_ahead: 4096,
        ..OpenOptions::default()
    };
    let file = File::open_url(&path, &opts).await.unwrap();
    let ds = |i: usize| {
        let name = format!("/gt1l/land_ice_segments/{}", cols[i].0);
        let file = file.clone();
        async move { file.dataset(&name).await.unwrap() }
    };
    let (first, last) = (ds(0).await, ds(cols.len() - 1).await);
    let middle = [ds(1).await, ds(2).await];
    let before = file.counters();
    let both: Vec<Vec<f64>> = file
        .read_many(&[(&first, 0..first.rows()), (&last, 0..last.rows())])
        .await
        .unwrap();
    let after_both = file.counters();
    assert_eq!(
        after_both.requests - before.requests,
        1,
        "one coalesced request"
    );
    assert_eq!(both[0].len() as u64, first.rows());
    for d in &middle {
        let direct: Vec<f64> = d.read_all().await.unwrap();
        assert_eq!(direct.len() as u64, d.rows());
    }
    // The two columns between were inside that request: no new request.
    assert_eq!(file.counters().requests, after_both.requests);
    // And they equal a fresh read.
    let fresh = File::open_url(&path, &OpenOptions::default())
        .await
        .unwrap();
    for d in &middle {
        let a: Vec<f64> = d.read_all().await.unwrap();
        let b: Vec<f64> = fresh
            .dataset(d.path())
            .await
            .unwrap()
            .read_all()
            .await
            .unwrap();
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}
