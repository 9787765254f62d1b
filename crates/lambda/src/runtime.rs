//! The worker side: the Lambda Runtime API loop (`AWS_LAMBDA_RUNTIME_API`)
//! that `magg lambda-worker` and the packaged `bootstrap` run. An event is
//! one shard, processed by the same [`LocalWorker`] as `magg run` (the
//! answer is the shard's record), or a batch of granules of the chunk
//! index pass ([`crate::IndexEvent`]: the answer is the batch's
//! [`crate::IndexBatchStatus`], its entries written beside the index).
//!
//! Hand-written over `reqwest` rather than the `lambda_runtime` crate: the
//! protocol is three HTTP calls (`GET .../invocation/next`, `POST
//! .../{id}/response`, `POST .../{id}/error`), and `lambda_runtime` (tower,
//! its own hyper service stack) costs about 5 minutes more of release
//! build on these 2-core machines (workspace ARCHITECTURE.md measurement)
//! for no behaviour this loop lacks.

use std::sync::Arc;

use magg_agg::ReadOptions;
use magg_index::ChunkIndex;
use magg_objects::IoPolicy;
use magg_run::{LocalWorker, ShardStatus, ShardWorker};
use magg_store::{Location, OutputStore};
use serde_json::json;

use crate::event::{ShardEvent, TaskIndex};
use crate::index_event::{WorkerEvent, index_batch};

/// The Runtime API version path.
const API: &str = "2018-06-01/runtime";

/// Why the loop stopped.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// `AWS_LAMBDA_RUNTIME_API` is not set: not running inside Lambda.
    #[error("AWS_LAMBDA_RUNTIME_API is not set (this runs inside a Lambda sandbox)")]
    NoApi,
    /// The Runtime API could not be reached or answered oddly.
    #[error("runtime API {url}: {reason}")]
    Api {
        /// The URL called.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

/// Processes events from the Runtime API at `AWS_LAMBDA_RUNTIME_API`
/// until the sandbox is shut down.
pub async fn run_from_env() -> Result<(), RuntimeError> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| RuntimeError::NoApi)?;
    run(&api).await
}

