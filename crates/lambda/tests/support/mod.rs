//! Shared fixtures: moto S3 holding the sample granules, the sample's
//! shards as tasks, the loopback Lambda running the real bootstrap, and
//! reading a store back object by object; the client options and event
//! template the tests start from. Each test binary uses a part of them.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use futures::TryStreamExt;
use magg_agg::AggConfig;
use magg_lambda::emulator::{Emulator, EmulatorOptions, Fault};
use magg_lambda::{ClientOptions, EventTemplate, LambdaWorker};
use magg_run::{ExecOptions, GranuleSource, RunReport, ShardWorker, Task, execute, store_spec};
use magg_store::{CreateMode, Location, OutputStore};
use magg_testkit::s3::S3Server;
use object_store::{ObjectStore, ObjectStoreExt};

/// Order-6 nested ids of the sample's shards (see shared/data/SOURCES.md).
pub(crate) const SHARDS: [u64; 3] = [32771, 32776, 33075];
pub(crate) const FUNCTION: &str = "magg-worker";

/// Temporary credentials (as Earthdata hands out) that the S3 server also
/// accepts, signed with this secret.
pub(crate) const TEMP_KEY: &str = "ASIATEMPORARYTEST";
/// The secret of [`TEMP_KEY`].
pub(crate) const TEMP_SECRET: &str = "SeCrEt-xyzzy-0042";

/// The S3 server with the sample granules in `granules/` and an empty
/// `out` bucket.
pub(crate) fn s3_with_granules() -> (S3Server, Vec<GranuleSource>) {
    let s3 = S3Server::start_accepting(&[(TEMP_KEY, TEMP_SECRET)]);
    s3.create_bucket("granules");
    s3.create_bucket("out");
    let granules = magg_testkit::sample_granules()
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            s3.put_file("granules", &format!("atl06/{name}"), p);
            GranuleSource {
                url: s3.url("granules", &format!("atl06/{name}")),
                id: name,
                window: 0,
            }
        })
        .collect();
    (s3, granules)
}

pub(crate) fn sample_tasks(granules: &[GranuleSource]) -> Vec<Task> {
    SHARDS
        .iter()
        .map(|&n| Task {
            shard: magg_morton::encode(6, n).unwrap(),
            granules: granules.to_vec(),
            region: magg_agg::ShardRegion::Whole,
        })
        .collect()
}

/// A new store at `s3://out/{name}` for the default config, spanning the
/// sample shards.
pub(crate) async fn new_store(s3: &S3Server, name: &str) -> Arc<OutputStore> {
    let shards = SHARDS.map(|n| magg_morton::encode(6, n).unwrap());
    new_store_for(s3, name, &shards).await
}

/// A new store at `s3://out/{name}` for the default config, spanning
/// `shards` (order-6 morton words).
pub(crate) async fn new_store_for(s3: &S3Server, name: &str, shards: &[u64]) -> Arc<OutputStore> {
    let spec = store_spec(
        &AggConfig::atl06_default(),
        &[],
        shards,
        serde_json::Map::new(),
    )
    .unwrap();
    let location = Location::parse_with(&s3.url("out", name), s3.store_options()).unwrap();
    Arc::new(
        OutputStore::create_at(&location, &spec, CreateMode::New)
            .await
            .unwrap(),
    )
}

pub(crate) async fn run(
    tasks: Vec<Task>,
    worker: Arc<dyn ShardWorker>,
    workers: usize,
) -> RunReport {
    let opts = ExecOptions {
        workers,
        quiet: true,
        store: "s3://out".into(),
    };
    let tasks = magg_run::plan(tasks, &magg_run::Selection::default());
    execute(
        tasks,
        worker,
        &opts,
        vec![],
        Arc::new(AtomicBool::new(false)),
    )
    .await
}

/// The loopback Lambda running the real bootstrap binary, with the S3
/// settings in the workers' environment (as a function's configuration
/// would set them).
pub(crate) async fn emulator(
    s3: &S3Server,
    sandboxes: usize,
    faults: Vec<(u64, Fault, u32)>,
) -> Emulator {
    Emulator::start(EmulatorOptions {
        function: FUNCTION.into(),
        command: vec![env!("CARGO_BIN_EXE_magg-lambda-bootstrap").into()],
        env: s3.env_vars(),
        sandboxes,
        memory_mb: 2048,
        timeout: Duration::from_mins(2),
        worker_logs: std::env::var_os("MAGG_WORKER_LOGS").is_some(),
        faults,
        synthetic: None,
    })
    .await
    .unwrap()
}

pub(crate) async fn lambda_worker(
    emu: &Emulator,
    store: &str,
    template_creds: Option<magg_lambda::credentials::S3Credentials>,
) -> LambdaWorker {
    lambda_worker_with(emu, store, template_creds, None).await
}

/// [`lambda_worker`] whose events carry the chunk index `index`.
pub(crate) async fn lambda_worker_with(
    emu: &Emulator,
    store: &str,
    template_creds: Option<magg_lambda::credentials::S3Credentials>,
    index: Option<magg_lambda::IndexSource>,
) -> LambdaWorker {
    let client = magg_lambda::connect(&client_options(emu)).await;
    LambdaWorker::new(
        client,
        FUNCTION,
        EventTemplate {
            credentials: template_creds,
            index,
            ..event_template(store)
        },
    )
}

/// The client options reaching the loopback Lambda `emu` (with the test
/// keys it accepts).
pub(crate) fn client_options(emu: &Emulator) -> ClientOptions {
    ClientOptions {
        region: Some("us-east-1".into()),
        endpoint_url: Some(emu.endpoint.clone()),
        static_credentials: Some(("test".into(), "test".into())),
    }
}

/// The event template of the default config writing to `store`: four
/// granules at once, default I/O, no credentials, no chunk index (a test
/// sets what it changes).
pub(crate) fn event_template(store: &str) -> EventTemplate {
    EventTemplate {
        config: AggConfig::atl06_default(),
        store: store.into(),
        store_options: vec![],
        granule_concurrency: 4,
        io: magg_objects::IoPolicy::default(),
        credentials: None,
        index: None,
    }
}

/// Every object under `s3://out/{prefix}/` (key relative to it → bytes).
pub(crate) async fn objects(s3: &S3Server, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let mut b = object_store::aws::AmazonS3Builder::new().with_bucket_name("out");
    for (k, v) in s3.store_options() {
        b = b.with_config(k.parse().unwrap(), v);
    }
    let store = b.build().unwrap();
    let root = object_store::path::Path::from(prefix);
    let metas: Vec<_> = store.list(Some(&root)).try_collect().await.unwrap();
    let mut out = BTreeMap::new();
    for m in metas {
        let bytes = store.get(&m.location).await.unwrap().bytes().await.unwrap();
        let key = m.location.as_ref()[prefix.len() + 1..].to_string();
        out.insert(key, bytes.to_vec());
    }
    out
}

/// The store's data objects under `s3://out/{prefix}/` (key → bytes,
/// sorted), `_magg/` bookkeeping left out: what two runs that wrote the
/// same data share.
pub(crate) async fn data_objects(s3: &S3Server, prefix: &str) -> Vec<(String, Vec<u8>)> {
    objects(s3, prefix)
        .await
        .into_iter()
        .filter(|(k, _)| !k.starts_with("_magg/"))
        .collect()
}
