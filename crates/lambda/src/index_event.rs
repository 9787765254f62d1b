//! The index pass's invocation: a batch of granules to index
//! ([`IndexEvent`]) and the worker's answer ([`IndexBatchStatus`]). The
//! worker writes the batch's entries as an index file of their own (a
//! *part*, same format as the whole index) at the location the event
//! names, and answers with counts only: Lambda's response payload is
//! capped at 6 MB, a batch's entries may not be.
//!
//! The worker binary is the same as for shards: the runtime tells the two
//! events apart by the `index_batch` field ([`WorkerEvent::parse`]); a
//! shard event (any, old ones included) has none.

use std::time::Instant;

use magg_agg::AggConfig;
use magg_index::{ChunkIndex, index_each};
use magg_objects::IoPolicy;
use serde::{Deserialize, Serialize};

use crate::credentials::S3Credentials;
use crate::event::ShardEvent;

/// One invocation of the index pass: index these granules, write their
/// entries to `part`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexEvent {
    /// The batch's number in the pass (what tells this event from a
    /// shard event, and names its part).
    pub index_batch: u64,
    /// The granules' URLs (`s3://` in the cloud), distinct file names.
    pub granules: Vec<String>,
    /// The pipeline config whose datasets the entries describe.
    pub config: AggConfig,
    /// HEALPix order of the summaries' cells.
    pub summary_order: u8,
    /// Where the batch's entries go (an index file: gzip when it ends in
    /// `.gz`); written whole by every attempt, so a retried batch replaces
    /// its part rather than adding to it.
    pub part: String,
    /// Non-secret S3 settings for the granules and the part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub store_options: Vec<(String, String)>,
    /// Granules indexed at once in the worker.
    pub granule_concurrency: usize,
    /// Retries and timeouts of the worker's reads and its write.
    #[serde(default)]
    pub io: IoPolicy,
    /// Temporary credentials for reading the granules (not the part).
    /// Never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<S3Credentials>,
}

/// A granule of a batch that could not be indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GranuleError {
    /// The granule's URL.
    pub granule: String,
    /// Why.
    pub error: String,
}

/// The worker's answer to an [`IndexEvent`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexBatchStatus {
    /// The event's batch.
    pub index_batch: u64,
    /// Where its entries were written.
    pub part: String,
    /// Distinct granules asked for.
    pub granules: u64,
    /// Entries written.
    pub entries: u64,
    /// The granules that could not be indexed (not in the part).
    pub errors: Vec<GranuleError>,
    /// Range requests of the batch's reads.
    pub requests: u64,
    /// Rounds: the deepest granule's chain of dependent requests.
    pub rounds: u64,
    /// Bytes those requests returned.
    pub bytes_fetched: u64,
    /// Bytes of the part written.
    pub part_bytes: u64,
    /// Seconds the worker spent on the batch.
    pub seconds: f64,
}

/// What a worker is asked.
#[derive(Debug)]
pub enum WorkerEvent {
    /// Run a shard.
    Shard(Box<ShardEvent>),
    /// Index a batch of granules.
    Index(Box<IndexEvent>),
}

impl WorkerEvent {
    /// An invocation payload: an index event when it has an `index_batch`
    /// field, else a shard event.
    pub fn parse(body: &[u8]) -> Result<WorkerEvent, String> {
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("not a JSON event: {e}"))?;
        if v.get("index_batch").is_some() {
            serde_json::from_value(v)
                .map(|e| WorkerEvent::Index(Box::new(e)))
                .map_err(|e| format!("not an index event: {e}"))
        } else {
            serde_json::from_value(v)
                .map(|e| WorkerEvent::Shard(Box::new(e)))
                .map_err(|e| format!("not a shard event: {e}"))
        }
    }
}

