//! A loopback Lambda for tests: one server speaking the Invoke API
//! (`POST /2015-03-31/functions/{name}/invocations`, real status codes,
//! `X-Amz-Function-Error`, 429 `TooManyRequestsException`,
//! `X-Amz-Log-Result` tails) and, per sandbox, the Runtime API that a real
//! worker process (`magg lambda-worker` or the `bootstrap`) polls. Each
//! invocation goes to an idle worker process and its answer is relayed
//! back, as Lambda does; a process that exits mid-invocation fails it with
//! `Runtime.ExitError` and is restarted.
//!
//! Faults are injected per shard (the event's `shard` field; for an index
//! event, its `index_batch`): throttles,
//! 5xx, function timeouts, hangs (no answer at all) and crashes (the
//! worker process is killed while it holds the invocation).
//!
//! [`Synthetic`] mode plays the function itself, with no worker process:
//! each invocation is answered after a delay that grows with its granules,
//! under a concurrency quota (429 beyond it) and bursts of 429s; the
//! injected faults apply too (a crash answers `Runtime.ExitError` after
//! the delay). [`synthetic::shard_map`] makes a map of fake shards for it.
//!
//! Counters: Invoke calls per shard, invocations dispatched, crashes,
//! connections accepted by the Invoke API (a client that reuses its
//! connections opens no more than it has requests in flight), the most
//! requests in flight at once, and in synthetic mode the most executions
//! running at once, throttles and completions.
//!
//! [`earthdata`]: a loopback DAAC `s3credentials` endpoint and Earthdata
//! login host, for the credentials flow.

pub mod earthdata;
mod http;
mod invoke;
mod sandbox;
pub mod synthetic;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use synthetic::Synthetic;

/// A fault to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 `TooManyRequestsException` (concurrency limit).
    Throttle,
    /// HTTP 500 `ServiceException`.
    ServerError,
    /// The function ran past its timeout: 200 with `X-Amz-Function-Error`
    /// and `Sandbox.Timedout` (answered at once; real timeouts of
    /// dispatched invocations also happen, after `timeout`).
    Timeout,
    /// No answer at all (the caller's own timeout must fire).
    Hang,
    /// The worker process holding the invocation is killed.
    Crash,
}

/// The emulated function and its sandboxes.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Function name accepted by the Invoke API (others get 404).
    pub function: String,
    /// Worker command line (program, arguments).
    pub command: Vec<String>,
    /// Extra environment of the worker processes.
    pub env: Vec<(String, String)>,
    /// Sandboxes (worker processes).
    pub sandboxes: usize,
    /// Memory size reported in log tails, MB.
    pub memory_mb: u32,
    /// The function timeout.
    pub timeout: Duration,
    /// Show the workers' stderr.
    pub worker_logs: bool,
    /// Faults: (shard, or index batch, fault, how many of its first
    /// invocations).
    pub faults: Vec<(u64, Fault, u32)>,
    /// Play the function here instead of in worker processes (`command`
    /// and `sandboxes` are then unused).
    pub synthetic: Option<Synthetic>,
}

impl EmulatorOptions {
    /// A synthetic function named `function` (no worker process), with
    /// a 15-minute function timeout.
    pub fn synthetic(function: impl Into<String>, synthetic: Synthetic) -> Self {
        EmulatorOptions {
            function: function.into(),
            command: Vec::new(),
            env: Vec::new(),
            sandboxes: 0,
            memory_mb: 2048,
            timeout: Duration::from_mins(15),
            worker_logs: false,
            faults: Vec::new(),
            synthetic: Some(synthetic),
        }
    }
}

/// How a dispatched invocation ended.
enum Outcome {
    Response(Bytes),
    Error(Bytes),
    Exit(String),
    /// Ran past the function timeout (counted from dispatch).
    Timeout,
}

/// An invocation waiting for a sandbox.
struct Pending {
    id: String,
    payload: Bytes,
    crash: bool,
    reply: oneshot::Sender<Outcome>,
}

struct Shared {
    opts: EmulatorOptions,
    faults: Mutex<Vec<(u64, Fault, u32)>>,
    seen: Mutex<HashMap<u64, u32>>,
    queue: mpsc::UnboundedSender<Pending>,
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    ids: AtomicU64,
    crashes: AtomicU64,
    dispatched: AtomicU64,
    accepted: Arc<AtomicU64>,
    requests: AtomicUsize,
    peak_requests: AtomicUsize,
    synthetic: synthetic::Counters,
}

