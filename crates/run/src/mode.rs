//! [`StoreMode`]: what a run does with an existing store, and so which of
//! the planned shards it runs. One value instead of three flags, so the
//! combinations the CLI refuses (`--resume --overwrite`, ...) cannot be
//! asked of the library either.

use std::collections::HashSet;

use magg_store::{CreateMode, ShardStatus};

use crate::task::Task;

/// What a run does with the output store (the CLI's `--overwrite`,
/// `--resume`, `--retry-failed`; none of them is [`StoreMode::New`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreMode {
    /// Create the store; an existing one is an error. Every selected shard
    /// runs.
    #[default]
    New,
    /// Replace an existing store (its chunks and status records). Every
    /// selected shard runs.
    Overwrite,
    /// Reuse the store (created if absent; its layout and config must
    /// match) and skip the shards whose status record says complete.
    Resume,
    /// Reuse the store and rerun only the shards whose status record has an
    /// error (shards without a record are left alone).
    RetryFailed,
}

impl StoreMode {
    /// How the store is created or opened.
    pub fn create_mode(self) -> CreateMode {
        match self {
            StoreMode::New => CreateMode::New,
            StoreMode::Overwrite => CreateMode::Overwrite,
            StoreMode::Resume | StoreMode::RetryFailed => CreateMode::OpenExisting,
        }
    }

    /// Whether the choice of shards depends on the store's status records.
    pub fn reads_status(self) -> bool {
        matches!(self, StoreMode::Resume | StoreMode::RetryFailed)
    }

    /// Splits `tasks` into those to run and the shards skipped, given the
    /// store's status `records` (ignored unless [`reads_status`](Self::reads_status)).
    pub fn select(self, tasks: Vec<Task>, records: &[ShardStatus]) -> (Vec<Task>, Vec<u64>) {
        let retry = match self {
            StoreMode::New | StoreMode::Overwrite => return (tasks, Vec::new()),
            StoreMode::Resume => false,
            StoreMode::RetryFailed => true,
        };
        // resume: run all but the complete; retry-failed: only the failed.
        let marked: HashSet<u64> = records
            .iter()
            .filter(|s| {
                if retry {
                    s.error.is_some()
                } else {
                    s.is_done()
                }
            })
            .map(|s| s.shard)
            .collect();
        let (run, skip): (Vec<Task>, Vec<Task>) = tasks
            .into_iter()
            .partition(|t| marked.contains(&t.shard) == retry);
        (run, skip.into_iter().map(|t| t.shard).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tasks(shards: &[u64]) -> Vec<Task> {
        shards
            .iter()
            .map(|&shard| Task {
                shard,
                granules: Vec::new(),
                region: magg_agg::ShardRegion::Whole,
            })
            .collect()
    }

    fn shards(tasks: &[Task]) -> Vec<u64> {
        tasks.iter().map(|t| t.shard).collect()
    }

    /// Shard 1 complete, 2 failed, 3 without a record.
    fn records() -> Vec<ShardStatus> {
        let done = ShardStatus::new(1);
        let mut failed = ShardStatus::new(2);
        failed.error = Some("granule x: timeout".into());
        vec![done, failed]
    }

    #[test]
    fn each_mode_runs_its_shards() {
        let all = [1, 2, 3];
        for mode in [StoreMode::New, StoreMode::Overwrite] {
            let (run, skipped) = mode.select(tasks(&all), &records());
            assert_eq!((shards(&run), skipped), (all.to_vec(), vec![]), "{mode:?}");
        }
        let (run, skipped) = StoreMode::Resume.select(tasks(&all), &records());
        assert_eq!((shards(&run), skipped), (vec![2, 3], vec![1]));
        let (run, skipped) = StoreMode::RetryFailed.select(tasks(&all), &records());
        assert_eq!((shards(&run), skipped), (vec![2], vec![1, 3]));
    }

    #[test]
    fn store_is_reused_only_when_resuming_or_retrying() {
        assert_eq!(StoreMode::default().create_mode(), CreateMode::New);
        assert_eq!(StoreMode::Overwrite.create_mode(), CreateMode::Overwrite);
        for mode in [StoreMode::Resume, StoreMode::RetryFailed] {
            assert_eq!(mode.create_mode(), CreateMode::OpenExisting);
            assert!(mode.reads_status());
        }
        assert!(!StoreMode::New.reads_status() && !StoreMode::Overwrite.reads_status());
    }
}
