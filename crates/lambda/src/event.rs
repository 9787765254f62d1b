//! What travels between the orchestrator and a worker: the invocation event
//! (one shard) and the response (the shard's [`ShardStatus`]).

use std::sync::Arc;

use base64::Engine as _;
use magg_agg::{AggConfig, ShardRegion};
use magg_index::ChunkIndex;
use magg_objects::IoPolicy;
use magg_run::{GranuleSource, Task};
use serde::{Deserialize, Serialize};

use crate::credentials::S3Credentials;

/// One invocation: run one shard into the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardEvent {
    /// The shard's morton word.
    pub shard: u64,
    /// The granules to read, with their URLs (`s3://` in the cloud).
    pub granules: Vec<GranuleSource>,
    /// The region's cells inside the shard ([`Task::region`]): absent
    /// when every observation of the shard counts, else at most a few
    /// hundred words for a boundary shard.
    #[serde(default, skip_serializing_if = "ShardRegion::is_whole")]
    pub region: ShardRegion,
    /// The pipeline config (validated again by the worker).
    pub config: AggConfig,
    /// The output store URL (`s3://bucket/prefix`); its template exists.
    pub store: String,
    /// Non-secret S3 settings for the store and the granules
    /// (`object_store` key names, e.g. `aws_region`, `aws_endpoint`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub store_options: Vec<(String, String)>,
    /// At most this many granules read at once in the worker (default: all).
    #[serde(default = "default_granule_concurrency")]
    pub granule_concurrency: usize,
    /// Retries and timeouts of the worker's granule reads and store writes
    /// (`magg run --io-*`); absent in older events: the default policy.
    #[serde(default)]
    pub io: IoPolicy,
    /// Temporary credentials for reading the granules (Earthdata DAAC
    /// credentials), when the function's own role cannot. Never logged:
    /// its `Debug` is redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<S3Credentials>,
    /// The shard's read plan: the chunk index entries of its granules (the
    /// worker then makes no HDF5 metadata request for them), or where the
    /// whole index lies when they would not fit the event; absent without
    /// an index (and in older events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<TaskIndex>,
}

/// The chunk index a shard event carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskIndex {
    /// The entries of the event's granules that the run's index lists
    /// ([`ChunkIndex::subset`]: each with its checksum, checked by the
    /// worker before use), as the index format stores them gzip-compressed
    /// ([`ChunkIndex::to_bytes`] of a `.gz` name), in standard base64: about
    /// 1 KB per granule of the synthetic cycle instead of 13 KB of JSON.
    EntriesGz(String),
    /// The location (`s3://…` or a path the worker can read) of the whole
    /// index: the entries were over [`IndexSource::inline_bytes`].
    At(String),
}

/// The name the carried entries are parsed under (gzip by its `.gz`).
const CARRIED: &str = "the event's chunk index entries.json.gz";

impl TaskIndex {
    /// The entries of `index` carried in an event.
    pub fn entries(index: &ChunkIndex) -> TaskIndex {
        TaskIndex::EntriesGz(
            base64::engine::general_purpose::STANDARD.encode(index.to_bytes(CARRIED)),
        )
    }

    /// The carried entries, format and version checked; `None` for a
    /// location.
    pub fn carried(&self) -> Option<Result<ChunkIndex, String>> {
        let TaskIndex::EntriesGz(b64) = self else {
            return None;
        };
        Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("chunk index entries: base64: {e}"))
                .and_then(|gz| ChunkIndex::from_bytes(CARRIED, &gz).map_err(|e| e.to_string())),
        )
    }
}

/// Bytes of (base64 gzip) index entries an event carries at most by
/// default; more, and it carries the index's location instead. The synchronous Invoke payload
/// limit is 6 MB (6,291,456 bytes); the config, granule URLs and region
/// cells of an event stay well under 1 MB.
pub const INLINE_INDEX_BYTES: usize = 5_000_000;

/// The run's chunk index, as events carry it.
#[derive(Debug, Clone)]
pub struct IndexSource {
    /// The whole index.
    pub index: Arc<ChunkIndex>,
    /// Where it was loaded from (what a pointer event carries).
    pub location: String,
    /// Entries of more bytes than this (base64 of gzip) travel as the
    /// location ([`INLINE_INDEX_BYTES`] by default).
    pub inline_bytes: usize,
}

impl IndexSource {
    /// `index`, loaded from `location`, inlined up to [`INLINE_INDEX_BYTES`].
    pub fn new(index: Arc<ChunkIndex>, location: impl Into<String>) -> IndexSource {
        IndexSource {
            index,
            location: location.into(),
            inline_bytes: INLINE_INDEX_BYTES,
        }
    }

    /// What an event for `task` carries: the entries of its granules when
    /// they fit, else the location; nothing when the index lists none of
    /// them.
    pub fn for_task(&self, task: &Task) -> Option<TaskIndex> {
        let sub = self
            .index
            .subset(task.granules.iter().map(|g| g.url.as_str()));
        if sub.is_empty() {
            return None;
        }
        let carried = TaskIndex::entries(&sub);
        Some(match &carried {
            TaskIndex::EntriesGz(b64) if b64.len() <= self.inline_bytes => carried,
            _ => TaskIndex::At(self.location.clone()),
        })
    }
}