/// Runs an index event (the worker side): every granule of the batch
/// indexed (`magg_index::index_each`, `granule_concurrency` at a time),
/// the entries of those that could be written to the event's part, each
/// other granule named in the answer's errors. `Err` (a function error,
/// which the orchestrator retries) when the config is invalid or the part
/// cannot be written.
pub async fn index_batch(event: &IndexEvent) -> Result<IndexBatchStatus, (&'static str, String)> {
    let t0 = Instant::now();
    event
        .config
        .validate()
        .map_err(|e| ("Magg.InvalidConfig", e.to_string()))?;
    let spec = event.config.index_spec(event.summary_order);
    let mut open = magg_h5::OpenOptions {
        store_options: event.store_options.clone(),
        io: event.io.clone(),
        ..magg_h5::OpenOptions::default()
    };
    if let Some(c) = &event.credentials {
        open.store_options.extend(c.store_options());
    }
    let each = index_each(
        &event.granules,
        &spec,
        &open,
        event.granule_concurrency.max(1),
    )
    .await;
    let granules = each.results.len() as u64;
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (url, r) in each.results {
        match r {
            Ok(e) => entries.push(e),
            Err(e) => errors.push(GranuleError {
                granule: url,
                error: e.to_string(),
            }),
        }
    }
    let part = ChunkIndex::new(event.summary_order, entries);
    let part_bytes = part.to_bytes(&event.part).len() as u64;
    part.write_with(&event.part, &event.store_options, &event.io)
        .await
        .map_err(|e| ("Magg.ChunkIndexPart", e.to_string()))?;
    Ok(IndexBatchStatus {
        index_batch: event.index_batch,
        part: event.part.clone(),
        granules,
        entries: part.len() as u64,
        errors,
        requests: each.io.requests,
        rounds: each.io.rounds,
        bytes_fetched: each.io.bytes_fetched,
        part_bytes,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> IndexEvent {
        IndexEvent {
            index_batch: 3,
            granules: vec!["s3://in/G1.h5".into()],
            config: AggConfig::atl06_default(),
            summary_order: 6,
            part: "s3://out/ix.json.gz.parts/000003.json.gz".into(),
            store_options: vec![],
            granule_concurrency: 4,
            io: IoPolicy::default(),
            credentials: None,
        }
    }

    /// The runtime tells the two events apart; shard events (old ones
    /// too: no `index_batch`) parse as before.
    #[test]
    fn events_are_told_apart_by_their_index_batch() {
        let json = serde_json::to_vec(&event()).unwrap();
        assert!(matches!(
            WorkerEvent::parse(&json).unwrap(),
            WorkerEvent::Index(e) if e.index_batch == 3 && e.granules.len() == 1
        ));
        let shard = crate::EventTemplate {
            config: AggConfig::atl06_default(),
            store: "s3://out/x.zarr".into(),
            store_options: vec![],
            granule_concurrency: 1,
            io: IoPolicy::default(),
            credentials: None,
            index: None,
        }
        .event(&magg_run::Task {
            shard: 7,
            granules: vec![],
            region: magg_agg::ShardRegion::Whole,
        });
        let json = serde_json::to_vec(&shard).unwrap();
        assert!(matches!(
            WorkerEvent::parse(&json).unwrap(),
            WorkerEvent::Shard(e) if e.shard == 7
        ));
        let err = WorkerEvent::parse(br#"{"index_batch": 1}"#).unwrap_err();
        assert!(err.starts_with("not an index event"), "{err}");
        let err = WorkerEvent::parse(br#"{"shard": "x"}"#).unwrap_err();
        assert!(err.starts_with("not a shard event"), "{err}");
        assert!(WorkerEvent::parse(b"[").is_err());
    }

    /// A batch whose granules cannot be read still writes its (empty)
    /// part, and names each granule with its error.
    #[tokio::test]
    async fn unreadable_granules_are_named_and_the_part_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let bad = tmp.path().join("ATL06_bad.h5");
        std::fs::write(&bad, b"not an HDF5 file").unwrap();
        let missing = tmp.path().join("ATL06_missing.h5");
        let part = tmp.path().join("p.json.gz");
        let e = IndexEvent {
            granules: vec![
                bad.to_string_lossy().into_owned(),
                missing.to_string_lossy().into_owned(),
            ],
            part: part.to_string_lossy().into_owned(),
            ..event()
        };
        let s = index_batch(&e).await.unwrap();
        assert_eq!((s.granules, s.entries), (2, 0));
        assert_eq!(s.errors.len(), 2);
        for (err, g) in s.errors.iter().zip(&e.granules) {
            assert_eq!(&err.granule, g);
            assert!(err.error.contains(g.as_str()), "{err:?}");
        }
        let written = ChunkIndex::load(&e.part).await.unwrap();
        assert!(written.is_empty());
        assert_eq!(s.part_bytes, std::fs::metadata(&part).unwrap().len());
    }
}
