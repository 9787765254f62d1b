//! Reading one variable of a HEALPix store at one order: the cells with
//! data and their values, in the variable's own type.

use futures::{StreamExt, TryStreamExt};
use magg_store::{Column, FillValue, OutputStore, ShardStatus};

use crate::error::ExportError;

/// Chunks read at once.
const READ_CONCURRENCY: usize = 16;

/// A value type a store variable is exported in: the band type of the
/// GeoTIFF, with the variable's column and fill value in it.
pub trait Sample: crate::Band + PartialEq {
    /// The values of a column of this type (`None`: another type).
    fn column(c: Column) -> Option<Vec<Self>>;
    /// The fill value, if of this type.
    fn fill(f: FillValue) -> Option<Self>;
    /// Whether `self` is data: not the fill value, and not NaN.
    fn is_data(self, fill: Self) -> bool;
    /// The band's nodata value for a variable with this fill value: NaN
    /// for floats, the fill value itself for integers.
    fn nodata(fill: Self) -> Self;
}

macro_rules! sample {
    ($t:ty, $col:ident, $fill:ident, float) => {
        impl Sample for $t {
            fn column(c: Column) -> Option<Vec<$t>> {
                match c {
                    Column::$col(v) => Some(v),
                    _ => None,
                }
            }
            fn fill(f: FillValue) -> Option<$t> {
                match f {
                    FillValue::$fill(v) => Some(v),
                    _ => None,
                }
            }
            #[allow(clippy::float_cmp)] // fill values are sentinels
            fn is_data(self, fill: $t) -> bool {
                !self.is_nan() && self != fill
            }
            fn nodata(_: $t) -> $t {
                <$t>::NAN
            }
        }
    };
    ($t:ty, $col:ident, $fill:ident, int) => {
        impl Sample for $t {
            fn column(c: Column) -> Option<Vec<$t>> {
                match c {
                    Column::$col(v) => Some(v),
                    _ => None,
                }
            }
            fn fill(f: FillValue) -> Option<$t> {
                match f {
                    FillValue::$fill(v) => Some(v),
                    _ => None,
                }
            }
            fn is_data(self, fill: $t) -> bool {
                self != fill
            }
            fn nodata(fill: $t) -> $t {
                fill
            }
        }
    };
}
sample!(f32, F32, F32, float);
sample!(f64, F64, F64, float);
sample!(i32, I32, I32, int);
sample!(u32, U32, U32, int);
sample!(i64, I64, I64, int);
sample!(u64, U64, U64, int);

/// The cells with data of one variable at one order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreCells<T> {
    /// Nested ids at the order, ascending within each shard.
    pub cells: Vec<u64>,
    /// Their values (never the fill value, never NaN).
    pub values: Vec<T>,
    /// The variable's fill value.
    pub fill: T,
    /// Shards read (those with a completed status record).
    pub shards: usize,
}

/// Reads `variable` at `order` from every shard of `store` with a completed
/// status record (as `magg plot` does), keeping the cells whose value is
/// neither the fill value nor NaN. Shards not run, or not finished, hold no
/// data here. The caller has checked that the variable exists, is of type
/// `T` and that the store has the order.
pub async fn read_cells<T: Sample + Send>(
    store: &OutputStore,
    variable: &str,
    order: u8,
) -> Result<StoreCells<T>, ExportError> {
    let url = store.url();
    let read_err = |e: magg_store::StoreError| ExportError::Input(e.to_string());
    let var = store
        .spec()
        .variable(variable)
        .ok_or_else(|| ExportError::Input(format!("store {url}: no variable {variable:?}")))?;
    let fill = T::fill(var.fill_value).ok_or_else(|| {
        ExportError::Input(format!(
            "store {url}: variable {variable}: fill value {} is not of its dtype {}",
            var.fill_value, var.dtype
        ))
    })?;
    let shards: Vec<u64> = store
        .list_status()
        .await
        .map_err(read_err)?
        .into_iter()
        .filter(ShardStatus::is_done)
        .map(|s| s.shard)
        .collect();
    let parts: Vec<(Vec<u64>, Vec<T>)> = futures::stream::iter(shards.iter().copied())
        .map(|shard| async move {
            let column = store
                .read_chunk(order, variable, shard)
                .await
                .map_err(read_err)?;
            let dtype = column.dtype();
            let values = T::column(column).ok_or_else(|| {
                ExportError::Input(format!(
                    "store {url}, variable {variable}, shard {shard}: a chunk of {dtype}, not {}",
                    var.dtype
                ))
            })?;
            let range = store.chunk_range(shard, order).map_err(read_err)?;
            Ok::<_, ExportError>(range.zip(values).filter(|&(_, v)| v.is_data(fill)).unzip())
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let mut out = StoreCells {
        cells: Vec::new(),
        values: Vec::new(),
        fill,
        shards: shards.len(),
    };
    for (c, v) in parts {
        out.cells.extend(c);
        out.values.extend(v);
    }
    Ok(out)
}
