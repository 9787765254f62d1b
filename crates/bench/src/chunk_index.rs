//! `--chunk-index`: the index pass over a shard's granules (as `magg
//! catalog` builds it), timed and counted, so the shard passes can read
//! from it.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use magg_agg::AggConfig;
use magg_h5::{Counters, IoStats, OpenOptions};
use magg_index::{ChunkIndex, DEFAULT_SUMMARY_ORDER, index_granule};

use crate::BenchError;

/// Granules indexed at once.
const INDEX_CONCURRENCY: usize = 16;

/// What the index pass took.
#[derive(Debug, Clone)]
pub struct IndexPass {
    /// Granules indexed.
    pub granules: usize,
    /// Wall seconds.
    pub seconds: f64,
    /// Requests, bytes and rounds (over all granules).
    pub io: Counters,
    /// Bytes of the index, gzip-compressed.
    pub stored_bytes: usize,
    /// Bytes of its JSON.
    pub json_bytes: usize,
}

/// Builds the chunk index of `granules` for `config`, `INDEX_CONCURRENCY`
/// granules at a time.
pub async fn build(
    granules: &[String],
    config: &AggConfig,
    open: &OpenOptions,
) -> Result<(ChunkIndex, IndexPass), BenchError> {
    let spec = config.index_spec(DEFAULT_SUMMARY_ORDER);
    let stats = IoStats::new();
    let mut open = open.clone();
    open.stats = Some(Arc::clone(&stats));
    let t0 = Instant::now();
    let (spec, open) = (&spec, &open);
    let built: Vec<_> = futures::stream::iter(granules.iter().cloned())
        .map(|g| async move { index_granule(&g, spec, open).await })
        .buffered(INDEX_CONCURRENCY)
        .collect()
        .await;
    let seconds = t0.elapsed().as_secs_f64();
    let mut entries = Vec::with_capacity(built.len());
    for b in built {
        entries.push(b.map_err(|e| BenchError::step("chunk index", e))?.entry);
    }
    let ix = ChunkIndex::new(DEFAULT_SUMMARY_ORDER, entries);
    let pass = IndexPass {
        granules: granules.len(),
        seconds,
        io: stats.snapshot(),
        stored_bytes: ix.to_bytes("index.json.gz").len(),
        json_bytes: ix.to_bytes("index.json").len(),
    };
    Ok((ix, pass))
}

/// One line about the pass.
pub fn render(p: &IndexPass) -> String {
    format!(
        "chunk index pass: {} granules in {:.2} s: {} requests, {} rounds, {:.1} MB fetched; index {:.0} KB JSON, {:.0} KB gzip\n",
        p.granules,
        p.seconds,
        p.io.requests,
        p.io.rounds,
        p.io.bytes_fetched as f64 / 1e6,
        p.json_bytes as f64 / 1e3,
        p.stored_bytes as f64 / 1e3,
    )
}
