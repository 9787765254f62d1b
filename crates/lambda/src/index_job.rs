//! The chunk index pass on Lambda (`magg chunk-index --executor lambda`):
//! the granules (distinct file names) in batches, one invocation per batch
//! ([`IndexEvent`]) through the same in-flight limit, throttle handling and
//! retries as shard runs; each batch's entries written by its worker as a
//! part beside the index ([`part_location`]); the parts then merged, in
//! input order, into the one index file that `magg run --chunk-index`
//! reads, the same file the local pass (`magg_index::index_granules`)
//! writes for the same granules; the parts deleted.
//!
//! A retried batch writes its whole part again at the same location, so
//! retries never add entries twice; the merge also refuses a part holding
//! a granule not of its batch.

use std::collections::HashSet;
use std::time::Instant;

use futures::StreamExt;
use magg_agg::AggConfig;
use magg_index::{ChunkIndex, granule_id};
use magg_objects::IoPolicy;
use magg_run::{Concurrency, Cost};

use crate::call::{Caller, Tally};
use crate::client::{client, sdk_config};
use crate::cost::US_EAST_1;
use crate::credentials::S3Credentials;
use crate::index_event::{GranuleError, IndexBatchStatus, IndexEvent};
use crate::job::{LambdaJobError, LambdaOptions, earthdata, fan_out};
use crate::limit::Limiter;
use crate::retry::Failure;

/// Granules per invocation by default.
pub const DEFAULT_INDEX_BATCH: usize = 8;

/// Parts loaded (or deleted) at once by the merge.
const PART_IO: usize = 32;

/// What to index, where, how.
#[derive(Debug, Clone)]
pub struct IndexJob {
    /// The pipeline config whose datasets the entries describe.
    pub config: AggConfig,
    /// HEALPix order of the summaries' cells.
    pub summary_order: u8,
    /// Where the merged index goes (an `s3://` URL the function can write
    /// beside: the parts go to `<at>.parts/`).
    pub at: String,
    /// Granules per invocation.
    pub batch: usize,
    /// Granules indexed at once in each worker.
    pub granule_concurrency: usize,
    /// Invocations at once asked for.
    pub concurrency: usize,
    /// Non-secret S3 settings for the granules, the parts and the index.
    pub store_options: Vec<(String, String)>,
    /// Retries and timeouts of the workers' and the merge's object I/O.
    pub io: IoPolicy,
}

/// Where batch `batch`'s entries go: `<at>.parts/<batch, 6 digits>.json.gz`.
pub fn part_location(at: &str, batch: u64) -> String {
    format!("{at}.parts/{batch:06}.json.gz")
}

/// The events of the pass over `urls`: the distinct granules (by file
/// name, first URL kept, input order) in batches of `job.batch`.
pub fn index_events(
    urls: &[String],
    job: &IndexJob,
    credentials: Option<&S3Credentials>,
) -> Vec<IndexEvent> {
    let mut seen = HashSet::new();
    let unique: Vec<String> = urls
        .iter()
        .filter(|u| seen.insert(granule_id(u)))
        .cloned()
        .collect();
    unique
        .chunks(job.batch.max(1))
        .enumerate()
        .map(|(i, granules)| IndexEvent {
            index_batch: i as u64,
            granules: granules.to_vec(),
            config: job.config.clone(),
            summary_order: job.summary_order,
            part: part_location(&job.at, i as u64),
            store_options: job.store_options.clone(),
            granule_concurrency: job.granule_concurrency.max(1),
            io: job.io.clone(),
            credentials: credentials.cloned(),
        })
        .collect()
}

/// What the pass did.
#[derive(Debug, Clone, Default)]
pub struct IndexRunReport {
    /// Invocations asked (batches).
    pub batches: usize,
    /// Distinct granules.
    pub granules: u64,
    /// Entries in the merged index.
    pub entries: u64,
    /// Granules left out, with why: those that could not be indexed, and
    /// every granule of a batch whose invocations all failed.
    pub errors: Vec<GranuleError>,
    /// Batches whose invocations all failed: (batch, why).
    pub failed_batches: Vec<(u64, String)>,
    /// Range requests of the workers' reads.
    pub requests: u64,
    /// Rounds of the deepest batch (each granule's chain of dependent
    /// requests; batches do not depend on each other).
    pub rounds: u64,
    /// Bytes the workers fetched.
    pub bytes_fetched: u64,
    /// Bytes of the parts the workers wrote.
    pub part_bytes: u64,
    /// Seconds the workers spent, summed.
    pub worker_seconds: f64,
    /// Retried attempts (function errors, 5xx, timeouts), with why.
    pub retries: Vec<String>,
    /// Wall seconds of the fan-out and merge.
    pub wall_seconds: f64,
    /// The bill.
    pub cost: Cost,
    /// What the fan-out reached.
    pub concurrency: Concurrency,
}

