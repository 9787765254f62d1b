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
        store(arrays.cell_ids.as_ref().expect("HEALPix"), j, &ids, url),
        store(arrays.morton.as_ref().expect("HEALPix"), j, &words, url)
    )?;
    Ok(())
}

/// Writes `time` (window mid-times) and `time_bnds` (starts and ends),
/// in days since 1970-01-01, when the store has windows.
pub(crate) async fn write_time(
    arrays: &OrderArrays,
    spec: &crate::StoreSpec,
    url: &str,
) -> Result<()> {
    let Some((time, bounds)) = &arrays.time else {
        return Ok(());
    };
    let day = 86_400.0;
    let mids: Vec<f64> = spec.windows.iter().map(|w| w.mid() / day).collect();
    let ends: Vec<f64> = spec
        .windows
        .iter()
        .flat_map(|w| [w.start / day, w.end / day])
        .collect();
    futures::try_join!(
        store_at(time, &[0], &mids, url),
        store_at(bounds, &[0, 0], &ends, url)
    )?;
    Ok(())
}

async fn store(array: &ZArray, j: u64, values: &[u64], url: &str) -> Result<()> {
    store_at(array, &[j], values, url).await
}

pub(crate) async fn store_at<T: zarrs::array::Element + Send + Sync>(
    array: &ZArray,
    at: &[u64],
    values: &[T],
    url: &str,
) -> Result<()> {
    array
        .async_store_chunk(at, values)
        .await
        .map_err(|e| StoreError::Storage {
            url: url.to_string(),
            key: array.chunk_key(at).to_string(),
            source: e.into(),
        })
}
