//! Per-shard chunk I/O: one chunk per array per order, covering exactly the
//! shard's descendant cells at that order; the chunk index is the shard's
//! place in the store's shard list ([`ShardChunks`](crate::ShardChunks)).
//!
//! Chunks whose values are all the fill value are not stored (and an older
//! chunk file at that key is deleted), so an empty shard leaves no data
//! chunks. Workers write only variables: the `cell_ids` and `morton` chunks
//! are the template's.

use std::ops::Range;

use zarrs::array::ArrayError;

use magg_agg::{Column, ColumnRef, Dtype};

use crate::error::{Result, StoreError};
use crate::spec::VariableSpec;
use crate::store::OutputStore;
use crate::template::{OrderArrays, ZArray};

impl OutputStore {
    /// The nested ids (at `order`) that the shard's chunk covers, in chunk order.
    pub fn chunk_range(&self, shard: u64, order: u8) -> Result<Range<u64>> {
        let (_, index) = self.arrays(shard, order)?;
        self.chunks.cell_ids(index, order).ok_or_else(|| {
            self.input(
                shard,
                order,
                "a tile of a rectilinear grid has no HEALPix cell ids".into(),
            )
        })
    }

    /// The shard's chunk index (its place in the store's shard list), after
    /// checking that `shard` is a cell word at the store's parent order and
    /// one of the store's shards.
    fn chunk_index(&self, shard: u64, order: u8) -> Result<u64> {
        if self.chunks.is_tiles() {
            return self.chunks.chunk(shard).ok_or_else(|| {
                self.input(
                    shard,
                    order,
                    format!(
                        "tile {shard} is not one of the store's {} tiles (the store was created \
                         for another shard map)",
                        self.chunks.len()
                    ),
                )
            });
        }
        let cell =
            magg_morton::decode(shard).map_err(|e| self.input(shard, order, e.to_string()))?;
        if cell.is_point || cell.order != self.spec.parent_order {
            return Err(self.input(
                shard,
                order,
                format!(
                    "shard word has order {}{}, the store's parent order is {}",
                    cell.order,
                    if cell.is_point { " (a point word)" } else { "" },
                    self.spec.parent_order
                ),
            ));
        }
        self.chunks.chunk(shard).ok_or_else(|| {
            self.input(
                shard,
                order,
                format!(
                    "shard {} is not one of the store's {} shards (the store was created \
                     for another shard map)",
                    cell.nested,
                    self.chunks.len()
                ),
            )
        })
    }

    fn arrays(&self, shard: u64, order: u8) -> Result<(&OrderArrays, u64)> {
        let index = self.chunk_index(shard, order)?;
        let arrays = self
            .orders
            .iter()
            .find(|a| a.order == order)
            .ok_or_else(|| {
                self.input(
                    shard,
                    order,
                    format!(
                        "order {order} is not in the store (orders {:?})",
                        self.spec.orders
                    ),
                )
            })?;
        Ok((arrays, index))
    }

    pub(crate) fn input(&self, shard: u64, order: u8, reason: String) -> StoreError {
        StoreError::Input {
            url: self.url.clone(),
            shard,
            order,
            reason,
        }
    }

