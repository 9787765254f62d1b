//! Input of the reduction: columns of observations as read from a granule
//! (one [`Batch`] per granule and beam), in their file types.

/// A typed slice of one dataset's values.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// float32 values.
    F32(&'a [f32]),
    /// float64 values.
    F64(&'a [f64]),
    /// int8 values.
    I8(&'a [i8]),
    /// int16 values.
    I16(&'a [i16]),
    /// int32 values.
    I32(&'a [i32]),
    /// int64 values.
    I64(&'a [i64]),
    /// uint8 values.
    U8(&'a [u8]),
    /// uint16 values.
    U16(&'a [u16]),
    /// uint32 values.
    U32(&'a [u32]),
    /// uint64 values.
    U64(&'a [u64]),
}

/// Runs `$body` with `$v` bound to the typed slice and `$conv` to a closure
/// widening one element to f64.
macro_rules! with_slice {
    ($values:expr, $v:ident, $body:expr) => {
        match $values {
            Values::F32($v) => $body,
            Values::F64($v) => $body,
            Values::I8($v) => $body,
            Values::I16($v) => $body,
            Values::I32($v) => $body,
            Values::I64($v) => $body,
            Values::U8($v) => $body,
            Values::U16($v) => $body,
            Values::U32($v) => $body,
            Values::U64($v) => $body,
        }
    };
}

/// Widening to f64 (64-bit integers beyond 2^53 round, as numpy's cast does).
pub(crate) trait ToF64: Copy {
    fn to_f64(self) -> f64;
}

macro_rules! impl_to_f64 {
    ($($t:ty),*) => {$(
        impl ToF64 for $t {
            #[inline]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}
impl_to_f64!(f32, f64, i8, i16, i32, u8, u16, u32);

impl ToF64 for i64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl ToF64 for u64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Values<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        with_slice!(self, v, v.len())
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The numpy name of the element type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Values::F32(_) => "float32",
            Values::F64(_) => "float64",
            Values::I8(_) => "int8",
            Values::I16(_) => "int16",
            Values::I32(_) => "int32",
            Values::I64(_) => "int64",
            Values::U8(_) => "uint8",
            Values::U16(_) => "uint16",
            Values::U32(_) => "uint32",
            Values::U64(_) => "uint64",
        }
    }

    /// Keeps in `rows` only the rows where `pred(value as f64)` holds.
    pub(crate) fn retain_rows(&self, rows: &mut Vec<u32>, pred: impl Fn(f64) -> bool) {
        with_slice!(self, v, rows.retain(|&r| pred(v[r as usize].to_f64())));
    }

    /// Appends the values at `rows`, widened to f64, to `out`.
    pub(crate) fn gather(&self, rows: &[u32], out: &mut Vec<f64>) {
        with_slice!(
            self,
            v,
            out.extend(rows.iter().map(|&r| v[r as usize].to_f64()))
        );
    }
}

impl<'a> From<&'a [f32]> for Values<'a> {
    fn from(v: &'a [f32]) -> Self {
        Values::F32(v)
    }
}

impl<'a> From<&'a [f64]> for Values<'a> {
    fn from(v: &'a [f64]) -> Self {
        Values::F64(v)
    }
}

impl<'a> From<&'a [i8]> for Values<'a> {
    fn from(v: &'a [i8]) -> Self {
        Values::I8(v)
    }
}

/// One dataset's values and its `_FillValue` (values equal to it are dropped).
#[derive(Debug, Clone, Copy)]
pub struct SourceSlice<'a> {
    /// The values.
    pub values: Values<'a>,
    /// The dataset's fill value, widened to f64, if it has one.
    pub fill_value: Option<f64>,
}

impl<'a> SourceSlice<'a> {
    /// Values without a fill value.
    pub fn new(values: impl Into<Values<'a>>) -> Self {
        SourceSlice {
            values: values.into(),
            fill_value: None,
        }
    }

    /// Values with a fill value.
    pub fn with_fill(values: impl Into<Values<'a>>, fill_value: f64) -> Self {
        SourceSlice {
            values: values.into(),
            fill_value: Some(fill_value),
        }
    }
}

/// The observations of one granule beam (or any subset of rows), column-wise.
/// All columns have the same length.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    /// Geodetic latitude, degrees.
    pub latitude: SourceSlice<'a>,
    /// Longitude, degrees.
    pub longitude: SourceSlice<'a>,
    /// Source variables, in [`Plan::sources`](crate::Plan::sources) order.
    pub variables: Vec<SourceSlice<'a>>,
    /// The flag columns of the config's filters, in
    /// [`Plan::filters`](crate::Plan::filters) order (the quality flag,
    /// then `data_source.filters`).
    pub filters: Vec<Values<'a>>,
}
