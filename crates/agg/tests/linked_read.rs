//! The linked read (`read_plan.spatial_index: segments`, ATL03's
//! geolocation segments → photons) against reading every photon: on
//! granules written by `tools/products/make_atl03.py` (h5py), every shard
//! any photon falls in gives bit for bit the grid the whole-column read
//! gives, and the linked read never reads a beam's `lat_ph` whole.

use std::collections::BTreeMap;
use std::path::Path;

use magg_agg::{AggConfig, ReadOptions, RowSearch, read_shard};

fn generate(out: &Path, args: &[&str]) -> Vec<String> {
    magg_testkit::generate_product("make_atl03.py", out, args)
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

/// `granules` small granules near 86°S (3 photons a segment, chunks of
/// 4,000 photons and 1,000 segments), with `extra` arguments.
fn near_the_pole(out: &Path, granules: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "--center=-86,60",
        "--granules",
        granules,
        "--photons",
        "3",
        "--photon-chunk",
        "4000",
        "--segment-chunk",
        "1000",
    ];
    args.extend_from_slice(extra);
    generate(out, &args)
}

/// The same config reading every photon: no read plan, whole latitude columns.
fn whole(config: &AggConfig) -> AggConfig {
    let mut c = config.clone();
    c.data_source.levels = magg_agg::Named::default();
    c.data_source.base_level = None;
    c.data_source.read_plan = None;
    c.data_source.row_search = RowSearch::Full;
    c.validate().unwrap();
    assert!(c.link_plan().is_none());
    c
}