impl IndexRunReport {
    /// One line: granules, entries, requests, rounds, bytes, cost.
    pub fn summary(&self) -> String {
        format!(
            "chunk index on Lambda: {} of {} granules in {} batches ({} invocations, {} throttled, {} retried), {:.1} s wall: {} requests, {} rounds (deepest batch), {:.1} MB fetched, {:.1} MB of parts; {:.1} GB-s at {} MB {}, ${:.6} compute + ${:.6} requests = ${:.6}",
            self.entries,
            self.granules,
            self.batches,
            self.cost.invocations,
            self.concurrency.throttles,
            self.retries.len(),
            self.wall_seconds,
            self.requests,
            self.rounds,
            self.bytes_fetched as f64 / 1e6,
            self.part_bytes as f64 / 1e6,
            self.cost.gb_seconds,
            self.cost.memory_mb,
            self.cost.architecture,
            self.cost.compute_usd,
            self.cost.requests_usd,
            self.cost.total_usd,
        )
    }
}

/// The index pass of `urls` on Lambda: every batch invoked until done
/// (throttles retried while the pass progresses, other failures
/// `lambda.retry.max_attempts` times), the parts merged into one index
/// written at `job.at` (returned too), the parts deleted. A granule that
/// could not be indexed, or whose batch failed, is left out and named in
/// the report's errors. `Err` when credentials cannot be had, a part
/// cannot be read or is not its batch's, or the index cannot be written.
pub async fn index_lambda(
    urls: &[String],
    job: &IndexJob,
    lambda: &LambdaOptions,
) -> Result<(ChunkIndex, IndexRunReport), LambdaJobError> {
    let t0 = Instant::now();
    let files = magg_run::raise_open_file_limit().ok();
    let credentials = earthdata(lambda).await?;
    let events = index_events(urls, job, credentials.as_ref());
    let sdk = sdk_config(&lambda.client).await;
    let fan = fan_out(job.concurrency, lambda.starts_per_second, files);
    let (client, connections) = client(&sdk, Some(fan.max_in_flight));
    let in_flight = fan.max_in_flight;
    let limiter = Limiter::new(fan);
    let caller = Caller {
        client: &client,
        function: &lambda.function,
        limiter: &limiter,
        retry: &lambda.retry,
    };
    let caller = &caller;
    let mut done: Vec<(usize, Result<IndexBatchStatus, String>, Tally)> =
        futures::stream::iter(events.iter().enumerate().map(|(i, e)| async move {
            let (r, t) = match serde_json::to_vec(e) {
                Ok(payload) => {
                    caller
                        .call(e.granules.len(), &payload, None, |body| {
                            batch_status(e.index_batch, body)
                        })
                        .await
                }
                Err(e) => (
                    Err(format!("cannot encode the event: {e}")),
                    Tally::default(),
                ),
            };
            (i, r, t)
        }))
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    done.sort_by_key(|(i, _, _)| *i);

    let mut report = IndexRunReport {
        batches: events.len(),
        granules: events.iter().map(|e| e.granules.len() as u64).sum(),
        ..IndexRunReport::default()
    };
    let (mut invocations, mut billed_ms) = (0, 0);
    let mut ok = Vec::new();
    for ((_, result, tally), event) in done.into_iter().zip(&events) {
        invocations += tally.invocations;
        billed_ms += tally.billed_ms;
        report.retries.extend(
            tally
                .retries
                .into_iter()
                .map(|r| format!("batch {}: {r}", event.index_batch)),
        );
        match result {
            Ok(s) => {
                report.requests += s.requests;
                report.rounds = report.rounds.max(s.rounds);
                report.bytes_fetched += s.bytes_fetched;
                report.part_bytes += s.part_bytes;
                report.worker_seconds += s.seconds;
                report.errors.extend(s.errors.iter().cloned());
                ok.push((event, s));
            }
            Err(why) => {
                report
                    .errors
                    .extend(event.granules.iter().map(|g| GranuleError {
                        granule: g.clone(),
                        error: format!("batch {} failed: {why}", event.index_batch),
                    }));
                report.failed_batches.push((event.index_batch, why));
            }
        }
    }
    let index = merge_parts(&ok, job).await?;
    index
        .write_with(&job.at, &job.store_options, &job.io)
        .await
        .map_err(|e| LambdaJobError::IndexPass(e.to_string()))?;
    let answered: HashSet<u64> = ok.iter().map(|(e, _)| e.index_batch).collect();
    remove_parts(&events, &answered, job).await;
    report.entries = index.len() as u64;
    report.cost = US_EAST_1.bill(invocations, billed_ms, lambda.memory_mb, lambda.arch);
    report.concurrency = limiter.report();
    report.concurrency.connections = Some(connections.opened());
    report.wall_seconds = t0.elapsed().as_secs_f64();
    Ok((index, report))
}

