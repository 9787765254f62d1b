//! Per-shard status records: small JSON documents at
//! `_magg/status/<shard word>.json` inside the store prefix. A record without
//! an `error` means every chunk of that shard is written; zarr-python and
//! xarray never look there (no `zarr.json` below `_magg/`).

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::store::OutputStore;

/// How many status records [`OutputStore::list_status`] fetches at once.
const LIST_CONCURRENCY: usize = 32;

/// Folder (relative to the store root) that holds the status records.
pub const STATUS_PREFIX: &str = "_magg/status";

/// The key of a shard's status record, relative to the store root.
pub fn status_key(shard: u64) -> String {
    format!("{STATUS_PREFIX}/{shard}.json")
}

/// Parses a status key back to its shard word.
pub(crate) fn shard_of_key(key: &str) -> Option<u64> {
    key.strip_prefix(STATUS_PREFIX)?
        .strip_prefix('/')?
        .strip_suffix(".json")?
        .parse()
        .ok()
}

/// What a worker reports about one shard. Written after the shard's chunks;
/// extra fields from the caller (CPU time, memory, worker id, ...) travel in
/// `extra` and are kept on round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardStatus {
    /// The shard's morton word (at the store's parent order).
    pub shard: u64,
    /// Valid observations aggregated.
    pub observations: u64,
    /// Child cells with data.
    pub cells: u64,
    /// Granules opened.
    pub granules_read: u64,
    /// Bytes fetched from the granules.
    pub bytes_read: u64,
    /// Range requests issued.
    pub requests: u64,
    /// Rounds: the longest chain of those requests each asked because of
    /// the previous one's answer (dependency depth, `magg_h5::IoStats`); 0
    /// in records that predate it.
    #[serde(default)]
    pub rounds: u64,
    /// Granules whose chunk index entry could not be used (stale, corrupt,
    /// lacking a dataset) and whose metadata was read instead; omitted
    /// when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub index_fallbacks: u64,
    /// In a store of several time windows, the observations and child
    /// cells with data of each window, in the store's window order (what
    /// `magg verify` checks window by window); empty without windows and
    /// in records that predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<WindowTally>,
    /// Wall time for the shard, seconds.
    pub seconds: f64,
    /// Why the shard failed; `None` when it completed.
    pub error: Option<String>,
    /// Any further fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One time window's share of a [`ShardStatus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WindowTally {
    /// Valid observations aggregated in the window.
    pub observations: u64,
    /// Child cells with data in the window.
    pub cells: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if signature
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ShardStatus {
    /// An all-zero record for `shard`, without error.
    pub fn new(shard: u64) -> Self {
        ShardStatus {
            shard,
            observations: 0,
            cells: 0,
            granules_read: 0,
            bytes_read: 0,
            requests: 0,
            rounds: 0,
            index_fallbacks: 0,
            windows: Vec::new(),
            seconds: 0.0,
            error: None,
            extra: Map::new(),
        }
    }

    /// True when the shard completed (its chunks are all written).
    pub fn is_done(&self) -> bool {
        self.error.is_none()
    }
}

impl OutputStore {
    /// Writes (replaces) the shard's status record. Call it after every
    /// order of the shard is written: a record without `error` tells
    /// `--resume` the shard is complete.
    pub async fn write_status(&self, status: &ShardStatus) -> Result<()> {
        let shard = status.shard;
        if self.chunks.is_tiles() {
            if self.chunks.chunk(shard).is_none() {
                return Err(self.input(shard, 0, "not one of the store's tiles".into()));
            }
        } else if let cell = magg_morton::decode(shard)
            .map_err(|e| self.input(shard, self.spec.parent_order, e.to_string()))?
            && (cell.is_point || cell.order != self.spec.parent_order)
        {
            return Err(self.input(
                shard,
                cell.order,
                format!(
                    "not a shard word at parent order {}",
                    self.spec.parent_order
                ),
            ));
        }
        let key = status_key(shard);
        let mut json = serde_json::to_vec_pretty(status).map_err(|e| self.corrupt(&key, &e))?;
        json.push(b'\n');
        self.objects
            .put(&Path::from(key.as_str()), PutPayload::from(json))
            .await
            .map_err(|e| self.storage_error(&key, e))?;
        Ok(())
    }

    /// The shard's status record, if any.
    pub async fn status(&self, shard: u64) -> Result<Option<ShardStatus>> {
        self.read_status(&status_key(shard)).await
    }

    /// Deletes the shard's status record (no error if there is none).
    pub async fn clear_status(&self, shard: u64) -> Result<()> {
        let key = status_key(shard);
        match self.objects.delete(&Path::from(key.as_str())).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.storage_error(&key, e)),
        }
    }

    /// Every status record in the store, sorted by shard word.
    pub async fn list_status(&self) -> Result<Vec<ShardStatus>> {
        let prefix = Path::from(STATUS_PREFIX);
        let keys: Vec<String> = self
            .objects
            .list(Some(&prefix))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .map_err(|e| self.storage_error(STATUS_PREFIX, e))?;
        let mut records: Vec<ShardStatus> = futures::stream::iter(keys)
            .filter(|k| futures::future::ready(shard_of_key(k).is_some()))
            .map(|k| async move { self.read_status(&k).await })
            .buffer_unordered(LIST_CONCURRENCY)
            .try_filter_map(|r| futures::future::ready(Ok(r)))
            .try_collect()
            .await?;
        records.sort_by_key(|r| r.shard);
        Ok(records)
    }

    async fn read_status(&self, key: &str) -> Result<Option<ShardStatus>> {
        let got = match self.objects.get(&Path::from(key)).await {
            Ok(got) => got.bytes().await,
            Err(e) => Err(e),
        };
        let bytes = match got {
            Ok(b) => b,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.storage_error(key, e)),
        };
        let status: ShardStatus =
            serde_json::from_slice(&bytes).map_err(|e| self.corrupt(key, &e))?;
        if shard_of_key(key) != Some(status.shard) {
            return Err(StoreError::Corrupt {
                url: self.url.clone(),
                key: key.to_string(),
                reason: format!("record is for shard {}", status.shard),
            });
        }
        Ok(Some(status))
    }

    fn storage_error(&self, key: &str, e: object_store::Error) -> StoreError {
        StoreError::Storage {
            url: self.url.clone(),
            key: key.to_string(),
            source: e.into(),
        }
    }

    fn corrupt(&self, key: &str, e: &serde_json::Error) -> StoreError {
        StoreError::Corrupt {
            url: self.url.clone(),
            key: key.to_string(),
            reason: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let w = 11570310392668225542;
        assert_eq!(status_key(w), "_magg/status/11570310392668225542.json");
        assert_eq!(shard_of_key(&status_key(w)), Some(w));
        assert_eq!(shard_of_key("_magg/status/x.json"), None);
        assert_eq!(shard_of_key("_magg/other/1.json"), None);
    }

    #[test]
    fn extra_fields_survive() {
        let json = r#"{"shard":5,"observations":1,"cells":1,"granules_read":2,
            "bytes_read":3,"requests":4,"seconds":0.5,"error":null,"cpu_seconds":0.25}"#;
        let s: ShardStatus = serde_json::from_str(json).unwrap();
        assert_eq!(s.extra["cpu_seconds"], 0.25);
        let back: ShardStatus = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(s.is_done());
    }
}
