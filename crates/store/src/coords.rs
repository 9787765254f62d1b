//! The coordinate arrays (`cell_ids`, `morton`) of every order, written
//! once with the template: the shard list is known before the run, so the
//! coordinates are valid over every slot of the store from the start,
//! whether or not a shard has data (or has run yet).
//!
//! Their chunks hold [`coordinate_chunk_shards`] shards each (the variables'
//! hold one): chunk *j* = shards *j·k* .. *(j+1)·k* in the shard list; the
//! last chunk is padded to full length with the fill value, beyond the
//! array's end, where no reader looks.

use std::ops::Range;

use futures::{StreamExt, TryStreamExt};

use crate::error::{Result, StoreError};
use crate::shards::ShardChunks;
use crate::template::{CELL_IDS_FILL, MORTON_FILL, OrderArrays, ZArray, coordinate_chunk_shards};

/// Coordinate chunks encoded and written at once.
const CONCURRENCY: usize = 8;

/// Writes every chunk of the `cell_ids` and `morton` arrays of one order.
pub(crate) async fn write_coordinates(
    arrays: &OrderArrays,
    chunks: &ShardChunks,
    url: &str,
) -> Result<()> {
    let per = coordinate_chunk_shards(chunks, arrays.order);
    let n = chunks.len() as u64;
    futures::stream::iter(0..n.div_ceil(per))
        .map(|j| write_one(arrays, chunks, j, j * per..((j + 1) * per).min(n), per, url))
        .buffer_unordered(CONCURRENCY)
        .try_collect::<()>()
        .await
}

/// Coordinate chunk `j`: the cells of the shards at `shards` in the list.
async fn write_one(
    arrays: &OrderArrays,
    chunks: &ShardChunks,
    j: u64,
    shards: Range<u64>,
    per: u64,
    url: &str,
) -> Result<()> {
    let order = arrays.order;
    let len = (per * chunks.chunk_len(order)) as usize;
    let mut ids = Vec::with_capacity(len);
    for i in shards {
        ids.extend(chunks.cell_ids(i, order).expect("a shard of the list"));
    }
    let mut words = ids
        .iter()
        .map(|&id| magg_morton::encode(order, id))
        .collect::<Result<Vec<u64>, _>>()
        .map_err(|e| StoreError::Spec(format!("order {order}, coordinate chunk {j}: {e}")))?;
    ids.resize(len, CELL_IDS_FILL);
    words.resize(len, MORTON_FILL);
    futures::try_join!(
        store(&arrays.cell_ids, j, &ids, url),
        store(&arrays.morton, j, &words, url)
    )?;
    Ok(())
}

async fn store(array: &ZArray, j: u64, values: &[u64], url: &str) -> Result<()> {
    array
        .async_store_chunk(&[j], values)
        .await
        .map_err(|e| StoreError::Storage {
            url: url.to_string(),
            key: array.chunk_key(&[j]).to_string(),
            source: e.into(),
        })
}
