//! The ATL03 dense-shard benchmark (issue #18): one shard's photons
//! through the segment link (the built-in `atl03` config), beside the
//! h5py + numpy + mortie reference in the same run.
//!
//! ```text
//! python3 tools/products/make_atl03.py --out /tmp/atl03/dense --center=-87.3,45 \
//!     --granules 8 --lat-extent 0.6 --photons 24 --spread 0.4
//! cargo run --release -p magg-agg --example atl03_dense -- /tmp/atl03/dense 6:32771 [passes] [index]
//! ```
//!
//! With `index`, the chunk index pass runs first (its reads printed apart)
//! and the shard is read through it.
//!
//! Prints: photons in the shard and kept, bytes fetched against the stored
//! bytes of the chunks holding the shard's photons (every photon dataset
//! the config reads), the process's peak RSS, and µs per photon per core
//! (CPU seconds / photons in the shard) for magg and for the reference.

use std::time::Instant;

use magg_agg::{AggConfig, ReadOptions, read_shard};

const REFERENCE: &str = include_str!("atl03_dense_reference.py");

/// User + system CPU seconds of this process (`/proc/self/stat`).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat (utime, stime), 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident set size of this process, MB (`VmHWM`).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(shard)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: atl03_dense DIR ORDER:NESTED [PASSES] [index]");
        std::process::exit(2);
    };
    let passes: usize = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(3);
    let with_index = args.get(4).is_some_and(|a| a == "index");
    let (order, nested) = shard.split_once(':').expect("ORDER:NESTED");
    let word = magg_morton::encode(order.parse().unwrap(), nested.parse().unwrap()).unwrap();
    let mut granules: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("h5")))
        .map(|p| p.display().to_string())
        .collect();
    granules.sort();
    let config = AggConfig::load("atl03").unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // With `index`: the chunk index pass first (once per cycle in a run,
    // `magg chunk-index`), its reads counted apart; the shard then reads
    // the photon blocks its summary names.
    let index = with_index.then(|| {
        let spec = config.index_spec(magg_index::DEFAULT_SUMMARY_ORDER);
        let t0 = Instant::now();
        let pass = runtime.block_on(magg_index::index_granules(
            &granules,
            &spec,
            &magg_h5::OpenOptions::default(),
            8,
        ));
        assert!(pass.skipped.is_empty(), "{:?}", pass.skipped);
        println!(
            "index pass: {} granules, {:.3} s wall, {} requests, {:.1} MB fetched (once for every shard)",
            pass.index.len(),
            t0.elapsed().as_secs_f64(),
            pass.io.requests,
            pass.io.bytes_fetched as f64 / 1e6
        );
        std::sync::Arc::new(pass.index)
    });
    let mut best: Option<(f64, f64, magg_h5::Counters, u64, u64)> = None;
    for _ in 0..passes {
        // A fresh file cache each pass: every pass opens its granules.
        let opts = ReadOptions {
            index: index.clone(),
            ..ReadOptions::default()
        };
        let (c0, t0) = (cpu_seconds(), Instant::now());
        let out = runtime
            .block_on(read_shard(word, &granules, &config, &opts))
            .unwrap();
        let grid = out
            .grouped
            .reduce(
                config
                    .output
                    .healpix()
                    .expect("a HEALPix config")
                    .child_order,
            )
            .unwrap();
        let (cpu, wall) = (cpu_seconds() - c0, t0.elapsed().as_secs_f64());
        if let Some(g) = out.failed().next() {
            panic!("{:?}", g.error);
        }
        let rows: u64 = out.granules.iter().map(|g| g.stats.rows).sum();
        assert_eq!(out.index_fallbacks(), 0, "{:?}", out.granules);
        if best.as_ref().is_none_or(|b| wall < b.1) {
            best = Some((cpu, wall, out.io(), grid.observations, rows));
        }
        drop(grid);
    }
    let (cpu, wall, io, kept, rows) = best.unwrap();
    let rss = peak_rss_mb();
    let mut ref_args = vec![word.to_string()];
    ref_args.extend(granules.iter().cloned());
    let refs: Vec<&str> = ref_args.iter().map(String::as_str).collect();
    let said = magg_testkit::run_python(REFERENCE, &refs);
    let r: serde_json::Value = serde_json::from_str(said.trim()).unwrap();
    let photons = r["photons"].as_f64().unwrap();
    let needed = r["needed_bytes"].as_f64().unwrap();
    assert_eq!(r["kept"].as_u64(), Some(kept), "reference {r}");
    println!(
        "shard {shard}: {} granules, {photons} photons, {kept} kept",
        granules.len()
    );
    println!(
        "magg:      {wall:.3} s wall, {cpu:.3} s CPU, {:.3} µs/photon/core; {} requests in {} rounds, {:.1} MB fetched, \
         {:.3}× the {:.1} MB of chunks holding the shard's photons; {} photon rows hashed; peak RSS {rss:.0} MB",
        cpu / photons * 1e6,
        io.requests,
        io.rounds,
        io.bytes_fetched as f64 / 1e6,
        io.bytes_fetched as f64 / needed,
        needed / 1e6,
        rows
    );
    let (rcpu, rwall) = (r["cpu_s"].as_f64().unwrap(), r["wall_s"].as_f64().unwrap());
    println!(
        "reference: {rwall:.3} s wall, {rcpu:.3} s CPU, {:.3} µs/photon/core (h5py reads every photon whole)",
        rcpu / photons * 1e6
    );
}