/// Photons per order-`order` shard (morton word), over every beam of
/// `groups`, read whole with magg-h5.
async fn photon_shards(granules: &[String], groups: &[String], order: u8) -> BTreeMap<u64, u64> {
    let mut shards = BTreeMap::new();
    for g in granules {
        let f = magg_h5::File::open_url(g, &magg_h5::OpenOptions::default())
            .await
            .unwrap();
        for beam in groups {
            let Ok(lat) = f.dataset(&format!("/{beam}/heights/lat_ph")).await else {
                continue;
            };
            let lon = f.dataset(&format!("/{beam}/heights/lon_ph")).await.unwrap();
            let (lat, lon): (Vec<f64>, Vec<f64>) =
                (lat.read_all().await.unwrap(), lon.read_all().await.unwrap());
            for (la, lo) in lat.iter().zip(&lon) {
                *shards
                    .entry(magg_morton::geo_to_morton(*la, *lo, order).unwrap())
                    .or_insert(0) += 1;
            }
        }
    }
    shards
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shard_equals_the_whole_column_read() {
    let dir = tempfile::tempdir().unwrap();
    let granules = near_the_pole(dir.path(), "3", &["--drop-beam-of", "1"]);
    let linked = AggConfig::load("atl03").unwrap();
    assert!(linked.link_plan().is_some());
    let plain = whole(&linked);
    // The linked read with the segment level read whole (`row_search: full`).
    let mut linked_full = linked.clone();
    linked_full.data_source.row_search = RowSearch::Full;
    let order = linked.output.healpix().unwrap().parent_order;
    let shards = photon_shards(&granules, &linked.data_source.groups, order).await;
    assert!(shards.len() >= 6, "{shards:?}");
    let opts = ReadOptions::default();
    let mut observations = 0;
    for &shard in shards.keys() {
        let a = read_shard(shard, &granules, &linked, &opts).await.unwrap();
        let b = read_shard(shard, &granules, &plain, &opts).await.unwrap();
        for g in a.granules.iter().chain(&b.granules) {
            assert!(g.error.is_none(), "{:?}", g.error);
        }
        let child = linked.output.healpix().unwrap().child_order;
        let (ga, gb) = (
            a.grouped.reduce(child).unwrap(),
            b.grouped.reduce(child).unwrap(),
        );
        assert_eq!(format!("{ga:?}"), format!("{gb:?}"), "shard {shard}");
        observations += ga.observations;
        eprintln!(
            "shard {shard}: {} photons, {} kept; linked {} B in {} chunks, whole {} B in {} chunks",
            shards[&shard],
            ga.observations,
            a.io().bytes_fetched,
            a.io().chunks_decoded,
            b.io().bytes_fetched,
            b.io().chunks_decoded
        );
    }
    assert!(observations > 10_000, "{observations}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lat_ph_is_never_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let granules = generate(
        dir.path(),
        &[
            "--center=-70,10",
            "--granules",
            "1",
            "--lat-extent",
            "3",
            "--photons",
            "4",
            "--photon-chunk",
            "1000",
            "--segment-chunk",
            "2000",
        ],
    );
    // One beam, one variable, no filter: the chunks decoded are the
    // segments' and those of lat_ph, lon_ph and h_ph over the shard's
    // photon ranges.
    let mut linked = AggConfig::load("atl03").unwrap();
    linked.data_source.groups = vec!["gt2r".to_string()];
    linked.data_source.filters.clear();
    linked.validate().unwrap();
    let plain = whole(&linked);
    let f = magg_h5::File::open_url(&granules[0], &magg_h5::OpenOptions::default())
        .await
        .unwrap();
    let lat = f.dataset("/gt2r/heights/lat_ph").await.unwrap();
    let lat_chunks = lat.rows().div_ceil(1000);
    let groups = linked.data_source.groups.clone();
    let shards = photon_shards(&granules, &groups, 6).await;
    let total: u64 = shards.values().sum();
    assert_eq!(total, lat.rows());
    let opts = ReadOptions::default();
    let mut checked = 0;
    for (&shard, &n) in &shards {
        let a = read_shard(shard, &granules, &linked, &opts).await.unwrap();
        let b = read_shard(shard, &granules, &plain, &opts).await.unwrap();
        let (ca, cb) = (a.io().chunks_decoded, b.io().chunks_decoded);
        eprintln!(
            "shard {shard}: {n} of {total} photons; linked {ca} chunks, whole {cb}; lat_ph has {lat_chunks}"
        );
        // The whole-column read decodes every lat_ph chunk at least.
        assert!(cb >= lat_chunks, "{cb} < {lat_chunks}");
        if n * 5 <= total {
            // Every chunk the linked read decodes, of every dataset, is
            // fewer than lat_ph's alone: lat_ph was not read whole.
            assert!(ca < lat_chunks, "shard {shard}: {ca} >= {lat_chunks}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "{checked} shards checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_past_the_photons_names_granule_and_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let granules = generate(
        dir.path(),
        &["--center=-70,10", "--granules", "1", "--photons", "2"],
    );
    // Every segment of gt2r links one row past the photons.
    magg_testkit::run_python(
        "import sys, h5py\n\
         with h5py.File(sys.argv[1], 'r+') as f:\n\
         \x20   n = f['/gt2r/heights/lat_ph'].shape[0]\n\
         \x20   f['/gt2r/geolocation/ph_index_beg'][:] = n\n\
         \x20   f['/gt2r/geolocation/segment_ph_cnt'][:] = 2\n",
        &[&granules[0]],
    );
    let config = AggConfig::load("atl03").unwrap();
    let shards = photon_shards(&granules, &["gt2r".to_string()], 6).await;
    let (&busiest, _) = shards.iter().max_by_key(|(_, n)| **n).unwrap();
    let out = read_shard(busiest, &granules, &config, &ReadOptions::default())
        .await
        .unwrap();
    let e = out.granules[0]
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", out.granules[0]))
        .to_string();
    assert!(e.contains("ATL03_"), "{e}");
    assert!(e.contains("/gt2r/geolocation/ph_index_beg"), "{e}");
    assert!(e.contains("links past"), "{e}");
}

/// A chunk index built for the `atl03` config describes the segment and
/// photon datasets the linked read needs, and summarizes the photon blocks
/// through the link: every shard read from it equals the read through the
/// granules' metadata, with no index fallback, fewer bytes and requests,
/// in one round. An entry without the photon summary (an index built
/// before it) is read through the link, with the same result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_index_serves_the_linked_read() {
    use magg_index::{ChunkIndex, DEFAULT_SUMMARY_ORDER, index_granule};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let granules = near_the_pole(dir.path(), "2", &[]);
    let config = AggConfig::load("atl03").unwrap();
    let spec = config.index_spec(DEFAULT_SUMMARY_ORDER);
    let mut entries = Vec::new();
    for g in &granules {
        let built = index_granule(g, &spec, &magg_h5::OpenOptions::default())
            .await
            .unwrap();
        // Every beam's photon blocks are summarized through the link.
        for b in &built.entry.granule.beams {
            let base = b.base.as_ref().expect("a base summary");
            assert!(base.cells.iter().any(|c| !c.is_empty()), "{}", b.group);
        }
        entries.push(built.entry);
    }
    let mut older = entries.clone();
    for e in &mut older {
        for b in &mut e.granule.beams {
            b.base = None;
        }
        *e = magg_index::Entry::new(&e.url, e.granule.clone());
    }
    // A photon summary that does not cover its rows is not used.
    let mut broken = entries.clone();
    for e in &mut broken {
        for b in &mut e.granule.beams {
            b.base.as_mut().unwrap().cells.pop();
        }
        *e = magg_index::Entry::new(&e.url, e.granule.clone());
    }
    let broken = ReadOptions {
        index: Some(Arc::new(ChunkIndex::new(DEFAULT_SUMMARY_ORDER, broken))),
        files: None,
        ..ReadOptions::default()
    };
    let indexed = ReadOptions {
        index: Some(Arc::new(ChunkIndex::new(DEFAULT_SUMMARY_ORDER, entries))),
        files: None,
        ..ReadOptions::default()
    };
    let through_link = ReadOptions {
        index: Some(Arc::new(ChunkIndex::new(DEFAULT_SUMMARY_ORDER, older))),
        files: None,
        ..ReadOptions::default()
    };
    let opened = ReadOptions {
        files: None,
        ..ReadOptions::default()
    };
    let shards = photon_shards(&granules, &config.data_source.groups, 6).await;
    let mut checked = 0;
    for (&shard, &n) in &shards {
        let a = read_shard(shard, &granules, &config, &indexed)
            .await
            .unwrap();
        let b = read_shard(shard, &granules, &config, &opened)
            .await
            .unwrap();
        let c = read_shard(shard, &granules, &config, &through_link)
            .await
            .unwrap();
        assert_eq!(
            a.index_fallbacks() + c.index_fallbacks(),
            0,
            "{:?}",
            a.granules
        );
        assert!(c.granules.iter().all(|g| g.indexed && g.error.is_none()));
        let d = read_shard(shard, &granules, &config, &broken)
            .await
            .unwrap();
        assert_eq!(
            d.index_fallbacks() as usize,
            granules.len(),
            "{:?}",
            d.granules
        );
        assert!(d.granules.iter().all(|g| {
            g.index_fallback
                .as_deref()
                .is_some_and(|w| w.contains("lists") && w.contains("blocks"))
        }));
        assert_eq!(
            format!("{:?}", d.grouped.reduce(12).unwrap()),
            format!("{:?}", b.grouped.reduce(12).unwrap()),
            "shard {shard} after the fallback"
        );
        assert_eq!(
            format!("{:?}", c.grouped.reduce(12).unwrap()),
            format!("{:?}", b.grouped.reduce(12).unwrap()),
            "shard {shard} through the link"
        );
        assert!(a.granules.iter().all(|g| g.indexed && g.error.is_none()));
        // The photon blocks are read directly: one round per granule (none
        // when the shard is not in it), no segment or link request.
        for g in &a.granules {
            assert_eq!(g.io.rounds, u64::from(g.io.requests > 0), "{:?}", g.io);
        }
        assert_eq!(
            format!("{:?}", a.grouped.reduce(12).unwrap()),
            format!("{:?}", b.grouped.reduce(12).unwrap()),
            "shard {shard}"
        );
        let (ia, ib) = (a.io(), b.io());
        assert!(
            ia.bytes_fetched < ib.bytes_fetched,
            "shard {shard}: {ia:?} {ib:?}"
        );
        assert!(ia.requests < ib.requests, "shard {shard}: {ia:?} {ib:?}");
        checked += usize::from(n > 0);
    }
    assert!(checked >= 2, "{checked} shards");
}
