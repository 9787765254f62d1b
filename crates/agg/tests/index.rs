//! `ReadOptions::index`: shards read from a chunk index equal shards read
//! through the granules' metadata, on every shard of the sample granules
//! (HEALPix shards, and the tiles of a polar grid), with no metadata
//! request (one round per granule); a stale or corrupt entry, or one
//! lacking a dataset, falls back to the metadata, counted, with the same
//! output.

use std::sync::Arc;

mod common;

use common::index_of;
use magg_agg::{AggConfig, ReadOptions, ShardOutput, read_shard};
use magg_index::{ChunkIndex, DEFAULT_SUMMARY_ORDER};

fn grid(out: &ShardOutput) -> String {
    format!("{:?}", out.grouped.reduce(12).unwrap())
}

fn with_index(ix: ChunkIndex) -> ReadOptions {
    ReadOptions {
        index: Some(Arc::new(ix)),
        files: None,
        ..ReadOptions::default()
    }
}

fn plain() -> ReadOptions {
    ReadOptions {
        files: None,
        ..ReadOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_shard_reads_the_same_from_the_index() {
    let files: Vec<String> = magg_testkit::sample_granule_paths();
    let config = AggConfig::atl06_default();
    let (ix, shards) = index_of(&files, &config, DEFAULT_SUMMARY_ORDER).await;
    assert!(shards.len() > 20, "{} shards", shards.len());
    let (indexed, opened) = (with_index(ix), plain());
    let mut observations = 0;
    for (&shard, granules) in &shards {
        let a = read_shard(shard, granules, &config, &indexed)
            .await
            .unwrap();
        let b = read_shard(shard, granules, &config, &opened).await.unwrap();
        assert_eq!(a.grouped.observations(), b.grouped.observations());
        assert_eq!(grid(&a), grid(&b), "shard {shard}");
        assert_eq!(a.index_fallbacks(), 0);
        for (g, o) in a.granules.iter().zip(&b.granules) {
            assert!(g.indexed && g.error.is_none(), "{g:?}");
            assert_eq!(g.stats.kept, o.stats.kept, "{}", g.url);
            // No open, no metadata: one round (dependency depth, the same
            // from local files as from S3: `remote_rounds.rs`), or none
            // when the summary names no block of the shard.
            assert!(g.io.requests < o.io.requests, "{:?} vs {:?}", g.io, o.io);
            assert_eq!(g.io.rounds, u64::from(g.io.requests > 0), "{:?}", g.io);
            assert!(o.io.rounds >= 3, "{:?}", o.io);
        }
        observations += a.grouped.observations();
    }
    assert!(observations > 10_000, "{observations}");
}

/// Tiles of a rectilinear grid: the index's summaries are compared with
/// the tile's HEALPix cover. Every tile holding a sample point (found by
/// locating every coordinate the index pass read) reads the same as
/// through the metadata, in one round per granule; every other tile reads
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tile_reads_the_same_from_the_index() {
    let files: Vec<String> = magg_testkit::sample_granule_paths();
    let config = common::polar_config(64);
    let grid = std::sync::Arc::clone(magg_agg::Plan::new(&config).unwrap().grid());
    let spec = config.index_spec(DEFAULT_SUMMARY_ORDER);
    let mut entries = Vec::new();
    let mut tiles = std::collections::BTreeSet::new();
    for f in &files {
        let g = magg_index::index_granule(f, &spec, &magg_h5::OpenOptions::default())
            .await
            .unwrap();
        for (lat, lon) in &g.coordinates {
            let ok: Vec<(f64, f64)> = lat
                .iter()
                .zip(lon)
                .filter(|(la, lo)| la.abs() <= 90.0 && lo.is_finite())
                .map(|(&la, &lo)| (la, lo))
                .collect();
            let (la, lo): (Vec<f64>, Vec<f64>) = ok.into_iter().unzip();
            let mut cells = vec![None; la.len()];
            grid.locate(&la, &lo, &mut cells).unwrap();
            tiles.extend(cells.iter().flatten().map(|c| c.shard));
        }
        entries.push(g.entry);
    }
    assert!(tiles.len() > 10, "{} tiles", tiles.len());
    let (indexed, opened) = (
        with_index(ChunkIndex::new(DEFAULT_SUMMARY_ORDER, entries)),
        plain(),
    );
    let mut observations = 0;
    for tile in grid.shards() {
        let a = read_shard(tile, &files, &config, &indexed).await.unwrap();
        assert_eq!(a.index_fallbacks(), 0, "{:?}", a.granules);
        if !tiles.contains(&tile) {
            assert_eq!(a.grouped.observations(), 0, "tile {tile}");
            continue;
        }
        let b = read_shard(tile, &files, &config, &opened).await.unwrap();
        assert_eq!(
            format!("{:?}", a.grouped.reduce(0).unwrap()),
            format!("{:?}", b.grouped.reduce(0).unwrap()),
            "tile {tile}"
        );
        for (g, o) in a.granules.iter().zip(&b.granules) {
            assert!(g.indexed && g.error.is_none(), "{g:?}");
            assert_eq!(g.stats.kept, o.stats.kept, "{}", g.url);
            assert_eq!(g.io.rounds, u64::from(g.io.requests > 0), "{:?}", g.io);
            assert!(g.io.requests < o.io.requests, "{:?} vs {:?}", g.io, o.io);
        }
        observations += a.grouped.observations();
    }
    assert!(observations > 10_000, "{observations}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_corrupt_and_partial_entries_fall_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for src in magg_testkit::sample_granules().iter().take(4) {
        let p = dir.path().join(src.file_name().unwrap());
        std::fs::copy(src, &p).unwrap();
        files.push(p.display().to_string());
    }
    let config = AggConfig::atl06_default();
    let (ix, shards) = index_of(&files, &config, DEFAULT_SUMMARY_ORDER).await;
    // The shard with the most granules.
    let (&shard, granules) = shards.iter().max_by_key(|(_, g)| g.len()).unwrap();
    assert!(granules.len() >= 2, "{granules:?}");
    let want = read_shard(shard, granules, &config, &plain())
        .await
        .unwrap();

    // Corrupt: an entry edited without its checksum.
    let mut broken = ix.clone();
    let id = magg_index::granule_id(&granules[1]).to_string();
    let e = broken.granules.iter_mut().find(|e| e.id == id).unwrap();
    e.granule.file.root += 8;
    let broken = ChunkIndex::from_json("x", &broken.to_bytes("x")).unwrap();
    // An entry with a valid checksum that lacks a variable.
    let mut partial = ix.clone();
    let e = partial.granules.iter_mut().find(|e| e.id == id).unwrap();
    e.granule.datasets.retain(|d| !d.path.ends_with("/h_li"));
    let e = magg_index::Entry::new(&e.url.clone(), e.granule.clone());
    let mut entries = partial.granules.clone();
    let at = entries.iter().position(|x| x.id == id).unwrap();
    entries[at] = e;
    let partial = ChunkIndex::new(DEFAULT_SUMMARY_ORDER, entries);

    for (what, ix, bad, reason) in [
        ("corrupt", broken, &granules[1], "checksum"),
        ("partial", partial, &granules[1], "lacks"),
        ("stale", ix, &granules[0], "stale"),
    ] {
        if what == "stale" {
            // Rewritten (same bytes, a new modification time: a new ETag).
            std::thread::sleep(std::time::Duration::from_millis(20));
            let bytes = std::fs::read(&granules[0]).unwrap();
            std::fs::write(&granules[0], &bytes).unwrap();
        }
        let got = read_shard(shard, granules, &config, &with_index(ix))
            .await
            .unwrap();
        assert_eq!(got.index_fallbacks(), 1, "{what}");
        for g in &got.granules {
            assert!(g.error.is_none(), "{what}: {g:?}");
            if &g.url == bad {
                let r = g.index_fallback.as_deref().unwrap();
                assert!(r.contains(reason), "{what}: {r}");
                assert!(!g.indexed);
            } else {
                assert!(g.indexed, "{what}: {}", g.url);
            }
        }
        assert_eq!(grid(&got), grid(&want), "{what}");
    }
}
