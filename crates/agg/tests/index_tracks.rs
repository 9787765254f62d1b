//! Property test of the chunk index on simulated tracks: granules written
//! by libhdf5 (`../shared/data/make_atl06.py`) with random tracks, row
//! density, chunk length, filters and summary order read the same through
//! the index as through their metadata, shard by shard, for every shard
//! their rows touch. `tests/index.rs` covers the fixed sample granules and
//! stale or corrupt entries; this covers the layouts the sample lacks
//! (chunk boundaries anywhere against shard boundaries, sparse rows,
//! shuffled or uncompressed chunks, coarse and fine summaries).
//!
//! Each case runs the Python generator, so the case count is small; set
//! `PROPTEST_CASES` for a longer search.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

mod common;

use common::index_of;
use magg_agg::{AggConfig, ReadOptions, ShardOutput, read_shard};
use proptest::prelude::*;

/// One generated layout.
#[derive(Debug, Clone)]
struct Layout {
    rgts: (u32, u32),
    region: u8,
    density: f64,
    chunk: u32,
    gzip: u8,
    shuffle: bool,
    summary_order: u8,
}

fn layouts() -> impl Strategy<Value = Layout> {
    (
        (1u32..=1387, 1u32..=1387),
        10u8..=12,
        0.02f64..0.15,
        16u32..4000,
        0u8..=6,
        any::<bool>(),
        6u8..=10,
    )
        .prop_map(
            |(rgts, region, density, chunk, gzip, shuffle, summary_order)| Layout {
                rgts,
                region,
                density,
                chunk,
                gzip,
                shuffle,
                summary_order,
            },
        )
}

/// Writes the layout's granules into `dir` and returns them, sorted.
fn generate(layout: &Layout, dir: &std::path::Path) -> Vec<String> {
    let script = magg_testkit::shared_dir().join("data/make_atl06.py");
    let mut cmd = Command::new(magg_testkit::python());
    cmd.arg(&script)
        .args(["--out", dir.to_str().unwrap(), "--cycle", "22"])
        .args(["--rgts", &format!("{},{}", layout.rgts.0, layout.rgts.1)])
        .args(["--regions", &layout.region.to_string()])
        .args(["--density", &layout.density.to_string()])
        .args(["--chunk", &layout.chunk.to_string()])
        .args(["--gzip", &layout.gzip.to_string()])
        // A band of latitudes keeps each case's rows to a few thousand.
        .args(["--region-filter", "-86", "-72", "--lean", "-j", "1"])
        .stdin(Stdio::null());
    if layout.shuffle {
        cmd.arg("--shuffle");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", magg_testkit::python()));
    assert!(
        out.status.success(),
        "make_atl06.py failed for {layout:?}:\n{}\nhint: pip install -r requirements-test.txt",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p: PathBuf = e.unwrap().path();
            (p.extension().is_some_and(|x| x == "h5")).then(|| p.display().to_string())
        })
        .collect();
    files.sort();
    files
}

fn grid(out: &ShardOutput) -> String {
    format!("{:?}", out.grouped.reduce(12).unwrap())
}

/// Reads every shard of the layout both ways; returns the observations.
async fn check(layout: &Layout) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(layout, dir.path());
    let config = AggConfig::atl06_default();
    let (ix, shards) = index_of(&files, &config, layout.summary_order).await;
    let indexed = ReadOptions {
        index: Some(Arc::new(ix)),
        files: None,
        ..ReadOptions::default()
    };
    let plain = ReadOptions {
        files: None,
        ..ReadOptions::default()
    };
    let mut observations = 0;
    for (&shard, granules) in &shards {
        let a = read_shard(shard, granules, &config, &indexed)
            .await
            .unwrap();
        let b = read_shard(shard, granules, &config, &plain).await.unwrap();
        assert_eq!(
            a.grouped.observations(),
            b.grouped.observations(),
            "shard {shard} of {layout:?}"
        );
        assert_eq!(grid(&a), grid(&b), "shard {shard} of {layout:?}");
        assert_eq!(a.index_fallbacks(), 0, "shard {shard} of {layout:?}");
        for g in &a.granules {
            assert!(g.indexed && g.error.is_none(), "{g:?}");
            assert!(g.io.rounds <= 1, "{:?} in shard {shard}", g.io);
        }
        observations += a.grouped.observations();
    }
    observations
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4,
        max_shrink_iters: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn simulated_tracks_read_the_same_through_the_index(layout in layouts()) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let observations = rt.block_on(check(&layout));
        eprintln!("{layout:?}: {observations} observations");
        prop_assert!(observations > 0, "no observation in {layout:?}");
    }
}
