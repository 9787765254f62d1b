//! magg-run: runs shards and reports on them.
//!
//! - [`plan`]: one [`Task`] per shard of a shard map, costliest first (the
//!   longest shards bound a parallel run's wall time), optionally one shard
//!   or the first K;
//! - [`execute`]: a bounded pool of shards, each processed by a
//!   [`ShardWorker`] — in-process ([`LocalWorker`]) or remote (a Lambda
//!   invocation per shard, a later executor); panics and errors become that
//!   shard's record (a panic's record is also kept in the store through
//!   [`ShardWorker::crashed`], so `--retry-failed` finds it), the other
//!   shards finish; a stop flag (SIGINT) lets
//!   in-flight shards finish and lists the rest;
//! - [`StoreMode`]: new store, overwrite, resume (skip the complete
//!   shards) or retry the failed ones: one value in [`JobOptions`], so
//!   conflicting modes cannot be asked for;
//! - [`Progress`]: a bar with ETA on a terminal, plain lines otherwise;
//! - [`RunReport`]: per-shard records (the store's [`ShardStatus`]), totals,
//!   a printed summary and the results JSON;
//! - [`verify`]: the conservation check of a finished store (`count`
//!   arrays against status records);
//! - [`ResultsPlace`]: where the results JSON goes (beside the store, and
//!   a local copy named after an `s3://` store);
//! - [`Concurrency`]: what a remote fan-out reached, in the report;
//!   [`raise_open_file_limit`]: the soft open-file limit up to the hard
//!   one, at start.

mod concurrency;
mod execute;
mod job;
mod mode;
mod nofile;
mod progress;
mod region;
mod report;
mod results;
mod spec;
mod task;
mod verify;
mod worker;

pub use concurrency::Concurrency;
pub use execute::{Admission, ExecOptions, ShardWorker, execute};
pub use job::{
    JobError, JobOptions, check_orders, planned, run_local, run_with, tasks_from_map, time_windows,
};
pub use magg_store::ShardStatus;
pub use mode::StoreMode;
pub use nofile::{OpenFiles, open_file_count, raise_open_file_limit};
pub use progress::{Progress, human};
pub use region::{check_rule, config_rule};
pub use report::{Cost, RESULTS_VERSION, RunReport, Totals, process_cpu_seconds};
pub use results::ResultsPlace;
pub use spec::{store_spec, store_trend, with_windows};
pub use task::{GranuleSource, Selection, Task, plan};
pub use verify::{Problem, VerifyReport, verify};
pub use worker::{LocalWorker, write_grid};