fn default_granule_concurrency() -> usize {
    magg_agg::DEFAULT_GRANULE_CONCURRENCY
}

impl ShardEvent {
    /// The task this event carries.
    pub fn task(&self) -> Task {
        Task {
            shard: self.shard,
            granules: self.granules.clone(),
            region: self.region.clone(),
        }
    }
}

/// What every event of a run shares; [`Self::event`] adds the shard.
#[derive(Debug, Clone)]
pub struct EventTemplate {
    /// The pipeline config.
    pub config: AggConfig,
    /// The output store URL.
    pub store: String,
    /// Non-secret S3 settings.
    pub store_options: Vec<(String, String)>,
    /// Granules read concurrently per worker.
    pub granule_concurrency: usize,
    /// Retries and timeouts of the workers' reads and writes.
    pub io: IoPolicy,
    /// Credentials for the granules, if any.
    pub credentials: Option<S3Credentials>,
    /// The run's chunk index, if any: each event carries its granules'
    /// entries ([`IndexSource::for_task`]).
    pub index: Option<IndexSource>,
}

impl EventTemplate {
    /// The event for `task`.
    pub fn event(&self, task: &Task) -> ShardEvent {
        ShardEvent {
            shard: task.shard,
            granules: task.granules.clone(),
            region: task.region.clone(),
            config: self.config.clone(),
            store: self.store.clone(),
            store_options: self.store_options.clone(),
            granule_concurrency: self.granule_concurrency,
            io: self.io.clone(),
            credentials: self.credentials.clone(),
            index: self.index.as_ref().and_then(|ix| ix.for_task(task)),
        }
    }
}

/// The sizes of a run's events (compact JSON bytes, as invoked): what
/// `magg run --executor lambda --dry-run` prints, to check them against
/// Lambda's payload limits (6 MB synchronous, 256 KB asynchronous).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSizes {
    /// Events.
    pub events: usize,
    /// Largest event.
    pub max: usize,
    /// 99th percentile (nearest rank).
    pub p99: usize,
    /// Median (nearest rank).
    pub median: usize,
    /// Events carrying their granules' index entries.
    pub inline: usize,
    /// Events carrying the index location instead.
    pub pointer: usize,
    /// Events within the asynchronous Invoke limit ([`ASYNC_PAYLOAD_BYTES`]).
    pub within_async: usize,
}

/// The asynchronous Invoke payload limit, bytes (256 KB).
pub const ASYNC_PAYLOAD_BYTES: usize = 262_144;

impl EventSizes {
    /// The sizes of the events of `tasks` under `template`.
    pub fn of(template: &EventTemplate, tasks: &[Task]) -> EventSizes {
        let (mut inline, mut pointer) = (0, 0);
        let mut sizes = Vec::with_capacity(tasks.len());
        for t in tasks {
            let e = template.event(t);
            match &e.index {
                Some(TaskIndex::EntriesGz(_)) => inline += 1,
                Some(TaskIndex::At(_)) => pointer += 1,
                None => {}
            }
            sizes.push(serde_json::to_vec(&e).map_or(usize::MAX, |j| j.len()));
        }
        EventSizes {
            inline,
            pointer,
            ..EventSizes::from_sizes(sizes)
        }
    }

    /// The statistics of events of `sizes` bytes (any kind: index events
    /// too; none carries index entries).
    pub fn from_sizes(mut sizes: Vec<usize>) -> EventSizes {
        let mut out = EventSizes::default();
        sizes.sort_unstable();
        out.within_async = sizes.iter().filter(|&&n| n <= ASYNC_PAYLOAD_BYTES).count();
        let rank = |q: f64| {
            // Nearest rank: the smallest size with at least q of the events at or under it.
            let k = ((q * sizes.len() as f64).ceil() as usize).clamp(1, sizes.len());
            sizes[k - 1]
        };
        if !sizes.is_empty() {
            out.events = sizes.len();
            out.max = sizes[sizes.len() - 1];
            out.p99 = rank(0.99);
            out.median = rank(0.5);
        }
        out
    }
}

