//! Reading one variable of a HEALPix store at one order: the cells with
//! data and their values, in the variable's own type.

use magg_store::{Column, FillValue, OutputStore, VariableSpec};

use crate::error::ExportError;

/// A value type a store variable is exported in: the band type of the
/// GeoTIFF, with the variable's column and fill value in it.
pub trait Sample: crate::Band + PartialOrd {
    /// The band's nodata for every variable of the type: NaN for floats;
    /// `None` for integers, whose nodata is the variable's fill value.
    const NAN: Option<Self>;
    /// The values of a column of this type (`None`: another type).
    fn column(c: Column) -> Option<Vec<Self>>;
    /// The fill value, if of this type.
    fn fill(f: FillValue) -> Option<Self>;
    /// Whether `self` is data: not the fill value, and not NaN (the one
    /// value not ordered against itself).
    fn is_data(self, fill: Self) -> bool {
        self != fill && self.partial_cmp(&self).is_some()
    }
    /// The band's nodata value for a variable with this fill value.
    fn nodata(fill: Self) -> Self {
        Self::NAN.unwrap_or(fill)
    }
}

macro_rules! sample {
    ($t:ty, $variant:ident, $nan:expr) => {
        impl Sample for $t {
            const NAN: Option<$t> = $nan;
            fn column(c: Column) -> Option<Vec<$t>> {
                match c {
                    Column::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn fill(f: FillValue) -> Option<$t> {
                match f {
                    FillValue::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
sample!(f32, F32, Some(f32::NAN));
sample!(f64, F64, Some(f64::NAN));
sample!(i32, I32, None);
sample!(u32, U32, None);
sample!(i64, I64, None);
sample!(u64, U64, None);

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

/// Reads `variable` at `order` (and time window `window`, an index into the
/// store's windows, for a variable with a time dimension: see
/// [`StoreSpec::window_for`](magg_store::StoreSpec::window_for)) from every
/// shard of `store` with a completed status record (as `magg plot` does),
/// keeping the cells whose value is neither the fill value nor NaN. Shards
/// not run, or not finished, hold no data here. The caller has checked
/// that the variable exists, is of type `T` and that the store has the
/// order.
pub async fn read_cells<T: Sample + Send>(
    store: &OutputStore,
    variable: &str,
    order: u8,
    window: Option<usize>,
) -> Result<StoreCells<T>, ExportError> {
    let (var, fill) = variable_fill::<T>(store, variable)?;
    let read = store
        .read_cells(
            order,
            variable,
            window,
            |shard, column| values_of::<T>(store, var, shard, column),
            |&v| v.is_data(fill),
        )
        .await?;
    Ok(StoreCells {
        cells: read.cells,
        values: read.values,
        fill,
        shards: read.shards,
    })
}

/// The variable `variable` of `store` and its fill value as a `T`.
pub(crate) fn variable_fill<'s, T: Sample>(
    store: &'s OutputStore,
    variable: &str,
) -> Result<(&'s VariableSpec, T), ExportError> {
    let url = store.url();
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
    Ok((var, fill))
}

/// The values of `var`'s chunk `column` of `shard` as `T`s (an error
/// naming them when the chunk is of another type).
pub(crate) fn values_of<T: Sample>(
    store: &OutputStore,
    var: &VariableSpec,
    shard: u64,
    column: Column,
) -> Result<Vec<T>, ExportError> {
    let dtype = column.dtype();
    T::column(column).ok_or_else(|| {
        ExportError::Input(format!(
            "store {}, variable {}, shard {shard}: a chunk of {dtype}, not {}",
            store.url(),
            var.name,
            var.dtype
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_neither_fill_nor_nan() {
        assert!(1.5f32.is_data(f32::NAN));
        assert!(!f32::NAN.is_data(f32::NAN));
        assert!(!f64::NAN.is_data(-9999.0));
        assert!(!(-9999.0f64).is_data(-9999.0));
        assert!(3u32.is_data(0) && !0u32.is_data(0));
        assert!(0i32.is_data(-1) && !(-1i32).is_data(-1));
        assert!(f32::nodata(-9999.0).is_nan());
        assert_eq!(u32::nodata(0), 0);
        assert_eq!(i64::nodata(-9), -9);
        assert_eq!(u64::column(Column::U64(vec![7])), Some(vec![7]));
        assert_eq!(u64::column(Column::U32(vec![7])), None);
        assert_eq!(i32::fill(FillValue::I32(-1)), Some(-1));
        assert_eq!(i32::fill(FillValue::U32(0)), None);
    }
}