/// Processes events from the Runtime API at `api` (`host:port`) forever.
pub async fn run(api: &str) -> Result<(), RuntimeError> {
    let client = reqwest::Client::builder()
        .build()
        .map_err(|e| api_err(api, &e))?;
    let base = format!("http://{api}/{API}");
    let mut handler = Handler::default();
    loop {
        let next = format!("{base}/invocation/next");
        let resp = client
            .get(&next)
            .send()
            .await
            .map_err(|e| api_err(&next, &e))?;
        if !resp.status().is_success() {
            return Err(RuntimeError::Api {
                url: next,
                reason: format!("HTTP {}", resp.status()),
            });
        }
        let id = resp
            .headers()
            .get("Lambda-Runtime-Aws-Request-Id")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RuntimeError::Api {
                url: next.clone(),
                reason: "no Lambda-Runtime-Aws-Request-Id header".into(),
            })?
            .to_string();
        let body = resp.bytes().await.map_err(|e| api_err(&next, &e))?;
        let (path, payload) = match handler.answer(&body).await {
            Ok(answer) => ("response", Ok(answer)),
            Err((kind, message)) => (
                "error",
                serde_json::to_vec(&json!({"errorType": kind, "errorMessage": message})),
            ),
        };
        let url = format!("{base}/invocation/{id}/{path}");
        let payload = payload.map_err(|e| RuntimeError::Api {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        let mut req = client.post(&url).body(payload);
        if path == "error" {
            req = req.header("Lambda-Runtime-Function-Error-Type", "Magg.InvalidEvent");
        }
        let resp = req.send().await.map_err(|e| api_err(&url, &e))?;
        if !resp.status().is_success() {
            return Err(RuntimeError::Api {
                url,
                reason: format!("HTTP {}", resp.status()),
            });
        }
    }
}

fn api_err(url: &str, e: &reqwest::Error) -> RuntimeError {
    RuntimeError::Api {
        url: url.to_string(),
        reason: e.to_string(),
    }
}

/// How the worker reads the event's granules: its concurrency, S3
/// settings, credentials and I/O policy.
fn read_options(event: &ShardEvent) -> ReadOptions {
    let mut read = ReadOptions {
        granule_concurrency: event.granule_concurrency.max(1),
        // One shard per worker, billed for wall time that request latency
        // dominates: every beam of a granule at once (the dense shard at
        // 25 ms per GET: 14.7 s instead of 15.8 s with the default 2;
        // peak RSS 344 MB).
        beam_concurrency: usize::MAX,
        ..ReadOptions::default()
    };
    read.open.store_options.clone_from(&event.store_options);
    if let Some(c) = &event.credentials {
        read.open.store_options.extend(c.store_options());
    }
    read.open.io = event.io.clone();
    read
}

/// Keeps the output store's connection between invocations of a warm
/// sandbox (per store URL and I/O policy). Its root metadata (spec and
/// shard list, which give the shard's chunk) is read again for every
/// event: one small GET, so a store overwritten with another shard map
/// since the last event is never written with a stale mapping.
///
/// An index an event points to (its entries did not fit the event) is
/// kept too, per location, for the next events of the same run.
#[derive(Default)]
struct Handler {
    store: Option<(String, IoPolicy, Arc<OutputStore>)>,
    index: Option<(String, Arc<ChunkIndex>)>,
}

impl Handler {
    /// One event of either kind ([`WorkerEvent::parse`]) → the answer's
    /// JSON: a shard's record, or an index batch's status.
    async fn answer(&mut self, body: &[u8]) -> Result<Vec<u8>, (&'static str, String)> {
        let encode = |r: serde_json::Result<Vec<u8>>| {
            r.map_err(|e| ("Magg.Encode", format!("cannot encode the answer: {e}")))
        };
        match WorkerEvent::parse(body).map_err(|e| ("Magg.InvalidEvent", e))? {
            WorkerEvent::Shard(event) => encode(serde_json::to_vec(&self.shard(&event).await?)),
            WorkerEvent::Index(event) => encode(serde_json::to_vec(&index_batch(&event).await?)),
        }
    }

    /// A shard event → the shard's record (a failed shard is a record
    /// with an error, not a function error); an event that cannot be run
    /// at all → `(errorType, errorMessage)`.
    async fn shard(&mut self, event: &ShardEvent) -> Result<ShardStatus, (&'static str, String)> {
        let store = self.store(event).await?;
        let mut read = read_options(event);
        read.index = self.index(event).await?;
        let mut worker =
            LocalWorker::new(event.config.clone(), store).map_err(|e| ("Magg.InvalidConfig", e))?;
        worker.read = read;
        Ok(worker.run(event.task()).await)
    }

    /// The event's chunk index: its entries (checked), or the whole
    /// index at the location it names (loaded once per location).
    async fn index(
        &mut self,
        event: &ShardEvent,
    ) -> Result<Option<Arc<ChunkIndex>>, (&'static str, String)> {
        match &event.index {
            None => Ok(None),
            Some(carried @ TaskIndex::EntriesGz(_)) => {
                let ix = carried
                    .carried()
                    .unwrap_or_else(|| Err("no entries".into()))
                    .map_err(|e| ("Magg.InvalidEvent", e))?;
                Ok(Some(Arc::new(ix)))
            }
            Some(TaskIndex::At(at)) => {
                if let Some((loaded, ix)) = &self.index
                    && loaded == at
                {
                    return Ok(Some(Arc::clone(ix)));
                }
                let ix = Arc::new(
                    ChunkIndex::load_with(at, &event.store_options, &event.io)
                        .await
                        .map_err(|e| ("Magg.ChunkIndex", e.to_string()))?,
                );
                self.index = Some((at.clone(), Arc::clone(&ix)));
                Ok(Some(ix))
            }
        }
    }

    async fn store(
        &mut self,
        event: &ShardEvent,
    ) -> Result<Arc<OutputStore>, (&'static str, String)> {
        if let Some((url, io, store)) = &self.store
            && *url == event.store
            && *io == event.io
        {
            let store = Arc::new(
                store
                    .reopen()
                    .await
                    .map_err(|e| ("Magg.Store", e.to_string()))?,
            );
            self.store = Some((event.store.clone(), event.io.clone(), Arc::clone(&store)));
            return Ok(store);
        }
        let location =
            Location::parse_with_policy(&event.store, event.store_options.clone(), &event.io)
                .map_err(|e| ("Magg.Store", e.to_string()))?;
        let store = Arc::new(
            OutputStore::open_at(&location)
                .await
                .map_err(|e| ("Magg.Store", e.to_string()))?,
        );
        self.store = Some((event.store.clone(), event.io.clone(), Arc::clone(&store)));
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use magg_agg::AggConfig;

    use super::*;
    use crate::event::EventTemplate;

    fn event(store: &str, store_options: Vec<(String, String)>, io: IoPolicy) -> ShardEvent {
        let template = EventTemplate {
            config: AggConfig::atl06_default(),
            store: store.into(),
            store_options,
            granule_concurrency: 2,
            io,
            credentials: None,
            index: None,
        };
        template.event(&magg_run::Task {
            shard: 7,
            granules: vec![],
            region: magg_agg::ShardRegion::Whole,
        })
    }

    fn quick() -> IoPolicy {
        IoPolicy {
            max_retries: 0,
            request_timeout: Duration::from_millis(300),
            retry_timeout: Duration::from_secs(1),
            ..IoPolicy::default()
        }
    }

    /// A warm sandbox reads the store's shard list again for every event:
    /// after the store is overwritten for another shard map, a shard's
    /// chunk index is the new store's, not the one cached before.
    #[tokio::test]
    async fn a_warm_sandbox_sees_a_store_overwritten_since_the_last_event() {
        use magg_store::{CreateMode, OutputStore};
        let tmp = tempfile::tempdir().unwrap();
        let url = tmp.path().join("s.zarr").to_string_lossy().into_owned();
        let word = |n| magg_morton::encode(6, n).unwrap();
        let spec = |shards: Vec<u64>| {
            magg_run::store_spec(
                &AggConfig::atl06_default(),
                &[],
                &shards,
                serde_json::Map::new(),
            )
            .unwrap()
        };
        OutputStore::create(&url, &spec(vec![word(5)]), CreateMode::New)
            .await
            .unwrap();
        let event = event(&url, vec![], IoPolicy::default());
        let mut handler = Handler::default();
        let first = handler.store(&event).await.unwrap();
        assert_eq!(first.chunks().chunk(word(5)), Some(0));
        OutputStore::create(&url, &spec(vec![word(1), word(5)]), CreateMode::Overwrite)
            .await
            .unwrap();
        let second = handler.store(&event).await.unwrap();
        assert_eq!(second.chunks().chunk(word(5)), Some(1));
    }

    #[test]
    fn granule_reads_follow_the_event_io_policy() {
        let e = event("s3://out/x.zarr", vec![], quick());
        let read = read_options(&e);
        assert_eq!(read.open.io, quick());
        assert_eq!(read.granule_concurrency, 2);
    }

    /// A store endpoint that accepts connections and never answers: under
    /// the default policy (30 s per attempt, 90 s of retries) opening the
    /// store takes minutes; under the event's policy, well under a second.
    #[tokio::test]
    async fn store_requests_follow_the_event_io_policy() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", silent.local_addr().unwrap());
        let options = [
            ("aws_endpoint", endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_region", "us-east-1"),
            ("aws_access_key_id", "test"),
            ("aws_secret_access_key", "test"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        let body = serde_json::to_vec(&event("s3://out/x.zarr", options, quick())).unwrap();
        let start = Instant::now();
        let answer =
            tokio::time::timeout(Duration::from_secs(20), Handler::default().answer(&body))
                .await
                .expect("the event's 300 ms timeout, not the default 30 s, applies");
        let (kind, message) = answer.unwrap_err();
        assert_eq!(kind, "Magg.Store", "{message}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }
}
