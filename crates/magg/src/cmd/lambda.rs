//! `magg run --executor lambda`: the Lambda options of `magg run`, the run
//! and its dry run (plan + cost projection). The work is in `magg-lambda`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};
use magg_agg::AggConfig;
use magg_catalog::ShardMap;
use magg_lambda::estimate::{Assumptions, Measured, project};
use magg_lambda::{
    Arch, ClientOptions, DEFAULT_CONCURRENCY, FanOut, LambdaOptions, RetryPolicy, US_EAST_1,
};
use magg_run::{JobOptions, RunReport};

/// Options of the Lambda executor.
#[derive(clap::Args, Debug)]
pub(crate) struct LambdaArgs {
    /// Where shards run: `local` (this machine) or `lambda` (one AWS
    /// Lambda invocation per shard).
    #[arg(long, default_value = "local", value_parser = ["local", "lambda"])]
    pub(crate) executor: String,
    /// The function and how to invoke it.
    #[command(flatten)]
    pub(crate) function: FunctionArgs,
    /// Concurrent invocations asked for (default 1700; `--workers` also
    /// sets it). Fewer run when the account's quota throttles (the
    /// in-flight limit follows it) or the open-file limit cannot hold a
    /// connection each (said once at start); the summary gives what was
    /// reached.
    #[arg(long)]
    pub(crate) concurrency: Option<usize>,
    /// Dry run: a local run's results JSON whose measured CPU time and
    /// bytes per observation feed the cost projection.
    #[arg(long)]
    measured: Option<PathBuf>,
    /// Dry run: project to this many observations (default: the Antarctic
    /// cycle, 1.37e9) ...
    #[arg(long, default_value_t = 1.37e9)]
    project_observations: f64,
    /// ... over this many shards (default: the Antarctic cycle's 2,400).
    #[arg(long, default_value_t = 2400)]
    project_shards: u64,
}

impl LambdaArgs {
    pub(crate) fn is_lambda(&self) -> bool {
        self.executor == "lambda"
    }

    fn concurrency(&self, opts: &JobOptions) -> usize {
        self.concurrency.unwrap_or(opts.workers)
    }

    /// Shards in flight when neither --concurrency nor --workers is given.
    pub(crate) fn default_workers(&self) -> usize {
        if self.is_lambda() {
            DEFAULT_CONCURRENCY
        } else {
            super::run::default_workers()
        }
    }

    fn options(&self) -> Result<LambdaOptions> {
        self.function.options()
    }
}

/// Runs the map's shards on Lambda.
pub(crate) async fn run(
    map: &ShardMap,
    config: AggConfig,
    opts: &JobOptions,
    args: &LambdaArgs,
    chunk_index_at: Option<&str>,
    stop: Arc<AtomicBool>,
) -> Result<RunReport> {
    let mut opts = opts.clone();
    opts.workers = args.concurrency(&opts);
    let mut lambda = args.options()?;
    lambda.chunk_index_at = chunk_index_at.map(str::to_string);
    Ok(magg_lambda::run_lambda(map, config, &opts, &lambda, stop).await?)
}

