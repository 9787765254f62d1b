//! magg-lambda: runs magg shards on AWS Lambda, one invocation per shard.
//!
//! - [`ShardEvent`] (what a worker is asked, its I/O policy included)
//!   and [`magg_run::ShardStatus`] (what it answers);
//! - [`LambdaWorker`]: the orchestrator's [`magg_run::ShardWorker`] that
//!   invokes the function through the Invoke API (one shared client whose
//!   connections are reused, RequestResponse, per-invocation timeout,
//!   billed time per shard, an error status record in the store for a
//!   shard whose invocations all failed), so the executor loop of
//!   `magg-run` runs shards on Lambda without knowing it;
//! - [`Limiter`]: the run's in-flight limit: throttles lower it (AIMD),
//!   accepted invocations raise it, costliest shards first, paced starts,
//!   capped to what the open-file limit can hold ([`FanOut`]); what the
//!   run reached goes in the report ([`magg_run::Concurrency`]);
//!   [`RetryPolicy`]: throttles are retried while the run makes progress,
//!   other failures a bounded number of times;
//! - [`IndexEvent`] / [`IndexBatchStatus`] and [`index_lambda`]: the
//!   chunk index pass on Lambda (`magg chunk-index --executor lambda`):
//!   batches of granules, one invocation each through the same limit and
//!   retries, each batch's entries written as a part beside the index,
//!   the parts merged into one index file;
//! - [`runtime`]: the worker's Runtime API loop (`magg lambda-worker`, the
//!   `bootstrap`);
//! - [`run_lambda`]: a whole run (credentials, client, store, executor,
//!   cost), what `magg run --executor lambda` calls;
//! - [`cost`]: GB-seconds and dollars of a run, and [`estimate`]: the
//!   dry-run projection of a run from measured per-shard figures;
//! - [`credentials`]: Earthdata temporary S3 credentials, fetched once;
//! - `emulator` (feature `emulator`, tests only): a loopback server speaking
//!   the Invoke and Runtime APIs that runs real worker processes, with
//!   fault injection, and a loopback Earthdata login (`s3credentials`
//!   redirect flow).

mod call;
mod client;
pub mod cost;
pub mod credentials;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod estimate;
mod event;
mod index_event;
mod index_job;
mod invoke;
mod job;
mod limit;
mod retry;
pub mod runtime;
mod worker;

pub use client::{ClientOptions, Connections, client, connect, sdk_config};
pub use cost::{Arch, Prices, US_EAST_1};
pub use credentials::EARTHDATA_LOGIN_HOST;
pub use event::{
    ASYNC_PAYLOAD_BYTES, EventSizes, EventTemplate, INLINE_INDEX_BYTES, IndexSource, ShardEvent,
    TaskIndex,
};
pub use index_event::{GranuleError, IndexBatchStatus, IndexEvent, WorkerEvent, index_batch};
pub use index_job::{
    DEFAULT_INDEX_BATCH, IndexJob, IndexRunReport, index_events, index_lambda, part_location,
};
pub use job::{FD_RESERVE, LambdaJobError, LambdaOptions, fit_open_files, run_lambda};
pub use limit::{FanOut, Limiter, Outcome, Permit, RUNNING_AFTER};
pub use retry::{Failure, RetryPolicy};
pub use worker::{DEFAULT_CONCURRENCY, LambdaWorker, STORE_WRITES};