impl Shared {
    /// Counts an Invoke call for `shard` and takes the fault due, if any.
    fn fault_for(&self, shard: Option<u64>) -> Option<Fault> {
        let shard = shard?;
        *self.seen.lock().expect("lock").entry(shard).or_default() += 1;
        let mut faults = self.faults.lock().expect("lock");
        let rule = faults.iter_mut().find(|r| r.0 == shard && r.2 > 0)?;
        rule.2 -= 1;
        Some(rule.1)
    }

    /// Puts back a fault taken for an invocation that never reached the
    /// function (throttled first).
    fn give_back(&self, shard: Option<u64>, fault: Fault) {
        let Some(shard) = shard else { return };
        let mut faults = self.faults.lock().expect("lock");
        if let Some(rule) = faults.iter_mut().find(|r| r.0 == shard && r.1 == fault) {
            rule.2 = rule.2.saturating_add(1);
        }
    }
}

/// A running emulator; stops (and kills its workers) on drop.
pub struct Emulator {
    /// The Invoke API endpoint, `http://127.0.0.1:PORT`.
    pub endpoint: String,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Emulator {
    /// Binds the Invoke API and one Runtime API per sandbox on loopback and
    /// starts the worker processes (none in synthetic mode). Raises this
    /// process's soft open-file limit to the hard one: every connection a
    /// client opens is a file here too.
    pub async fn start(opts: EmulatorOptions) -> std::io::Result<Emulator> {
        let _ = magg_run::raise_open_file_limit();
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            faults: Mutex::new(opts.faults.clone()),
            opts,
            seen: Mutex::new(HashMap::new()),
            queue: tx,
            next: tokio::sync::Mutex::new(rx),
            ids: AtomicU64::new(0),
            crashes: AtomicU64::new(0),
            dispatched: AtomicU64::new(0),
            accepted: Arc::new(AtomicU64::new(0)),
            requests: AtomicUsize::new(0),
            peak_requests: AtomicUsize::new(0),
            synthetic: synthetic::Counters::default(),
        });
        let mut tasks = Vec::new();
        // A deep accept queue: thousands of clients may connect at once.
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind("127.0.0.1:0".parse().expect("an address"))?;
        let listener = socket.listen(4096)?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let s = Arc::clone(&shared);
        let counter = Some(Arc::clone(&shared.accepted));
        tasks.push(tokio::spawn(http::serve(listener, counter, move |req| {
            invoke::handle(Arc::clone(&s), req)
        })));
        if shared.opts.synthetic.is_none() {
            for _ in 0..shared.opts.sandboxes.max(1) {
                tasks.extend(sandbox::start(Arc::clone(&shared)).await?);
            }
        }
        Ok(Emulator {
            endpoint,
            shared,
            tasks,
        })
    }

    /// Invoke calls seen for `shard` (every attempt, faults included).
    pub fn invocations(&self, shard: u64) -> u32 {
        self.shared
            .seen
            .lock()
            .expect("lock")
            .get(&shard)
            .copied()
            .unwrap_or(0)
    }

    /// Invocations handed to a worker process.
    pub fn dispatched(&self) -> u64 {
        self.shared.dispatched.load(Ordering::SeqCst)
    }

    /// Worker processes that exited while holding an invocation (in
    /// synthetic mode: crashes answered).
    pub fn crashes(&self) -> u64 {
        self.shared.crashes.load(Ordering::SeqCst)
    }

    /// Connections accepted by the Invoke API.
    pub fn connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The most Invoke requests in flight at once (throttled ones
    /// included).
    pub fn peak_requests(&self) -> usize {
        self.shared.peak_requests.load(Ordering::SeqCst)
    }

    /// Synthetic mode: the most executions running at once.
    pub fn peak_running(&self) -> usize {
        self.shared.synthetic.peak_running.load(Ordering::SeqCst)
    }

    /// Invocations answered 429 (quota, bursts, injected throttles).
    pub fn throttled(&self) -> u64 {
        self.shared.synthetic.throttled.load(Ordering::SeqCst)
    }

    /// Synthetic mode: executions that ran to their answer.
    pub fn completed(&self) -> u64 {
        self.shared.synthetic.completed.load(Ordering::SeqCst)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
