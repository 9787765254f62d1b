//! magg-lambda: runs magg shards on AWS Lambda, one invocation per shard.
//!
//! - [`ShardEvent`] (what a worker is asked, its I/O policy included)
//!   and [`magg_run::ShardStatus`] (what it answers);
//! - [`LambdaWorker`]: the orchestrator's [`magg_run::ShardWorker`] that
//!   invokes the function through the Invoke API (one shared client,
//!   RequestResponse, jittered retries, per-invocation timeout, billed
//!   time per shard, an error status record in the store for a shard
//!   whose invocations all failed), so the executor loop of `magg-run`
//!   runs shards on Lambda without knowing it;
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

pub mod cost;
pub mod credentials;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod estimate;
mod event;
mod invoke;
mod job;
mod retry;
pub mod runtime;

pub use cost::{Arch, Prices, US_EAST_1};
pub use credentials::EARTHDATA_LOGIN_HOST;
pub use event::{EventTemplate, ShardEvent};
pub use invoke::{ClientOptions, LambdaWorker, connect};
pub use job::{LambdaJobError, LambdaOptions, run_lambda};
pub use retry::{Failure, RetryPolicy};
