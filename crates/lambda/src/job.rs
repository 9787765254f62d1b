//! A whole Lambda run, as `magg run --executor lambda` does it: the
//! open-file limit raised → credentials (if asked) → one shared client →
//! store template → the in-flight limit, fitted to the open-file limit →
//! the executor loop of `magg-run` with a [`LambdaWorker`] → the report
//! with its cost and the concurrency reached.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use magg_agg::AggConfig;
use magg_catalog::ShardMap;
use magg_run::{JobError, JobOptions, OpenFiles, RunReport};

use crate::client::{ClientOptions, client, sdk_config};
use crate::cost::{Arch, US_EAST_1};
use crate::credentials::{self, Login};
use crate::event::{EventTemplate, IndexSource};
use crate::limit::{FanOut, Limiter};
use crate::retry::RetryPolicy;
use crate::worker::{LambdaWorker, STORE_WRITES};

/// File descriptors kept free besides the invocations' connections and
/// the store writes: DNS lookups, TLS roots, the results file, the
/// runtime's own.
pub const FD_RESERVE: u64 = 64;

/// How to run on Lambda.
#[derive(Debug, Clone)]
pub struct LambdaOptions {
    /// Function name or ARN.
    pub function: String,
    /// Region, endpoint, credentials of the client.
    pub client: ClientOptions,
    /// The function's memory size, MB (for the cost report).
    pub memory_mb: u32,
    /// The function's architecture (for the cost report).
    pub arch: Arch,
    /// Retries, throttle budget and per-invocation timeout.
    pub retry: RetryPolicy,
    /// New invocations started per second at most.
    pub starts_per_second: f64,
    /// A DAAC `s3credentials` endpoint: fetch temporary credentials once
    /// and hand them to the workers for reading granules.
    pub earthdata_credentials: Option<String>,
    /// The Earthdata login host whose login (environment or `~/.netrc`)
    /// answers the endpoint's redirect ([`crate::EARTHDATA_LOGIN_HOST`]; the UAT
    /// host for UAT).
    pub earthdata_login_host: String,
    /// Where the run's chunk index (`JobOptions::chunk_index`) was loaded
    /// from: an event whose granules' entries are too large to carry
    /// points the worker there (so it should be an `s3://` URL the
    /// function can read).
    pub chunk_index_at: Option<String>,
}

/// Why a Lambda run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LambdaJobError {
    /// Input, store or plan problems.
    #[error(transparent)]
    Job(#[from] JobError),
    /// Credentials could not be had or expire too soon.
    #[error(transparent)]
    Credentials(#[from] credentials::CredentialsError),
    /// The index pass's parts could not be merged, or the index written.
    #[error("chunk index pass: {0}")]
    IndexPass(String),
}

/// The invocations in flight the open-file limit `soft` leaves room for,
/// when fewer than `fan.max_in_flight`: each holds a connection (a file
/// descriptor), besides the `open_now` files already open, the store
/// writes ([`STORE_WRITES`]) and a reserve ([`FD_RESERVE`]).
pub fn fit_open_files(fan: &FanOut, soft: u64, open_now: u64) -> Option<usize> {
    let room = soft.saturating_sub(open_now + FD_RESERVE + STORE_WRITES as u64);
    let room = usize::try_from(room).unwrap_or(usize::MAX).max(1);
    (room < fan.max_in_flight).then_some(room)
}

/// The in-flight limit of a run asking for `requested` invocations at once,
/// fitted to the open-file limit as the files open now leave it; says so
/// once (stderr) when it runs fewer than asked.
pub(crate) fn fan_out(
    requested: usize,
    starts_per_second: f64,
    files: Option<OpenFiles>,
) -> FanOut {
    let mut fan = FanOut::new(requested);
    fan.starts_per_second = starts_per_second;
    let Some(files) = files else {
        return fan;
    };
    fan.open_files = Some(files.soft);
    let open_now = magg_run::open_file_count().unwrap_or(FD_RESERVE);
    if let Some(room) = fit_open_files(&fan, files.soft, open_now) {
        eprintln!(
            "magg: the open-file limit ({} soft, {} hard) leaves room for {room} invocations in flight, not the {requested} asked; running {room} at most (raise the hard limit, e.g. `ulimit -Hn`, for more)",
            files.soft, files.hard
        );
        fan.max_in_flight = room;
    }
    fan
}

/// The Earthdata credentials `lambda` asks for, fetched once (and checked
/// to last at least 10 more minutes), if any.
pub(crate) async fn earthdata(
    lambda: &LambdaOptions,
) -> Result<Option<credentials::S3Credentials>, credentials::CredentialsError> {
    let Some(endpoint) = &lambda.earthdata_credentials else {
        return Ok(None);
    };
    let login = Login::from_env(&lambda.earthdata_login_host)?;
    let c = credentials::fetch(endpoint, &login).await?;
    // DAAC credentials last one hour: refuse a nearly expired set.
    c.check_valid_for(Duration::from_mins(10))?;
    Ok(Some(c))
}

/// Runs every selected shard of `map` as one Lambda invocation each, at
/// most `opts.workers` at once (fewer if the open-file limit or the
/// account's concurrency allows fewer), into `opts.store` (an `s3://` URL
/// the function can write).
pub async fn run_lambda(
    map: &ShardMap,
    config: AggConfig,
    opts: &JobOptions,
    lambda: &LambdaOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunReport, LambdaJobError> {
    // Every invocation in flight holds a connection: a file descriptor.
    let files = magg_run::raise_open_file_limit().ok();
    let credentials = earthdata(lambda).await?;
    let location = opts.location()?;
    let sdk = sdk_config(&lambda.client).await;
    let template = EventTemplate {
        config: config.clone(),
        store: opts.store.clone(),
        store_options: Vec::new(),
        granule_concurrency: opts.granule_concurrency,
        io: opts.io.clone(),
        credentials,
        index: opts
            .chunk_index
            .clone()
            .map(|ix| IndexSource::new(ix, lambda.chunk_index_at.clone().unwrap_or_default())),
    };
    let mut limiter = None;
    let mut report = magg_run::run_with(map, config, opts, &location, stop, |_, store| {
        // The store's connections are open by now: count them in.
        let fan = fan_out(opts.workers, lambda.starts_per_second, files);
        // At most a connection per invocation in flight.
        let (client, connections) = client(&sdk, Some(fan.max_in_flight));
        let l = Limiter::new(fan);
        limiter = Some((l.clone(), connections));
        let mut worker = LambdaWorker::new(client, lambda.function.clone(), template)
            .with_limiter(l)
            .record_failures_in(store);
        worker.retry = lambda.retry.clone();
        Ok(Arc::new(worker))
    })
    .await?;
    report.cost = Some(US_EAST_1.bill_shards(&report.shards, lambda.memory_mb, lambda.arch));
    report.concurrency = limiter.map(|(l, connections)| {
        let mut c = l.report();
        c.connections = Some(connections.opened());
        c
    });
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_file_limit_caps_what_is_in_flight() {
        let fan = FanOut::new(1700);
        // 256 files, 20 open: 256 - 20 - 64 - 8 = 164.
        assert_eq!(fit_open_files(&fan, 256, 20), Some(164));
        assert_eq!(fit_open_files(&fan, 1024, 20), Some(932));
        assert_eq!(fit_open_files(&fan, 1 << 20, 20), None);
        assert_eq!(fit_open_files(&fan, 10, 20), Some(1), "never none at all");
    }
}
