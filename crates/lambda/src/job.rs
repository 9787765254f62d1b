//! A whole Lambda run, as `magg run --executor lambda` does it: credentials
//! (if asked) → one shared client → store template → the executor loop of
//! `magg-run` with a [`LambdaWorker`] → the report with its cost.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use magg_agg::AggConfig;
use magg_catalog::ShardMap;
use magg_run::{JobError, JobOptions, RunReport};

use crate::cost::{Arch, US_EAST_1};
use crate::credentials::{self, Login};
use crate::event::EventTemplate;
use crate::invoke::{ClientOptions, LambdaWorker, connect};
use crate::retry::RetryPolicy;

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
    /// Retries and per-invocation timeout.
    pub retry: RetryPolicy,
    /// A DAAC `s3credentials` endpoint: fetch temporary credentials once
    /// and hand them to the workers for reading granules.
    pub earthdata_credentials: Option<String>,
    /// The Earthdata login host whose login (environment or `~/.netrc`)
    /// answers the endpoint's redirect ([`crate::EARTHDATA_LOGIN_HOST`]; the UAT
    /// host for UAT).
    pub earthdata_login_host: String,
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
}

/// Runs every selected shard of `map` as one Lambda invocation each, at
/// most `opts.workers` at once, into `opts.store` (an `s3://` URL the
/// function can write).
pub async fn run_lambda(
    map: &ShardMap,
    config: AggConfig,
    opts: &JobOptions,
    lambda: &LambdaOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunReport, LambdaJobError> {
    let credentials = match &lambda.earthdata_credentials {
        Some(endpoint) => {
            let login = Login::from_env(&lambda.earthdata_login_host)?;
            let c = credentials::fetch(endpoint, &login).await?;
            // DAAC credentials last one hour: refuse a nearly expired set.
            c.check_valid_for(Duration::from_mins(10))?;
            Some(c)
        }
        None => None,
    };
    let location = opts.location()?;
    let client = connect(&lambda.client).await;
    let template = EventTemplate {
        config: config.clone(),
        store: opts.store.clone(),
        store_options: Vec::new(),
        granule_concurrency: opts.granule_concurrency,
        io: opts.io.clone(),
        credentials,
    };
    let mut report = magg_run::run_with(map, config, opts, &location, stop, |_, store| {
        let mut worker =
            LambdaWorker::new(client, lambda.function.clone(), template).record_failures_in(store);
        worker.retry = lambda.retry.clone();
        Ok(Arc::new(worker))
    })
    .await?;
    report.cost = Some(US_EAST_1.bill_shards(&report.shards, lambda.memory_mb, lambda.arch));
    Ok(report)
}
