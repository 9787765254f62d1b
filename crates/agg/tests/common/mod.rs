//! Helpers shared by the integration tests: a deterministic random source
//! and raw little-endian array files for handing data to Python references.

#![allow(dead_code, unreachable_pub, clippy::float_cmp)]

use magg_agg::{AggConfig, Column, ConfigError, FilterStats, ShardGrid};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// SplitMix64: small, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Writes values as raw little-endian bytes (numpy `fromfile` reads them).
pub fn write_raw<T: Copy>(path: &Path, values: &[T], to_le: impl Fn(T) -> Vec<u8>) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for &v in values {
        f.write_all(&to_le(v)).unwrap();
    }
    f.flush().unwrap();
}

pub fn write_f64(path: &Path, values: &[f64]) {
    write_raw(path, values, |v| v.to_le_bytes().to_vec());
}

pub fn write_f32(path: &Path, values: &[f32]) {
    write_raw(path, values, |v| v.to_le_bytes().to_vec());
}

pub fn write_i8(path: &Path, values: &[i8]) {
    write_raw(path, values, |v| v.to_le_bytes().to_vec());
}

/// Relative difference, with exact zeros equal.
pub fn rel_diff(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

/// Python (numpy + mortie) definition of the ATL06 reduction, independent of
/// magg: `reduce_shard(lat, lon, h, s, q, shard_word, orders)` filters
/// (quality 0, no fill/non-finite values, valid coordinates), indexes with
/// mortie at order 12, keeps the shard's rows and returns filter counts plus,
/// per order, rows `[cell, count, min, max, mean(w=1/s^2), sigma, var, q25,
/// q50, q75]`.
pub const REDUCE_PY: &str = r#"
import json, sys
import numpy as np
import mortie

def reduce_shard(lat, lon, h, s, q, shard, orders):
    shard = np.uint64(shard)
    fill = np.finfo(np.float32).max
    stats = {"rows": len(lat)}
    keep = q == 0
    stats["rejected_filters"] = int((~keep).sum())
    ok = keep & (h != fill) & np.isfinite(h) & (s != fill) & np.isfinite(s)
    stats["rejected_values"] = int(keep.sum() - ok.sum())
    ok2 = ok & np.isfinite(lat) & (np.abs(lat) <= 90) & np.isfinite(lon)
    stats["rejected_coordinates"] = int(ok.sum() - ok2.sum())
    idx = np.flatnonzero(ok2)
    words = mortie.geo2mort(lat[idx], lon[idx], order=12)
    inside = mortie.clip2order(6, words) == shard
    stats["outside_shard"] = int((~inside).sum())
    idx, words = idx[inside], words[inside]
    stats["kept"] = len(idx)
    out = {"stats": stats}
    if len(idx) == 0:
        for order in orders:
            out[str(order)] = []
        return out
    nested12, _ = mortie.mort2healpix(words)
    shard_nested, shard_order = mortie.mort2healpix(np.array([shard]))
    assert shard_order == 6
    local = nested12.astype(np.int64) - (int(shard_nested[0]) << 12)
    H, S = h[idx].astype(np.float64), s[idx].astype(np.float64)
    for order in orders:
        cell = local >> (2 * (12 - order))
        rows = []
        for c in np.unique(cell):
            sel = cell == c
            x, e = H[sel], S[sel]
            rows.append([int(c), int(sel.sum()), float(np.min(x)), float(np.max(x)),
                         float(np.average(x, weights=1.0 / e**2)),
                         float(1.0 / np.sqrt(np.sum(1.0 / e**2))), float(np.var(x)),
                         *[float(v) for v in np.quantile(x, [0.25, 0.5, 0.75])]])
        out[str(order)] = rows
    return out
"#;

/// The ATL06 output names, in the order of `REDUCE_PY`'s row values.
pub const NAMES: [&str; 9] = [
    "count",
    "h_min",
    "h_max",
    "h_mean",
    "h_sigma",
    "h_variance",
    "h_q25",
    "h_q50",
    "h_q75",
];

/// Filter counts equal the reference's.
pub fn check_stats(st: &FilterStats, r: &Value) {
    let get = |k: &str| r[k].as_u64().unwrap();
    assert_eq!(st.rows, get("rows"));
    assert_eq!(st.rejected_filters, get("rejected_filters"));
    assert_eq!(st.rejected_values, get("rejected_values"));
    assert_eq!(st.rejected_coordinates, get("rejected_coordinates"));
    assert_eq!(st.outside_shard, get("outside_shard"));
    assert_eq!(st.kept, get("kept"));
}

/// Checks every cell of `grid` against the reference rows; returns the
/// largest relative difference over the float outputs.
pub fn compare(grid: &ShardGrid, rows: &[Value], tol: f64) -> f64 {
    let mut populated = vec![false; grid.n_cells()];
    let mut worst: f64 = 0.0;
    for row in rows {
        let row = row.as_array().unwrap();
        let cell = row[0].as_u64().unwrap() as usize;
        populated[cell] = true;
        for (k, name) in NAMES.iter().enumerate() {
            let ours = grid.column(name).unwrap().get_f64(cell);
            let want = row[k + 1].as_f64().unwrap();
            let want = match grid.column(name).unwrap() {
                Column::F32(_) => f64::from(want as f32),
                _ => want,
            };
            let d = rel_diff(ours, want);
            assert!(
                d <= tol,
                "order {} cell {cell} {name}: ours {ours:e}, reference {want:e}",
                grid.order
            );
            worst = worst.max(d);
        }
    }
    for (cell, &p) in populated.iter().enumerate() {
        if !p {
            assert_eq!(
                grid.column("count").unwrap().get_f64(cell),
                0.0,
                "empty cell {cell} count"
            );
            assert!(
                grid.column("h_mean").unwrap().get_f64(cell).is_nan(),
                "empty cell {cell} fill"
            );
        }
    }
    assert_eq!(grid.populated as usize, rows.len());
    worst
}

/// Parses and validates config text.
pub fn load(text: &str) -> Result<AggConfig, ConfigError> {
    AggConfig::from_yaml_str(text)
}

/// The ATL06 config text with `from` replaced by `to` (asserting it occurs).
pub fn atl06_with(from: &str, to: &str) -> String {
    let base = magg_agg::ATL06_YAML;
    assert!(base.contains(from), "test edit `{from}` not in atl06.yaml");
    base.replacen(from, to, 1)
}

/// `text` is refused at `key`, with `message` in the error.
#[track_caller]
pub fn expect_err(text: &str, key: &str, message: &str) {
    let err = load(text).expect_err("config should be refused");
    let shown = err.to_string();
    assert_eq!(err.key(), Some(key), "wrong key in: {shown}");
    assert!(shown.contains(message), "`{message}` not in: {shown}");
}

/// A 2-thread runtime for tests that call the async reader.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The index of `files` at `summary_order`, and each order-6 shard's
/// granules, found by hashing every coordinate the index pass read (a
/// brute-force catalog).
pub async fn index_of(
    files: &[String],
    config: &AggConfig,
    summary_order: u8,
) -> (
    magg_index::ChunkIndex,
    std::collections::BTreeMap<u64, Vec<String>>,
) {
    let spec = config.index_spec(summary_order);
    let mut entries = Vec::new();
    let mut shards: std::collections::BTreeMap<u64, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for f in files {
        let g = magg_index::index_granule(f, &spec, &magg_h5::OpenOptions::default())
            .await
            .unwrap();
        for (lat, lon) in &g.coordinates {
            for (&la, &lo) in lat.iter().zip(lon) {
                if let Ok(w) = magg_morton::geo_to_morton(la, lo, 6) {
                    shards.entry(w).or_default().insert(f.clone());
                }
            }
        }
        entries.push(g.entry);
    }
    let shards = shards
        .into_iter()
        .map(|(w, g)| (w, g.into_iter().collect()))
        .collect();
    (magg_index::ChunkIndex::new(summary_order, entries), shards)
}

/// The built-in ATL06 config with upstream's polar output grid (EPSG:3031,
/// 5 km, 6,400 km square) in tiles of `chunk` × `chunk` cells.
#[allow(dead_code)]
pub fn polar_config(chunk: u32) -> AggConfig {
    let text = magg_agg::ATL06_YAML;
    let (head, _) = text.split_once("\noutput:\n").expect("an output section");
    AggConfig::from_yaml_str(&format!(
        "{head}\noutput:\n  grid:\n    type: rectilinear\n    crs: EPSG:3031\n    resolution: 5000\n    \
         bounds: [-3200000, -3200000, 3200000, 3200000]\n    chunk_shape: [{chunk}, {chunk}]\n"
    ))
    .unwrap()
}