/// Prints the invocations a run would make and the cost projection.
pub(crate) fn dry_run(
    map: &ShardMap,
    config: &AggConfig,
    opts: &JobOptions,
    args: &LambdaArgs,
    chunk_index_at: Option<&str>,
) -> Result<()> {
    let lambda = args.options()?;
    let tasks = magg_run::planned(map, config, opts)?;
    let concurrency = args.concurrency(opts);
    println!(
        "would invoke {} {} time(s) (one per shard), {} at once, {} MB {}, up to {} attempts each",
        lambda.function,
        tasks.len(),
        concurrency,
        lambda.memory_mb,
        lambda.arch.name(),
        lambda.retry.max_attempts
    );
    for t in tasks.iter().take(5) {
        println!("  shard {}: {} granules", t.shard, t.granules.len());
    }
    let template = magg_lambda::EventTemplate {
        config: config.clone(),
        store: opts.store.clone(),
        store_options: Vec::new(),
        granule_concurrency: opts.granule_concurrency,
        io: opts.io.clone(),
        credentials: None,
        index: opts
            .chunk_index
            .clone()
            .map(|ix| magg_lambda::IndexSource::new(ix, chunk_index_at.unwrap_or_default())),
    };
    println!("{}", magg_lambda::EventSizes::of(&template, &tasks));
    let Some(path) = &args.measured else {
        println!("cost: pass --measured <results.json> of a local run for a projection");
        return Ok(());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let local: RunReport =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(m) = Measured::from_report(&local) else {
        bail!(
            "{}: not a local run with observations, CPU time and rounds to measure from (run `magg run` with the local executor first)",
            path.display()
        );
    };
    let a = Assumptions::default();
    println!(
        "measured ({}): {:.3} µs CPU, {:.1} bytes, {:.2e} requests per observation; {:.1} rounds per shard",
        path.display(),
        m.cpu_s_per_observation * 1e6,
        m.bytes_per_observation,
        m.requests_per_observation,
        m.rounds_per_shard
    );
    println!(
        "assumed: S3 {:.0} MB/s and {:.0} ms first byte per round, at most {} requests in flight per worker, {:.1} s start-up",
        a.s3_bytes_per_second / 1e6,
        a.request_latency_s * 1e3,
        a.requests_in_flight,
        a.startup_s
    );
    let obs = args.project_observations as u64;
    for (label, shards, obs) in [
        (
            "this map (observations per shard as measured)",
            tasks.len() as u64,
            local.totals.observations / local.totals.shards.max(1) * tasks.len() as u64,
        ),
        ("projection", args.project_shards, obs),
    ] {
        if shards == 0 || obs == 0 {
            continue;
        }
        let p = project(
            &m,
            &a,
            shards,
            obs,
            lambda.memory_mb,
            lambda.arch,
            concurrency,
            &US_EAST_1,
        );
        println!(
            "{label}: {} shards, {:.3e} observations: {:.1} s per shard, {}",
            p.shards,
            p.observations as f64,
            p.seconds_per_shard,
            p.bill_line()
        );
    }
    println!("prices: {}", US_EAST_1.source);
    Ok(())
}

/// The Lambda function and how to invoke it (shared by `magg run
/// --executor lambda` and `magg chunk-index --executor lambda`).
#[derive(clap::Args, Debug)]
pub(crate) struct FunctionArgs {
    /// The Lambda function (name or ARN) running `magg lambda-worker`.
    #[arg(long, required_if_eq("executor", "lambda"))]
    function: Option<String>,
    /// AWS region (default: AWS_REGION or the profile's).
    #[arg(long)]
    region: Option<String>,
    /// The function's memory size, MB (cost report).
    #[arg(long, default_value_t = 2048)]
    memory_mb: u32,
    /// The function's architecture (cost report): arm64 or x86_64.
    #[arg(long, default_value = "arm64")]
    arch: Arch,
    /// Lambda endpoint (default: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL,
    /// else AWS's).
    #[arg(long)]
    endpoint_url: Option<String>,
    /// Invocations per shard (or index batch) at most for function errors, 5xx, network
    /// errors and timeouts (throttles do not count: see
    /// --throttle-budget).
    #[arg(long, default_value_t = 5)]
    max_attempts: u32,
    /// Seconds one invocation may take before it is retried.
    #[arg(long, default_value_t = 905)]
    invoke_timeout: u64,
    /// Throttled shards (429, EC2/ENI limits) are invoked again while the
    /// run makes progress; they fail once no invocation has been accepted
    /// or running for this many seconds.
    #[arg(long, default_value_t = RetryPolicy::default().throttle_budget.as_secs_f64())]
    throttle_budget: f64,
    /// New invocations started per second at most (paces the first wave;
    /// Lambda allows 10 synchronous invocation requests per second per
    /// unit of concurrency quota).
    #[arg(long, default_value_t = FanOut::new(1).starts_per_second)]
    invoke_rate: f64,
    /// Earthdata DAAC `s3credentials` URL: fetch temporary S3 credentials
    /// once (login from EARTHDATA_USERNAME/PASSWORD or ~/.netrc) and hand
    /// them to the workers.
    #[arg(long)]
    earthdata_credentials: Option<String>,
    /// The Earthdata login host whose login (EARTHDATA_USERNAME/PASSWORD
    /// or its ~/.netrc entry) answers the `s3credentials` redirect; the
    /// login is sent to this host only.
    #[arg(long, default_value = magg_lambda::EARTHDATA_LOGIN_HOST)]
    earthdata_login_host: String,
}

impl FunctionArgs {
    pub(crate) fn options(&self) -> Result<LambdaOptions> {
        let Some(function) = self.function.clone() else {
            bail!("--executor lambda needs --function NAME");
        };
        let throttle_budget = std::time::Duration::try_from_secs_f64(self.throttle_budget)
            .ok()
            .with_context(|| {
                format!(
                    "--throttle-budget {}: expected seconds",
                    self.throttle_budget
                )
            })?;
        if !(self.invoke_rate > 0.0 && self.invoke_rate.is_finite()) {
            bail!(
                "--invoke-rate {}: expected a positive number",
                self.invoke_rate
            );
        }
        Ok(LambdaOptions {
            function,
            client: ClientOptions {
                region: self.region.clone(),
                endpoint_url: self.endpoint_url.clone(),
                static_credentials: None,
            },
            memory_mb: self.memory_mb,
            arch: self.arch,
            retry: RetryPolicy {
                max_attempts: self.max_attempts,
                timeout: std::time::Duration::from_secs(self.invoke_timeout),
                throttle_budget,
                ..RetryPolicy::default()
            },
            starts_per_second: self.invoke_rate,
            earthdata_credentials: self.earthdata_credentials.clone(),
            earthdata_login_host: self.earthdata_login_host.clone(),
            chunk_index_at: None,
        })
    }
}
