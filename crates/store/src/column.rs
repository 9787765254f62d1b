//! Typed 1-D columns: borrowed ([`ColumnRef`]) for writing one shard's
//! chunk, owned ([`Column`]) for reading it back.

use crate::spec::DType;

/// A borrowed column of one dtype (one value per child cell of a shard).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnRef<'a> {
    /// `float32` values.
    F32(&'a [f32]),
    /// `float64` values.
    F64(&'a [f64]),
    /// `int32` values.
    I32(&'a [i32]),
    /// `int64` values.
    I64(&'a [i64]),
    /// `uint32` values.
    U32(&'a [u32]),
    /// `uint64` values.
    U64(&'a [u64]),
}

impl ColumnRef<'_> {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            ColumnRef::F32(_) => DType::F32,
            ColumnRef::F64(_) => DType::F64,
            ColumnRef::I32(_) => DType::I32,
            ColumnRef::I64(_) => DType::I64,
            ColumnRef::U32(_) => DType::U32,
            ColumnRef::U64(_) => DType::U64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ColumnRef::F32(v) => v.len(),
            ColumnRef::F64(v) => v.len(),
            ColumnRef::I32(v) => v.len(),
            ColumnRef::I64(v) => v.len(),
            ColumnRef::U32(v) => v.len(),
            ColumnRef::U64(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An owned column of one dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// `float32` values.
    F32(Vec<f32>),
    /// `float64` values.
    F64(Vec<f64>),
    /// `int32` values.
    I32(Vec<i32>),
    /// `int64` values.
    I64(Vec<i64>),
    /// `uint32` values.
    U32(Vec<u32>),
    /// `uint64` values.
    U64(Vec<u64>),
}

impl Column {
    /// Borrows the values.
    pub fn as_ref(&self) -> ColumnRef<'_> {
        match self {
            Column::F32(v) => ColumnRef::F32(v),
            Column::F64(v) => ColumnRef::F64(v),
            Column::I32(v) => ColumnRef::I32(v),
            Column::I64(v) => ColumnRef::I64(v),
            Column::U32(v) => ColumnRef::U32(v),
            Column::U64(v) => ColumnRef::U64(v),
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.as_ref().dtype()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.as_ref().len()
    }

    /// True when there are no elements.
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
            Column::I64(v) => v.iter().map(|&x| x as f64).collect(),
            Column::U32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Column::U64(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }
}

impl<'a> From<&'a [f32]> for ColumnRef<'a> {
    fn from(v: &'a [f32]) -> Self {
        ColumnRef::F32(v)
    }
}
impl<'a> From<&'a [f64]> for ColumnRef<'a> {
    fn from(v: &'a [f64]) -> Self {
        ColumnRef::F64(v)
    }
}
impl<'a> From<&'a [i32]> for ColumnRef<'a> {
    fn from(v: &'a [i32]) -> Self {
        ColumnRef::I32(v)
    }
}
impl<'a> From<&'a [i64]> for ColumnRef<'a> {
    fn from(v: &'a [i64]) -> Self {
        ColumnRef::I64(v)
    }
}
impl<'a> From<&'a [u32]> for ColumnRef<'a> {
    fn from(v: &'a [u32]) -> Self {
        ColumnRef::U32(v)
    }
}
impl<'a> From<&'a [u64]> for ColumnRef<'a> {
    fn from(v: &'a [u64]) -> Self {
        ColumnRef::U64(v)
    }
}