impl std::fmt::Display for EventSizes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "events: {}, bytes median {}, p99 {}, max {} (Invoke limits: 6,291,456 synchronous, 262,144 asynchronous: {} within); {} carry their granules' chunk index entries, {} the index location",
            self.events,
            self.median,
            self.p99,
            self.max,
            self.within_async,
            self.inline,
            self.pointer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn event_round_trips_as_json() {
        let t = EventTemplate {
            config: AggConfig::atl06_default(),
            store: "s3://out/x.zarr".into(),
            store_options: vec![("aws_region".into(), "us-west-2".into())],
            granule_concurrency: 3,
            io: IoPolicy {
                max_retries: 2,
                request_timeout: Duration::from_millis(1500),
                retry_timeout: Duration::from_secs(7),
                ..IoPolicy::default()
            },
            credentials: None,
            index: None,
        };
        let task = Task {
            shard: 7,
            granules: vec![GranuleSource {
                id: "g".into(),
                url: "s3://in/g.h5".into(),
                window: 0,
            }],
            region: ShardRegion::Cells(vec![magg_morton::encode(12, 5).unwrap()]),
        };
        let json = serde_json::to_string(&t.event(&task)).unwrap();
        let back: ShardEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back.task(), task);
        assert_eq!(back.config, t.config);
        assert_eq!(back.granule_concurrency, 3);
        assert_eq!(back.io, t.io);
        assert!(!json.contains("credentials"));
        assert!(json.contains("\"region\":["), "{json}");
    }

    #[test]
    fn an_event_without_io_policy_gets_the_default() {
        let t = EventTemplate {
            config: AggConfig::atl06_default(),
            store: "s3://out/x.zarr".into(),
            store_options: vec![],
            granule_concurrency: 1,
            io: IoPolicy {
                max_retries: 0,
                ..IoPolicy::default()
            },
            credentials: None,
            index: None,
        };
        let task = Task {
            shard: 7,
            granules: vec![],
            region: ShardRegion::Whole,
        };
        let mut v = serde_json::to_value(t.event(&task)).unwrap();
        assert_eq!(v["io"]["max_retries"], 0);
        assert_eq!(v["io"]["request_timeout"]["secs"], 30);
        v.as_object_mut().unwrap().remove("io");
        let old: ShardEvent = serde_json::from_value(v).unwrap();
        assert_eq!(old.io, IoPolicy::default());
        // A whole shard travels without a region (so do older events).
        assert!(old.region.is_whole());
        assert!(!serde_json::to_string(&old).unwrap().contains("region"));
    }

    /// An entry of a granule with no beam and no dataset, as the index
    /// file stores it (its checksum computed by `Entry::new`).
    fn entry(url: &str) -> magg_index::Entry {
        let granule = serde_json::from_value(serde_json::json!({
            "file": {"identity": {"size": 100}, "superblock": 0, "offset_size": 8,
                     "length_size": 8, "base": 0, "root": 96},
            "groups": ["gt1l"], "beams": [], "datasets": []
        }))
        .unwrap();
        magg_index::Entry::new(url, granule)
    }

    /// An event carries its granules' entries while they fit, else the
    /// index's location; a shard whose granules the index does not list
    /// carries neither. The worker gets back what was sent.
    #[test]
    fn events_carry_their_entries_or_the_location() {
        let index = Arc::new(ChunkIndex::new(
            6,
            vec![entry("/d/G1.h5"), entry("/d/G2.h5"), entry("/d/G3.h5")],
        ));
        let task = |names: &[&str]| Task {
            shard: 7,
            granules: names
                .iter()
                .map(|n| GranuleSource {
                    id: (*n).into(),
                    url: format!("s3://in/{n}"),
                    window: 0,
                })
                .collect(),
            region: ShardRegion::Whole,
        };
        let mut t = EventTemplate {
            config: AggConfig::atl06_default(),
            store: "s3://out/x.zarr".into(),
            store_options: vec![],
            granule_concurrency: 1,
            io: IoPolicy::default(),
            credentials: None,
            index: Some(IndexSource::new(Arc::clone(&index), "s3://ix/a.json.gz")),
        };
        let two = task(&["G1.h5", "G3.h5"]);
        let json = serde_json::to_vec(&t.event(&two)).unwrap();
        let back: ShardEvent = serde_json::from_slice(&json).unwrap();
        let ix = back.index.as_ref().unwrap().carried().unwrap().unwrap();
        assert_eq!(ix.len(), 2);
        assert!(ix.granule("G3.h5").unwrap().is_ok());
        assert!(ix.granule("G2.h5").is_none());
        assert!(t.event(&task(&["G9.h5"])).index.is_none());
        let sizes = EventSizes::of(&t, &[two.clone(), task(&["G9.h5"])]);
        assert_eq!((sizes.events, sizes.inline, sizes.pointer), (2, 1, 0));
        assert_eq!(sizes.within_async, 2);
        assert_eq!(sizes.max, json.len());
        // Over the budget: the location.
        t.index.as_mut().unwrap().inline_bytes = 10;
        assert!(matches!(
            t.event(&two).index,
            Some(TaskIndex::At(ref at)) if at == "s3://ix/a.json.gz"
        ));
        let sizes = EventSizes::of(&t, &[two]);
        assert_eq!((sizes.inline, sizes.pointer), (0, 1));
        // Damaged entries are refused, not read as an empty index.
        assert!(
            TaskIndex::EntriesGz("@@".into())
                .carried()
                .unwrap()
                .is_err()
        );
        let gz = base64::engine::general_purpose::STANDARD.encode(b"not gzip");
        assert!(TaskIndex::EntriesGz(gz).carried().unwrap().is_err());
        assert!(TaskIndex::At("x".into()).carried().is_none());
    }
}