    /// Writes one shard's chunk of every variable at `order` (the
    /// coordinates are the template's), in a store without time windows
    /// (with windows: [`write_window`](Self::write_window)). `columns` must
    /// name each variable of the spec exactly once, with its dtype and
    /// 4^(order − parent order) values in nested-id order (see
    /// [`chunk_range`](Self::chunk_range)).
    ///
    /// Any status record of the shard is deleted first, so a record always
    /// postdates the chunks it vouches for; write it with
    /// [`write_status`](Self::write_status) once every order is written.
    /// Chunks are byte-identical for identical input.
    pub async fn write_shard(
        &self,
        shard: u64,
        order: u8,
        columns: &[(&str, ColumnRef<'_>)],
    ) -> Result<()> {
        if !self.spec.windows.is_empty() {
            return Err(self.input(
                shard,
                order,
                format!(
                    "the store has {} time windows: write each with write_window",
                    self.spec.windows.len()
                ),
            ));
        }
        let (arrays, index) = self.arrays(shard, order)?;
        let at = self.position(shard, index)?;
        self.write_set(
            shard,
            order,
            (&arrays.variables, &self.spec.variables),
            columns,
            &at,
        )
        .await
    }

    /// [`write_shard`](Self::write_shard) for time window `window` (an
    /// index into the spec's windows) of a store with windows: chunk
    /// (window, shard) of every per-window variable, exactly what a store
    /// of that window alone holds in the shard's chunk.
    pub async fn write_window(
        &self,
        shard: u64,
        window: usize,
        order: u8,
        columns: &[(&str, ColumnRef<'_>)],
    ) -> Result<()> {
        let (arrays, index) = self.arrays(shard, order)?;
        let mut at = vec![self.window(shard, order, window)?];
        at.extend(self.position(shard, index)?);
        self.write_set(
            shard,
            order,
            (&arrays.variables, &self.spec.variables),
            columns,
            &at,
        )
        .await
    }

    /// Writes one shard's chunk of every derived variable at `order` (no
    /// time dimension), as [`write_shard`](Self::write_shard) does.
    pub async fn write_derived(
        &self,
        shard: u64,
        order: u8,
        columns: &[(&str, ColumnRef<'_>)],
    ) -> Result<()> {
        let (arrays, index) = self.arrays(shard, order)?;
        let at = self.position(shard, index)?;
        self.write_set(
            shard,
            order,
            (&arrays.derived, &self.spec.derived),
            columns,
            &at,
        )
        .await
    }

    /// The chunk coordinates of shard `shard` (chunk index `index`) in an
    /// array without `time`: a tile's is where the grid puts it (row,
    /// column), a HEALPix shard's its place in the shard list.
    fn position(&self, shard: u64, index: u64) -> Result<Vec<u64>> {
        match &self.spec.grid {
            Some(rect) => crate::rect::chunk_position(rect, shard),
            None => Ok(vec![index]),
        }
    }

    /// The window index `window` as a chunk coordinate, after checking it.
    fn window(&self, shard: u64, order: u8, window: usize) -> Result<u64> {
        if window < self.spec.windows.len() {
            Ok(window as u64)
        } else {
            Err(self.input(
                shard,
                order,
                format!(
                    "time window {window}: the store has {} windows",
                    self.spec.windows.len()
                ),
            ))
        }
    }

    async fn write_set(
        &self,
        shard: u64,
        order: u8,
        (arrays, specs): (&[ZArray], &[VariableSpec]),
        columns: &[(&str, ColumnRef<'_>)],
        at: &[u64],
    ) -> Result<()> {
        let len = self.chunks.chunk_len(order) as usize;
        let ordered = self.match_columns(shard, order, specs, columns, len)?;
        self.clear_status(shard).await?;
        let writes = arrays
            .iter()
            .zip(ordered)
            .map(|(array, column)| store_chunk(array, at, column));
        let results = futures::future::join_all(writes).await;
        for (result, array) in results.into_iter().zip(arrays) {
            result.map_err(|e| self.chunk_error(array, at, shard, e))?;
        }
        Ok(())
    }

    /// Puts `columns` in the order of `specs` after checking names, dtypes
    /// and lengths.
    fn match_columns<'c>(
        &self,
        shard: u64,
        order: u8,
        specs: &[VariableSpec],
        columns: &[(&str, ColumnRef<'c>)],
        len: usize,
    ) -> Result<Vec<ColumnRef<'c>>> {
        let mut ordered: Vec<Option<ColumnRef<'c>>> = vec![None; specs.len()];
        for (name, column) in columns {
            let i = specs
                .iter()
                .position(|v| v.name == *name)
                .ok_or_else(|| self.input(shard, order, format!("unknown variable {name}")))?;
            let var = &specs[i];
            if column.dtype() != var.dtype {
                return Err(self.input(
                    shard,
                    order,
                    format!(
                        "variable {name}: got {} values, the store holds {}",
                        column.dtype(),
                        var.dtype
                    ),
                ));
            }
            if column.len() != len {
                return Err(self.input(
                    shard,
                    order,
                    format!(
                        "variable {name}: got {} values, a chunk holds {len}",
                        column.len()
                    ),
                ));
            }
            if ordered[i].replace(*column).is_some() {
                return Err(self.input(shard, order, format!("variable {name} given twice")));
            }
        }
        ordered
            .into_iter()
            .zip(specs)
            .map(|(c, v)| {
                c.ok_or_else(|| self.input(shard, order, format!("variable {} missing", v.name)))
            })
            .collect()
    }

    /// Reads one shard's chunk of a variable (or its cells of `cell_ids` /
    /// `morton`) at `order`; a chunk never written reads as all fill values.
    /// A per-window variable of a store with windows needs
    /// [`read_window_chunk`](Self::read_window_chunk).
    pub async fn read_chunk(&self, order: u8, name: &str, shard: u64) -> Result<Column> {
        self.read_window_chunk(order, name, shard, None).await
    }

    /// [`read_chunk`](Self::read_chunk) of time window `window` (an index
    /// into the spec's windows) for a per-window variable of a store with
    /// windows; `None` for anything without a time dimension.
    pub async fn read_window_chunk(
        &self,
        order: u8,
        name: &str,
        shard: u64,
        window: Option<usize>,
    ) -> Result<Column> {
        let (arrays, index) = self.arrays(shard, order)?;
        if let Some(array) = arrays.coordinate(name) {
            // Coordinate chunks hold several shards: read this shard's cells.
            let cells = self.chunks.chunk_len(order);
            #[allow(clippy::single_range_in_vec_init)] // a 1-D subset: one range per dimension
            let subset = [index * cells..(index + 1) * cells];
            let chunk = self.coordinate_chunk(order, index);
            return array
                .async_retrieve_array_subset(&subset)
                .await
                .map(Column::U64)
                .map_err(|e| self.chunk_error(array, &[chunk], shard, e));
        }
        let array = arrays
            .variable(&self.spec, name)
            .ok_or_else(|| self.input(shard, order, format!("unknown variable {name}")))?;
        let dtype = self.spec.variable(name).map_or(Dtype::Uint64, |v| v.dtype);
        let idx = self.chunk_at(shard, order, name, index, window)?;
        let idx = idx.as_slice();
        let column = match dtype {
            Dtype::Float32 => array.async_retrieve_chunk(idx).await.map(Column::F32),
            Dtype::Float64 => array.async_retrieve_chunk(idx).await.map(Column::F64),
            Dtype::Int32 => array.async_retrieve_chunk(idx).await.map(Column::I32),
            Dtype::Int64 => array.async_retrieve_chunk(idx).await.map(Column::I64),
            Dtype::Uint32 => array.async_retrieve_chunk(idx).await.map(Column::U32),
            Dtype::Uint64 => array.async_retrieve_chunk(idx).await.map(Column::U64),
        };
        column.map_err(|e| self.chunk_error(array, idx, shard, e))
    }

    /// The chunk coordinates of shard `index` of variable `name`: with the
    /// window for a per-window variable of a store with windows (which
    /// must then be given), else without (and none may be given).
    fn chunk_at(
        &self,
        shard: u64,
        order: u8,
        name: &str,
        index: u64,
        window: Option<usize>,
    ) -> Result<Vec<u64>> {
        match (self.spec.has_time(name), window) {
            (true, Some(w)) => {
                let mut at = vec![self.window(shard, order, w)?];
                at.extend(self.position(shard, index)?);
                Ok(at)
            }
            (false, None) => self.position(shard, index),
            (true, None) => Err(self.input(
                shard,
                order,
                format!(
                    "variable {name} has a time dimension ({} windows): name the window",
                    self.spec.windows.len()
                ),
            )),
            (false, Some(w)) => Err(self.input(
                shard,
                order,
                format!("variable {name} has no time dimension (window {w} given)"),
            )),
        }
    }

    /// The key (relative to the store root) of the chunk holding the shard's
    /// cells of `name` at `order`: the shard's own chunk for a variable, the
    /// chunk of several shards that holds them for `cell_ids` / `morton`.
    /// For a per-window variable of a store with windows: window 0's (see
    /// [`window_chunk_key`](Self::window_chunk_key)).
    pub fn chunk_key(&self, order: u8, name: &str, shard: u64) -> Result<String> {
        let window = self.spec.has_time(name).then_some(0);
        self.window_chunk_key(order, name, shard, window)
    }

    /// [`chunk_key`](Self::chunk_key) of time window `window` (`None`
    /// for anything without a time dimension).
    pub fn window_chunk_key(
        &self,
        order: u8,
        name: &str,
        shard: u64,
        window: Option<usize>,
    ) -> Result<String> {
        let (arrays, index) = self.arrays(shard, order)?;
        if let Some(array) = arrays.coordinate(name) {
            let chunk = self.coordinate_chunk(order, index);
            return Ok(array.chunk_key(&[chunk]).to_string());
        }
        let array = arrays
            .variable(&self.spec, name)
            .ok_or_else(|| self.input(shard, order, format!("unknown variable {name}")))?;
        let at = self.chunk_at(shard, order, name, index, window)?;
        Ok(array.chunk_key(&at).to_string())
    }

    /// The coordinate chunk holding shard `index` at `order`.
    fn coordinate_chunk(&self, order: u8, index: u64) -> u64 {
        index / crate::template::coordinate_chunk_shards(&self.chunks, order)
    }

    fn chunk_error(&self, array: &ZArray, at: &[u64], shard: u64, e: ArrayError) -> StoreError {
        StoreError::Storage {
            url: self.url.clone(),
            key: format!("{} (shard {shard})", array.chunk_key(at)),
            source: e.into(),
        }
    }
}

async fn store_chunk(array: &ZArray, at: &[u64], column: ColumnRef<'_>) -> Result<(), ArrayError> {
    match column {
        ColumnRef::F32(v) => array.async_store_chunk(at, v).await,
        ColumnRef::F64(v) => array.async_store_chunk(at, v).await,
        ColumnRef::I32(v) => array.async_store_chunk(at, v).await,
        ColumnRef::I64(v) => array.async_store_chunk(at, v).await,
        ColumnRef::U32(v) => array.async_store_chunk(at, v).await,
        ColumnRef::U64(v) => array.async_store_chunk(at, v).await,
    }
}
