//! `data_source.row_search: along_track` selects exactly the rows a whole
//! latitude read selects: for every shard the sample granules touch, every
//! granule's rows read, filter counts and grids equal `row_search: full`,
//! and the rows read equal h5py + mortie's count of the shard's row runs.

use std::collections::BTreeMap;

use magg_agg::{AggConfig, ReadOptions, RowSearch, read_shard};
use serde_json::Value;

/// Per granule, per order-6 shard (morton word): the rows of the shard's
/// runs (rows whose cell is the shard, runs closer than `gap` rows merged),
/// summed over beams: h5py + mortie, independent of magg.
const RUNS_PY: &str = r#"
import json, sys
import h5py, numpy as np, mortie
gap, files = int(sys.argv[1]), sys.argv[2:]
out = {}
for path in files:
    per = {}
    with h5py.File(path, "r") as f:
        for beam in ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"):
            if beam not in f:
                continue
            g = f[beam]["land_ice_segments"]
            lat, lon = g["latitude"][...], g["longitude"][...]
            ok = np.isfinite(lat) & (np.abs(lat) <= 90) & np.isfinite(lon)
            idx = np.flatnonzero(ok)
            words = np.zeros(len(lat), dtype=np.uint64)
            words[idx] = mortie.clip2order(6, mortie.geo2mort(lat[idx], lon[idx], order=12))
            for w in np.unique(words[idx]):
                rows = np.flatnonzero(ok & (words == w))
                # merge runs: a new run starts where the gap to the previous row exceeds `gap`
                starts = np.concatenate(([0], np.flatnonzero(np.diff(rows) - 1 > gap) + 1))
                ends = np.concatenate((starts[1:], [len(rows)])) - 1
                n = int(np.sum(rows[ends] - rows[starts] + 1))
                per[str(int(w))] = per.get(str(int(w)), 0) + n
    out[path] = per
print(json.dumps(out))
"#;

/// Copies the 5 columns of each granule (values, fill values, attributes)
/// into `out` with `chunk`-row chunks (the samples hold one chunk per beam;
/// the product has many).
const RECHUNK_PY: &str = r#"
import os, sys
import h5py
out, chunk, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
names = ("latitude", "longitude", "h_li", "h_li_sigma", "atl06_quality_summary")
for path in files:
    dst = os.path.join(out, os.path.basename(path))
    with h5py.File(path, "r") as f, h5py.File(dst, "w") as o:
        for beam in ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"):
            if beam not in f:
                continue
            g = o.create_group(f"{beam}/land_ice_segments")
            for name in names:
                d = f[beam]["land_ice_segments"][name]
                n = g.create_dataset(name, data=d[...], chunks=(min(chunk, max(len(d), 1)),),
                                     maxshape=(None,), compression="gzip", compression_opts=6,
                                     fillvalue=d.fillvalue)
                for k, v in d.attrs.items():
                    n.attrs[k] = v
    print(dst)
"#;

fn config(search: RowSearch) -> AggConfig {
    let mut c = AggConfig::atl06_default();
    c.data_source.row_search = search;
    c
}

#[test]
fn along_track_equals_full_read_on_every_sample_shard() {
    let samples: Vec<String> = magg_testkit::sample_granule_paths();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![dir.path().display().to_string(), "1000".to_string()];
    args.extend(samples.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let files: Vec<String> = magg_testkit::run_python(RECHUNK_PY, &args)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(files.len(), samples.len());
    // Default options; then no merging of row runs or byte ranges and a
    // small first block, so that every chunk the search skips is not fetched.
    let (along, full) = compare_all_shards(&files, &ReadOptions::default());
    println!("default options: along_track fetched {along} bytes, full {full}");
    let mut opts = ReadOptions {
        merge_gap_rows: 0,
        ..ReadOptions::default()
    };
    opts.open.max_gap = 0;
    opts.open.first_block = 16 << 10;
    opts.open.read_ahead = 16 << 10;
    let (along, full) = compare_all_shards(&files, &opts);
    println!("no merging: along_track fetched {along} bytes, full {full}");
    assert!(along < full, "the search saves bytes: {along} vs {full}");
}

/// Reads every shard the granules touch both ways; returns the bytes
/// fetched (along_track, full).
fn compare_all_shards(files: &[String], opts: &ReadOptions) -> (u64, u64) {
    let mut args = vec![opts.merge_gap_rows.to_string()];
    args.extend(files.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let reference: Value = serde_json::from_str(&magg_testkit::run_python(RUNS_PY, &args)).unwrap();
    // shard → (granule → rows of its runs)
    let mut shards: BTreeMap<u64, BTreeMap<String, u64>> = BTreeMap::new();
    for (file, per) in reference.as_object().unwrap() {
        for (word, rows) in per.as_object().unwrap() {
            shards
                .entry(word.parse().unwrap())
                .or_default()
                .insert(file.clone(), rows.as_u64().unwrap());
        }
    }
    assert!(shards.len() > 20, "{} shards", shards.len());
    println!("{} shards", shards.len());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (along, full) = (config(RowSearch::AlongTrack), config(RowSearch::Full));
    let (mut bytes_along, mut bytes_full) = (0, 0);
    for (&shard, per) in &shards {
        // The granules touching the shard, and one that does not.
        let mut granules: Vec<String> = per.keys().cloned().collect();
        if let Some(other) = files.iter().find(|f| !per.contains_key(*f)) {
            granules.push(other.clone());
        }
        let a = rt
            .block_on(read_shard(shard, &granules, &along, opts))
            .unwrap();
        let f = rt
            .block_on(read_shard(shard, &granules, &full, opts))
            .unwrap();
        for (ga, gf) in a.granules.iter().zip(&f.granules) {
            assert!(ga.error.is_none() && gf.error.is_none(), "{:?}", ga.error);
            let want = per.get(&ga.url).copied().unwrap_or(0);
            assert_eq!(ga.rows_read, want, "shard {shard} granule {}", ga.url);
            assert_eq!(gf.rows_read, want, "shard {shard} granule {}", ga.url);
            assert_eq!(ga.stats, gf.stats, "shard {shard} granule {}", ga.url);
            assert_eq!(ga.row_search_fallbacks, 0, "{}", ga.url);
        }
        assert_eq!(a.grouped.observations(), f.grouped.observations());
        // Debug text: NaN fills compare equal, unlike `==`.
        let (ga, gf) = (a.grouped.reduce(12).unwrap(), f.grouped.reduce(12).unwrap());
        assert!(
            format!("{ga:?}") == format!("{gf:?}"),
            "shard {shard}: grids differ"
        );
        bytes_along += a.io().bytes_fetched;
        bytes_full += f.io().bytes_fetched;
    }
    (bytes_along, bytes_full)
}

#[test]
fn row_search_is_a_config_key() {
    let yaml = magg_agg::ATL06_YAML.replace("data_source:\n", "data_source:\n  row_search: full\n");
    let c = AggConfig::from_yaml_str(&yaml).unwrap();
    assert_eq!(c.data_source.row_search, RowSearch::Full);
    // Same meaning, same fingerprint.
    assert_eq!(c.fingerprint(), AggConfig::atl06_default().fingerprint());
    assert_eq!(
        AggConfig::from_yaml_str(magg_agg::ATL06_YAML)
            .unwrap()
            .data_source
            .row_search,
        RowSearch::AlongTrack
    );
    let bad =
        magg_agg::ATL06_YAML.replace("data_source:\n", "data_source:\n  row_search: sideways\n");
    let e = AggConfig::from_yaml_str(&bad).unwrap_err();
    assert_eq!(e.key(), Some("data_source.row_search"), "{e}");
}