/// The function's answer for batch `batch`.
fn batch_status(batch: u64, body: &[u8]) -> Result<IndexBatchStatus, Failure> {
    match serde_json::from_slice::<IndexBatchStatus>(body) {
        Ok(s) if s.index_batch == batch => Ok(s),
        Ok(s) => Err(Failure::Fatal(format!(
            "the function answered for index batch {} instead",
            s.index_batch
        ))),
        Err(e) => Err(Failure::Fatal(format!(
            "the function's answer is not an index batch status: {e}"
        ))),
    }
}

/// The entries of the batches that answered, in batch order (each part's
/// in its batch's order): each part loaded, checked to hold only its own
/// batch's granules, as many as its worker said.
async fn merge_parts(
    ok: &[(&IndexEvent, IndexBatchStatus)],
    job: &IndexJob,
) -> Result<ChunkIndex, LambdaJobError> {
    let loaded: Vec<Result<ChunkIndex, String>> =
        futures::stream::iter(ok.iter().map(|(event, status)| async move {
            let part = ChunkIndex::load_with(&event.part, &job.store_options, &job.io)
                .await
                .map_err(|e| e.to_string())?;
            let mine: HashSet<&str> = event.granules.iter().map(|g| granule_id(g)).collect();
            if let Some(e) = part.granules.iter().find(|e| !mine.contains(e.id.as_str())) {
                return Err(format!(
                    "part {}: entry of {}, not a granule of batch {}",
                    event.part, e.id, event.index_batch
                ));
            }
            if part.len() as u64 != status.entries || part.summary_order != job.summary_order {
                return Err(format!(
                    "part {}: {} entries at summary order {}, the worker wrote {} at {}",
                    event.part,
                    part.len(),
                    part.summary_order,
                    status.entries,
                    job.summary_order
                ));
            }
            Ok(part)
        }))
        .buffered(PART_IO)
        .collect()
        .await;
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    for part in loaded {
        for e in part.map_err(LambdaJobError::IndexPass)?.granules {
            if !seen.insert(e.id.clone()) {
                return Err(LambdaJobError::IndexPass(format!(
                    "the parts hold {} twice",
                    e.id
                )));
            }
            entries.push(e);
        }
    }
    Ok(ChunkIndex::new(job.summary_order, entries))
}

/// Deletes the parts (best effort: a part of an answered batch left
/// behind is said, not an error; a failed batch's may not exist).
async fn remove_parts(events: &[IndexEvent], answered: &HashSet<u64>, job: &IndexJob) {
    let results: Vec<Result<(), magg_index::IndexError>> =
        futures::stream::iter(events.iter().map(|e| async move {
            let r = ChunkIndex::delete_with(&e.part, &job.store_options, &job.io).await;
            if answered.contains(&e.index_batch) {
                r
            } else {
                Ok(())
            }
        }))
        .buffer_unordered(PART_IO)
        .collect()
        .await;
    // A local index's parts folder, now empty (object stores have none).
    if !job.at.contains("://") {
        let _ = std::fs::remove_dir(format!("{}.parts", job.at));
    }
    let left = results.iter().filter(|r| r.is_err()).count();
    if left > 0 {
        eprintln!(
            "chunk index: {left} part(s) under {}.parts/ not deleted",
            job.at
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granules_are_batched_once_each_with_their_parts() {
        let job = IndexJob {
            config: AggConfig::atl06_default(),
            summary_order: 6,
            at: "s3://b/ix.chunks.json.gz".into(),
            batch: 2,
            granule_concurrency: 4,
            concurrency: 10,
            store_options: vec![],
            io: IoPolicy::default(),
        };
        let urls: Vec<String> = [
            "s3://a/G1.h5",
            "s3://a/G2.h5",
            "s3://c/G1.h5",
            "s3://a/G3.h5",
        ]
        .map(String::from)
        .to_vec();
        let ev = index_events(&urls, &job, None);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].granules, ["s3://a/G1.h5", "s3://a/G2.h5"]);
        assert_eq!(ev[1].granules, ["s3://a/G3.h5"]);
        assert_eq!(ev[1].part, "s3://b/ix.chunks.json.gz.parts/000001.json.gz");
        assert!(batch_status(1, br#"{"index_batch": 2}"#).is_err());
        assert!(batch_status(1, b"{}").is_err());
    }
}
