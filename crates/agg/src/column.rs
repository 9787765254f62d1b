//! Typed 1-D columns of a shard's cells: owned ([`Column`], what a
//! reduction produces and a chunk read returns) and borrowed
//! ([`ColumnRef`], what a chunk write takes).
//!
//! `magg-store` writes and reads these same types (it re-exports them):
//! the aggregation hands its columns to the store without conversion.

use crate::dtype::{Dtype, FillValue};

/// One output variable over the cells of a shard, in its configured dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// `float32` values.
    F32(Vec<f32>),
    /// `float64` values.
    F64(Vec<f64>),
    /// `int32` values.
    I32(Vec<i32>),
    /// `uint32` values.
    U32(Vec<u32>),
    /// `int64` values.
    I64(Vec<i64>),
    /// `uint64` values.
    U64(Vec<u64>),
}

impl Column {
    /// A column of `len` fill values, of the fill value's dtype.
    pub fn filled(fill: FillValue, len: usize) -> Column {
        match fill {
            FillValue::F32(v) => Column::F32(vec![v; len]),
            FillValue::F64(v) => Column::F64(vec![v; len]),
            FillValue::I32(v) => Column::I32(vec![v; len]),
            FillValue::U32(v) => Column::U32(vec![v; len]),
            FillValue::I64(v) => Column::I64(vec![v; len]),
            FillValue::U64(v) => Column::U64(vec![v; len]),
        }
    }

    /// Borrows the values.
    pub fn as_ref(&self) -> ColumnRef<'_> {
        match self {
            Column::F32(v) => ColumnRef::F32(v),
            Column::F64(v) => ColumnRef::F64(v),
            Column::I32(v) => ColumnRef::I32(v),
            Column::U32(v) => ColumnRef::U32(v),
            Column::I64(v) => ColumnRef::I64(v),
            Column::U64(v) => ColumnRef::U64(v),
        }
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        self.as_ref().dtype()
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.as_ref().len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as `f64` (exact for every dtype but 64-bit integers above
    /// 2^53), for plotting and checks.
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Column::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Column::F64(v) => v.clone(),
            Column::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Column::U32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Column::I64(v) => v.iter().map(|&x| x as f64).collect(),
            Column::U64(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }

    /// Element `i` widened to f64 (for inspection and tests).
    pub fn get_f64(&self, i: usize) -> f64 {
        match self {
            Column::F32(v) => f64::from(v[i]),
            Column::F64(v) => v[i],
            Column::I32(v) => f64::from(v[i]),
            Column::U32(v) => f64::from(v[i]),
            Column::I64(v) => v[i] as f64,
            Column::U64(v) => v[i] as f64,
        }
    }

    /// Stores the f64 result `value` at `i`, converted as numpy's assignment
    /// into an array of this dtype does: floats round to nearest; integers
    /// truncate toward zero (saturating). A NaN/∞ result in an integer
    /// column stores `fill` (the column's own fill value) instead (numpy's
    /// result would be undefined).
    pub(crate) fn set(&mut self, i: usize, value: f64, fill: FillValue) {
        let int = || {
            if value.is_finite() {
                value as i128
            } else {
                fill.as_i128()
            }
        };
        match self {
            Column::F32(v) => v[i] = value as f32,
            Column::F64(v) => v[i] = value,
            Column::I32(v) => v[i] = int().clamp(i32::MIN.into(), i32::MAX.into()) as i32,
            Column::U32(v) => v[i] = int().clamp(0, u32::MAX.into()) as u32,
            Column::I64(v) => v[i] = int().clamp(i64::MIN.into(), i64::MAX.into()) as i64,
            Column::U64(v) => v[i] = int().clamp(0, u64::MAX.into()) as u64,
        }
    }
}

/// A borrowed column of one dtype (one value per cell of a shard's chunk).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnRef<'a> {
    /// `float32` values.
    F32(&'a [f32]),
    /// `float64` values.
    F64(&'a [f64]),
    /// `int32` values.
    I32(&'a [i32]),
    /// `uint32` values.
    U32(&'a [u32]),
    /// `int64` values.
    I64(&'a [i64]),
    /// `uint64` values.
    U64(&'a [u64]),
}

impl ColumnRef<'_> {
    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            ColumnRef::F32(_) => Dtype::Float32,
            ColumnRef::F64(_) => Dtype::Float64,
            ColumnRef::I32(_) => Dtype::Int32,
            ColumnRef::U32(_) => Dtype::Uint32,
            ColumnRef::I64(_) => Dtype::Int64,
            ColumnRef::U64(_) => Dtype::Uint64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ColumnRef::F32(v) => v.len(),
            ColumnRef::F64(v) => v.len(),
            ColumnRef::I32(v) => v.len(),
            ColumnRef::U32(v) => v.len(),
            ColumnRef::I64(v) => v.len(),
            ColumnRef::U64(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

macro_rules! column_ref_from_slice {
    ($($t:ty => $variant:ident),*) => {$(
        impl<'a> From<&'a [$t]> for ColumnRef<'a> {
            fn from(v: &'a [$t]) -> Self {
                ColumnRef::$variant(v)
            }
        }
    )*};
}
column_ref_from_slice!(f32 => F32, f64 => F64, i32 => I32, u32 => U32, i64 => I64, u64 => U64);
