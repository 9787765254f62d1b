//! Output element types: [`Dtype`], [`FillValue`] and the typed [`Column`]
//! one output variable is stored in.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The element type of an output array (the config's `dtype`, numpy names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// 32-bit float (`float32`).
    Float32,
    /// 64-bit float (`float64`).
    Float64,
    /// Signed 32-bit integer (`int32`).
    Int32,
    /// Unsigned 32-bit integer (`uint32`).
    Uint32,
    /// Signed 64-bit integer (`int64`).
    Int64,
    /// Unsigned 64-bit integer (`uint64`).
    Uint64,
}

impl Dtype {
    /// The numpy name (`float32`, `int64`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::Float32 => "float32",
            Dtype::Float64 => "float64",
            Dtype::Int32 => "int32",
            Dtype::Uint32 => "uint32",
            Dtype::Int64 => "int64",
            Dtype::Uint64 => "uint64",
        }
    }

    /// Whether this is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::Float32 | Dtype::Float64)
    }

    /// The fill value used when the config gives none: NaN for floats, 0 for
    /// integers (as upstream does).
    pub fn default_fill(self) -> FillValue {
        if self.is_float() {
            FillValue::Float(f64::NAN)
        } else {
            FillValue::Int(0)
        }
    }

    /// Whether `fill` can be stored in this type without change; `Err` says why not.
    pub fn check_fill(self, fill: FillValue) -> Result<(), String> {
        let range: (i128, i128) = match self {
            Dtype::Float32 => {
                let exact = match fill {
                    FillValue::Float(v) => !v.is_finite() || f64::from(v as f32) == v,
                    FillValue::Int(v) => (v as f32) as i128 == v,
                };
                return if exact {
                    Ok(())
                } else {
                    Err(format!(
                        "fill_value {} is not exactly representable as float32",
                        fill.as_f64()
                    ))
                };
            }
            Dtype::Float64 => return Ok(()),
            Dtype::Int32 => (i32::MIN.into(), i32::MAX.into()),
            Dtype::Uint32 => (0, u32::MAX.into()),
            Dtype::Int64 => (i64::MIN.into(), i64::MAX.into()),
            Dtype::Uint64 => (0, u64::MAX.into()),
        };
        match fill {
            FillValue::Int(v) if (range.0..=range.1).contains(&v) => Ok(()),
            FillValue::Int(v) => Err(format!("fill_value {v} does not fit in {}", self.name())),
            FillValue::Float(v) => Err(format!(
                "fill_value {v} is not an integer, but dtype {} is",
                self.name()
            )),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The value an output array holds where a cell has no observations.
///
/// In YAML: an integer, a float, or the string `"NaN"` (upstream's spelling;
/// `.nan` works too).
#[derive(Debug, Clone, Copy)]
pub enum FillValue {
    /// An integer fill (exact for every integer dtype).
    Int(i128),
    /// A floating-point fill (NaN included).
    Float(f64),
}

impl FillValue {
    /// The fill as f64 (integers beyond 2^53 round).
    pub fn as_f64(self) -> f64 {
        match self {
            FillValue::Int(v) => v as f64,
            FillValue::Float(v) => v,
        }
    }
}

/// NaN equals NaN here: two configs with `fill_value: NaN` are the same config.
impl PartialEq for FillValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FillValue::Int(a), FillValue::Int(b)) => a == b,
            (FillValue::Float(a), FillValue::Float(b)) => a.to_bits() == b.to_bits() || a == b,
            _ => false,
        }
    }
}

impl Serialize for FillValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            FillValue::Int(v) => match i64::try_from(v) {
                Ok(v) => s.serialize_i64(v),
                Err(_) => s.serialize_u64(v as u64),
            },
            FillValue::Float(v) if v.is_nan() => s.serialize_str("NaN"),
            FillValue::Float(v) if v.is_infinite() => {
                s.serialize_str(if v > 0.0 { "Infinity" } else { "-Infinity" })
            }
            FillValue::Float(v) => s.serialize_f64(v),
        }
    }
}

impl<'de> Deserialize<'de> for FillValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FillValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or \"NaN\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FillValue, E> {
                Ok(FillValue::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FillValue, E> {
                Ok(FillValue::Int(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FillValue, E> {
                Ok(FillValue::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FillValue, E> {
                match v.to_ascii_lowercase().as_str() {
                    "nan" => Ok(FillValue::Float(f64::NAN)),
                    "inf" | "infinity" => Ok(FillValue::Float(f64::INFINITY)),
                    "-inf" | "-infinity" => Ok(FillValue::Float(f64::NEG_INFINITY)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

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
    /// A column of `len` fill values.
    pub fn filled(dtype: Dtype, fill: FillValue, len: usize) -> Column {
        let int = |v: FillValue| match v {
            FillValue::Int(i) => i,
            FillValue::Float(f) => f as i128,
        };
        match dtype {
            Dtype::Float32 => Column::F32(vec![fill.as_f64() as f32; len]),
            Dtype::Float64 => Column::F64(vec![fill.as_f64(); len]),
            Dtype::Int32 => Column::I32(vec![int(fill) as i32; len]),
            Dtype::Uint32 => Column::U32(vec![int(fill) as u32; len]),
            Dtype::Int64 => Column::I64(vec![int(fill) as i64; len]),
            Dtype::Uint64 => Column::U64(vec![int(fill) as u64; len]),
        }
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            Column::F32(_) => Dtype::Float32,
            Column::F64(_) => Dtype::Float64,
            Column::I32(_) => Dtype::Int32,
            Column::U32(_) => Dtype::Uint32,
            Column::I64(_) => Dtype::Int64,
            Column::U64(_) => Dtype::Uint64,
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            Column::F32(v) => v.len(),
            Column::F64(v) => v.len(),
            Column::I32(v) => v.len(),
            Column::U32(v) => v.len(),
            Column::I64(v) => v.len(),
            Column::U64(v) => v.len(),
        }
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    /// column stores `fill` instead (numpy's result would be undefined).
    pub(crate) fn set(&mut self, i: usize, value: f64, fill: FillValue) {
        let int = || {
            if value.is_finite() {
                value as i128
            } else {
                match fill {
                    FillValue::Int(v) => v,
                    FillValue::Float(v) => v as i128,
                }
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
