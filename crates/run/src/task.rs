//! Tasks: one per shard, planned costliest first.

use magg_agg::ShardRegion;
use serde::{Deserialize, Serialize};

/// One granule a shard reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GranuleSource {
    /// The granule's file name (e.g. `ATL06_20240101010203_01872201_006_01.h5`).
    pub id: String,
    /// Where to read it: a local path, `file://`, `s3://` or `https://` URL.
    pub url: String,
    /// The time window its observations go to (index into the shard map's
    /// windows; absent in JSON: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub window: u32,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(x: &u32) -> bool {
    *x == 0
}

/// The unit of work: one shard and the granules that touch it, of every
/// time window (each granule says its window): one worker aggregates each
/// window of the shard as a run of that window alone would, and then the
/// shard's elevation change over the windows, with no coordination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The shard's morton word (at the parent order).
    pub shard: u64,
    /// Granules whose footprint intersects the shard.
    pub granules: Vec<GranuleSource>,
    /// Which of the shard's observations count: the region's cells inside
    /// it (a boundary shard under the default rule), or all of them
    /// (absent in JSON).
    #[serde(default, skip_serializing_if = "ShardRegion::is_whole")]
    pub region: ShardRegion,
}

impl Task {
    /// The scheduling cost: the number of granules (a shard's wall time
    /// grows with the granules it opens; see the run report's figures).
    pub fn cost(&self) -> usize {
        self.granules.len()
    }
}

/// Which tasks to run, in which order.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only this shard (a morton word), if given.
    pub shard: Option<u64>,
    /// At most this many shards (the costliest ones), if given.
    pub max_shards: Option<usize>,
}

/// Orders tasks costliest first (ties by shard word, so the order is
/// deterministic) and applies the selection. The longest shards bound the
/// wall time of a parallel run, so they start first.
pub fn plan(mut tasks: Vec<Task>, selection: &Selection) -> Vec<Task> {
    if let Some(shard) = selection.shard {
        tasks.retain(|t| t.shard == shard);
    }
    tasks.sort_by(|a, b| b.cost().cmp(&a.cost()).then(a.shard.cmp(&b.shard)));
    if let Some(n) = selection.max_shards {
        tasks.truncate(n);
    }
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(shard: u64, n: usize) -> Task {
        let granules = (0..n)
            .map(|i| GranuleSource {
                id: format!("g{i}"),
                url: format!("/data/g{i}.h5"),
                window: 0,
            })
            .collect();
        Task {
            shard,
            granules,
            region: ShardRegion::Whole,
        }
    }

    #[test]
    fn costliest_first_then_by_shard() {
        let tasks = vec![task(5, 1), task(3, 4), task(9, 4), task(1, 2)];
        let order: Vec<u64> = plan(tasks.clone(), &Selection::default())
            .iter()
            .map(|t| t.shard)
            .collect();
        assert_eq!(order, [3, 9, 1, 5]);
        let sel = Selection {
            max_shards: Some(2),
            ..Selection::default()
        };
        assert_eq!(plan(tasks.clone(), &sel).len(), 2);
        let sel = Selection {
            shard: Some(1),
            ..Selection::default()
        };
        assert_eq!(plan(tasks, &sel), vec![task(1, 2)]);
    }
}
