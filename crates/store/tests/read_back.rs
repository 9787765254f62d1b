//! Reading a variable back as plot and export do: the shards with a
//! completed status record (a failed one and those never run are left
//! out), their chunks, and the cells with data among them, each with its
//! nested id; a chunk the caller refuses, or a variable the store lacks,
//! is an error.
// Exact values written and read back.
#![allow(clippy::float_cmp)]

mod common;

use common::{DATA_SHARDS, EMPTY_SHARD, PARENT, cell_values, shard_word};
use futures::TryStreamExt;
use magg_store::{Column, ShardStatus, StoreError};

/// What the readers' callers return: the store's errors, or a chunk they
/// refuse.
#[derive(Debug)]
enum ReadError {
    Store(StoreError),
    Refused(u64),
}

impl From<StoreError> for ReadError {
    fn from(e: StoreError) -> ReadError {
        ReadError::Store(e)
    }
}

fn f32s(shard: u64, column: Column) -> Result<Vec<f32>, ReadError> {
    match column {
        Column::F32(v) => Ok(v),
        _ => Err(ReadError::Refused(shard)),
    }
}

#[tokio::test]
async fn done_shards_their_chunks_and_cells_with_data() {
    let tmp = tempfile::tempdir().unwrap();
    let store = common::populated_store(&tmp.path().join("r.zarr")).await;
    // Shard 100 failed (its chunks stay, its record says so).
    let failed = shard_word(100);
    store
        .write_status(&ShardStatus {
            error: Some("granule X: broken".into()),
            ..ShardStatus::new(failed)
        })
        .await
        .unwrap();
    let done: Vec<u64> = [0, 37, 191, EMPTY_SHARD]
        .iter()
        .map(|&n| shard_word(n))
        .collect();
    let mut want_done = done.clone();
    want_done.sort_unstable();
    assert_eq!(store.done_shards().await.unwrap(), want_done);

    // The cells with data at order 5 (nested ids n·64 .. (n+1)·64 of
    // shard n at order 2), as the fixture wrote them.
    let order = 5u8;
    let per_shard = 1u64 << (2 * (order - PARENT));
    let mut want: Vec<(u64, f32)> = DATA_SHARDS
        .iter()
        .filter(|&&n| n != 100)
        .flat_map(|&n| n * per_shard..(n + 1) * per_shard)
        .filter(|&id| cell_values(id).0 > 0)
        .map(|id| (id, cell_values(id).1))
        .collect();
    want.sort_by_key(|p| p.0);
    let read = store
        .read_cells(order, "h_mean", None, f32s, |v| !v.is_nan())
        .await
        .unwrap();
    assert_eq!(read.shards, 4);
    assert_eq!(read.cells.len(), read.values.len());
    let mut got: Vec<(u64, f32)> = read.cells.into_iter().zip(read.values).collect();
    got.sort_by_key(|p| p.0);
    assert_eq!(got, want);
    // Kept as `keep` says: everything, fill values included.
    let all = store
        .read_cells(order, "h_mean", None, f32s, |_| true)
        .await
        .unwrap();
    assert_eq!(all.cells.len() as u64, 4 * per_shard);

    // The chunks of the shards asked, each once.
    let mut chunks: Vec<(u64, Column)> = store
        .read_chunks(order, "count", &done, None, 2)
        .try_collect()
        .await
        .unwrap();
    chunks.sort_by_key(|c| c.0);
    assert_eq!(
        chunks.iter().map(|c| c.0).collect::<Vec<_>>(),
        want_done,
        "one chunk per shard"
    );
    let empty = chunks.iter().find(|c| c.0 == shard_word(EMPTY_SHARD));
    assert!(
        matches!(empty, Some((_, Column::U32(v))) if v.iter().all(|&c| c == 0)),
        "{empty:?}"
    );

    // Errors: a chunk the caller refuses, a variable the store lacks.
    let e = store
        .read_cells(order, "count", None, f32s, |_| true)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ReadError::Refused(s) if done.contains(&s)),
        "{e:?}"
    );
    let e = store
        .read_cells(order, "no_such", None, f32s, |_| true)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ReadError::Store(s) if s.to_string().contains("no_such")),
        "{e:?}"
    );
}
