//! Reading a variable back as `magg plot` and `magg export` draw it: the
//! shards (tiles) with a completed status record, their chunks of one
//! variable at one order (and time window), and on a HEALPix store the
//! cells with data among them.

use futures::{Stream, StreamExt, TryStreamExt};

use magg_agg::Column;

use crate::error::{Result, StoreError};
use crate::status::ShardStatus;
use crate::store::OutputStore;

impl OutputStore {
    /// The shards (on a rectilinear grid, the tiles) with a completed
    /// status record, ascending: those whose chunks hold their data.
    pub async fn done_shards(&self) -> Result<Vec<u64>> {
        Ok(self
            .list_status()
            .await?
            .into_iter()
            .filter(ShardStatus::is_done)
            .map(|s| s.shard)
            .collect())
    }

    /// The chunks of variable `name` at `order` (time window `window`, as
    /// [`read_window_chunk`](Self::read_window_chunk)) of each of `shards`,
    /// `concurrency` read at once: `(shard, chunk)` as each arrives, in no
    /// fixed order.
    pub fn read_chunks<'a>(
        &'a self,
        order: u8,
        name: &'a str,
        shards: &'a [u64],
        window: Option<usize>,
        concurrency: usize,
    ) -> impl Stream<Item = Result<(u64, Column)>> + 'a {
        futures::stream::iter(shards.iter().copied())
            .map(move |shard| async move {
                let column = self.read_window_chunk(order, name, shard, window).await?;
                Ok((shard, column))
            })
            .buffer_unordered(concurrency)
    }

    /// The cells of a HEALPix store that hold data of variable `name` at
    /// `order` (time window `window`) in every shard with a completed
    /// status record ([`done_shards`](Self::done_shards),
    /// [`read_chunks`](Self::read_chunks), [`READ_CONCURRENCY`] at once):
    /// each chunk's values as `T`s (`values(shard, chunk)`, which may refuse
    /// a chunk), those `keep` accepts, and the nested ids (at `order`) of
    /// their cells. Ascending within a shard; the shards in the order their
    /// chunks arrived.
    ///
    /// # Errors
    /// A status record or chunk that cannot be read, a chunk that is not
    /// one of the store's cells (a [`StoreError`], as `E`), or one `values`
    /// refuses.
    pub async fn read_cells<T, E>(
        &self,
        order: u8,
        name: &str,
        window: Option<usize>,
        values: impl Fn(u64, Column) -> std::result::Result<Vec<T>, E>,
        keep: impl Fn(&T) -> bool,
    ) -> std::result::Result<CellsWithData<T>, E>
    where
        E: From<StoreError>,
    {
        let shards = self.done_shards().await?;
        let parts: Vec<(Vec<u64>, Vec<T>)> = self
            .read_chunks(order, name, &shards, window, READ_CONCURRENCY)
            .map_err(E::from)
            .and_then(|(shard, column)| {
                let cells = values(shard, column).and_then(|values| {
                    let range = self.chunk_range(shard, order)?;
                    Ok(range.zip(values).filter(|(_, v)| keep(v)).unzip())
                });
                futures::future::ready(cells)
            })
            .try_collect()
            .await?;
        let mut out = CellsWithData {
            cells: Vec::new(),
            values: Vec::new(),
            shards: shards.len(),
        };
        for (c, v) in parts {
            out.cells.extend(c);
            out.values.extend(v);
        }
        Ok(out)
    }
}

/// Chunks [`OutputStore::read_cells`] reads at once.
pub const READ_CONCURRENCY: usize = 16;

/// What [`OutputStore::read_cells`] read: the cells kept and their values.
#[derive(Debug, Clone, PartialEq)]
pub struct CellsWithData<T> {
    /// Nested ids at the order read, ascending within each shard.
    pub cells: Vec<u64>,
    /// Their values, one per cell.
    pub values: Vec<T>,
    /// Shards read: those with a completed status record (0: nothing run
    /// yet, or nothing finished).
    pub shards: usize,
}
