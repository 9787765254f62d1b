//! The coordinate chunks (`cell_ids`, `morton`) of every shard at every
//! order, written once with the template: the shard list is known before
//! the run, so the coordinates are valid over every slot of the store from
//! the start, whether or not a shard has data (or has run yet).

use futures::{StreamExt, TryStreamExt};

use crate::error::{Result, StoreError};
use crate::shards::ShardChunks;
use crate::template::{OrderArrays, ZArray};

/// Coordinate chunks encoded and written at once.
const CONCURRENCY: usize = 64;

/// Writes the `cell_ids` and `morton` chunk of every shard at one order.
pub(crate) async fn write_coordinates(
    arrays: &OrderArrays,
    chunks: &ShardChunks,
    url: &str,
) -> Result<()> {
    futures::stream::iter(0..chunks.len() as u64)
        .map(|i| write_one(arrays, chunks, i, url))
        .buffer_unordered(CONCURRENCY)
        .try_collect::<()>()
        .await
}

/// One shard's two coordinate chunks at one order.
async fn write_one(arrays: &OrderArrays, chunks: &ShardChunks, i: u64, url: &str) -> Result<()> {
    let order = arrays.order;
    let ids: Vec<u64> = chunks
        .cell_ids(i, order)
        .expect("chunk index below the shard count")
        .collect();
    let words = ids
        .iter()
        .map(|&id| magg_morton::encode(order, id))
        .collect::<Result<Vec<u64>, _>>()
        .map_err(|e| StoreError::Spec(format!("order {order}, chunk {i}: {e}")))?;
    futures::try_join!(
        store(&arrays.cell_ids, i, &ids, url),
        store(&arrays.morton, i, &words, url)
    )?;
    Ok(())
}

async fn store(array: &ZArray, i: u64, values: &[u64], url: &str) -> Result<()> {
    array
        .async_store_chunk(&[i], values)
        .await
        .map_err(|e| StoreError::Storage {
            url: url.to_string(),
            key: array.chunk_key(&[i]).to_string(),
            source: e.into(),
        })
}
