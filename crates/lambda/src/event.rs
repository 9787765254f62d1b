//! What travels between the orchestrator and a worker: the invocation event
//! (one shard) and the response (the shard's [`ShardStatus`]).

use magg_agg::{AggConfig, ShardRegion};
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
        }
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
}
