//! The executor loop: a bounded pool of shards, costliest first, each shard
//! run by a [`ShardWorker`] — in this process (the local pool) or remotely
//! (one Lambda invocation per shard). The loop does not know which.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures::StreamExt;
use magg_store::ShardStatus;

use crate::progress::Progress;
use crate::report::{RESULTS_VERSION, RunReport, Totals, process_cpu_seconds};
use crate::task::Task;

/// Room a worker reserved for one shard ([`ShardWorker::admit`]); dropping
/// it gives the room back.
pub type Admission = Box<dyn std::any::Any + Send>;

/// Runs one shard and reports on it. Failures are reported in the returned
/// status (`error`), never by panicking: the other shards go on.
#[async_trait::async_trait]
pub trait ShardWorker: Send + Sync {
    /// Processes `task` and returns its record.
    async fn run(&self, task: Task) -> ShardStatus;
    /// Waits until the worker has room for `task` (a remote executor whose
    /// in-flight limit follows the service waits here, costliest shards
    /// first). The executor checks its stop flag after: a stopped run
    /// leaves the shards still waiting not started. The default: room at
    /// once, nothing reserved.
    async fn admit(&self, _task: &Task) -> Option<Admission> {
        None
    }
    /// Runs `task` in the room [`admit`](Self::admit) reserved; the
    /// default ignores it and calls [`run`](Self::run).
    async fn run_admitted(&self, task: Task, _room: Option<Admission>) -> ShardStatus {
        self.run(task).await
    }
    /// A short name for reports (`local`, `lambda`).
    fn kind(&self) -> &'static str;
    /// Keeps the error record of a shard whose [`run`](Self::run)
    /// panicked (so `--retry-failed` finds it); the default keeps nothing.
    async fn crashed(&self, _status: &ShardStatus) -> Result<(), String> {
        Ok(())
    }
}

/// How to execute.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Shards in flight at once.
    pub workers: usize,
    /// No progress output.
    pub quiet: bool,
    /// The output store's URL (for the report).
    pub store: String,
}

/// Runs `tasks` (already planned: costliest first) with at most
/// `opts.workers` in flight. `skipped` are shards left out because they were
/// complete (resume); `stop` is checked before each shard starts (SIGINT):
/// shards not started are listed in the report, shards in flight finish.
pub async fn execute(
    tasks: Vec<Task>,
    worker: Arc<dyn ShardWorker>,
    opts: &ExecOptions,
    skipped: Vec<u64>,
    stop: Arc<AtomicBool>,
) -> RunReport {
    let start = Instant::now();
    let cpu0 = process_cpu_seconds();
    let progress = Progress::new(tasks.len() as u64, opts.quiet);
    let not_started = Arc::new(std::sync::Mutex::new(Vec::new()));
    let shards: Vec<ShardStatus> = futures::stream::iter(tasks)
        .map(|task| {
            let worker = Arc::clone(&worker);
            let stop = Arc::clone(&stop);
            let not_started = Arc::clone(&not_started);
            async move {
                let room = worker.admit(&task).await;
                if stop.load(Ordering::SeqCst) {
                    drop(room);
                    not_started.lock().expect("lock").push(task.shard);
                    return None;
                }
                let shard = task.shard;
                // A panic inside a worker becomes that shard's error, kept
                // where the worker keeps its records.
                let runner = Arc::clone(&worker);
                let run = async move { runner.run_admitted(task, room).await };
                let status = match tokio::spawn(run).await {
                    Ok(status) => status,
                    Err(e) => {
                        let mut s = ShardStatus::new(shard);
                        s.error = Some(format!("worker crashed: {e}"));
                        if let Err(kept) = worker.crashed(&s).await {
                            s.error = Some(format!("worker crashed: {e}; {kept}"));
                        }
                        s
                    }
                };
                Some(status)
            }
        })
        .buffer_unordered(opts.workers.max(1))
        .filter_map(|s| async {
            if let Some(s) = &s {
                progress.shard_done(s);
            }
            s
        })
        .collect()
        .await;
    progress.finish();
    let mut not_started = std::mem::take(&mut *not_started.lock().expect("lock"));
    not_started.sort_unstable();
    RunReport {
        magg_results: RESULTS_VERSION,
        executor: worker.kind().to_string(),
        workers: opts.workers,
        store: opts.store.clone(),
        wall_seconds: start.elapsed().as_secs_f64(),
        cpu_seconds: cpu0.and_then(|c0| process_cpu_seconds().map(|c1| c1 - c0)),
        skipped,
        not_started,
        totals: Totals::of(&shards),
        shards,
        cost: None,
        concurrency: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::GranuleSource;

    #[derive(Default)]
    struct Fake {
        crashed: std::sync::Mutex<Vec<u64>>,
    }

    #[async_trait::async_trait]
    impl ShardWorker for Fake {
        async fn crashed(&self, status: &ShardStatus) -> Result<(), String> {
            self.crashed.lock().expect("lock").push(status.shard);
            Ok(())
        }
        async fn run(&self, task: Task) -> ShardStatus {
            let mut s = ShardStatus::new(task.shard);
            match task.shard {
                2 => s.error = Some("bad granule".into()),
                3 => panic!("boom"),
                4 => {} // completes without observations: an empty shard
                _ => s.observations = task.granules.len() as u64 * 10,
            }
            s
        }
        fn kind(&self) -> &'static str {
            "test"
        }
    }

    fn tasks() -> Vec<Task> {
        (1..=5)
            .map(|shard| Task {
                shard,
                granules: vec![
                    GranuleSource {
                        id: "g".into(),
                        url: "g.h5".into(),
                        window: 0,
                    };
                    shard as usize % 3
                ],
                region: magg_agg::ShardRegion::Whole,
            })
            .collect()
    }

    fn opts() -> ExecOptions {
        ExecOptions {
            workers: 2,
            quiet: true,
            store: "mem".into(),
        }
    }

    #[tokio::test]
    async fn failures_and_panics_are_records_not_losses() {
        let fake = Arc::new(Fake::default());
        let report = execute(
            tasks(),
            Arc::clone(&fake) as Arc<dyn ShardWorker>,
            &opts(),
            vec![9],
            Arc::new(AtomicBool::new(false)),
        )
        .await;
        assert_eq!(*fake.crashed.lock().unwrap(), vec![3], "the crash is kept");
        assert_eq!(report.shards.len(), 5, "every shard has a record");
        assert_eq!(report.totals.errors, 2);
        assert_eq!((report.totals.with_data, report.totals.empty), (2, 1));
        let failures = report.failures();
        assert_eq!(failures[0], (2, "bad granule"));
        assert_eq!(failures[1].0, 3);
        assert!(failures[1].1.contains("crashed"));
        assert_eq!(report.skipped, vec![9]);
        assert!(report.summary().contains("2 errors"));
    }

    #[tokio::test]
    async fn stop_flag_leaves_shards_not_started() {
        let report = execute(
            tasks(),
            Arc::new(Fake::default()),
            &opts(),
            vec![],
            Arc::new(AtomicBool::new(true)),
        )
        .await;
        assert!(report.shards.is_empty());
        assert_eq!(report.not_started, vec![1, 2, 3, 4, 5]);
    }
}
