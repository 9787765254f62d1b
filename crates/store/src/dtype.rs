//! Element types and fill values of output variables, with their Zarr v3
//! JSON forms.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Element type of an output variable (the Zarr v3 `data_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// `float32`
    F32,
    /// `float64`
    F64,
    /// `int32`
    I32,
    /// `int64`
    I64,
    /// `uint32`
    U32,
    /// `uint64`
    U64,
}

impl DType {
    /// The Zarr v3 / numpy name (`float32`, `uint64`, ...).
    pub fn zarr_name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
        }
    }

    /// Parses a Zarr v3 / numpy name.
    pub fn from_zarr_name(name: &str) -> Option<DType> {
        Some(match name {
            "float32" => DType::F32,
            "float64" => DType::F64,
            "int32" => DType::I32,
            "int64" => DType::I64,
            "uint32" => DType::U32,
            "uint64" => DType::U64,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::F64 | DType::I64 | DType::U64 => 8,
        }
    }
}

/// The value stored for cells without data (the Zarr array `fill_value`).
/// Its variant fixes the variable's dtype.
#[derive(Debug, Clone, Copy)]
pub enum FillValue {
    /// A `float32` fill (often `f32::NAN` or `3.4028235e38`).
    F32(f32),
    /// A `float64` fill.
    F64(f64),
    /// An `int32` fill.
    I32(i32),
    /// An `int64` fill.
    I64(i64),
    /// A `uint32` fill.
    U32(u32),
    /// A `uint64` fill.
    U64(u64),
}

impl FillValue {
    /// The dtype this fill value belongs to.
    pub fn dtype(self) -> DType {
        match self {
            FillValue::F32(_) => DType::F32,
            FillValue::F64(_) => DType::F64,
            FillValue::I32(_) => DType::I32,
            FillValue::I64(_) => DType::I64,
            FillValue::U32(_) => DType::U32,
            FillValue::U64(_) => DType::U64,
        }
    }

    /// Little-endian bytes of the value (what a chunk holds for an empty cell).
    pub fn to_le_bytes(self) -> Vec<u8> {
        match self {
            FillValue::F32(v) => v.to_le_bytes().to_vec(),
            FillValue::F64(v) => v.to_le_bytes().to_vec(),
            FillValue::I32(v) => v.to_le_bytes().to_vec(),
            FillValue::I64(v) => v.to_le_bytes().to_vec(),
            FillValue::U32(v) => v.to_le_bytes().to_vec(),
            FillValue::U64(v) => v.to_le_bytes().to_vec(),
        }
    }

    /// The Zarr v3 JSON form: a number, or `"NaN"`, `"Infinity"`,
    /// `"-Infinity"`, or a `"0x…"` bit pattern for other NaNs.
    pub fn to_json(self) -> Value {
        fn float(v: f64, is_canonical_nan: bool, bits_hex: String) -> Value {
            if v.is_nan() {
                if is_canonical_nan {
                    Value::from("NaN")
                } else {
                    Value::from(bits_hex)
                }
            } else if v.is_infinite() {
                Value::from(if v > 0.0 { "Infinity" } else { "-Infinity" })
            } else {
                Value::from(v)
            }
        }
        match self {
            FillValue::F32(v) => float(
                f64::from(v),
                v.to_bits() == f32::NAN.to_bits(),
                format!("0x{:08x}", v.to_bits()),
            ),
            FillValue::F64(v) => float(
                v,
                v.to_bits() == f64::NAN.to_bits(),
                format!("0x{:016x}", v.to_bits()),
            ),
            FillValue::I32(v) => Value::from(v),
            FillValue::I64(v) => Value::from(v),
            FillValue::U32(v) => Value::from(v),
            FillValue::U64(v) => Value::from(v),
        }
    }

    /// Parses the Zarr v3 JSON form for `dtype`; `None` when it does not fit.
    pub fn from_json(dtype: DType, value: &Value) -> Option<FillValue> {
        fn float_special(value: &Value) -> Option<(f64, Option<u64>)> {
            match value.as_str()? {
                "NaN" => Some((f64::NAN, None)),
                "Infinity" => Some((f64::INFINITY, None)),
                "-Infinity" => Some((f64::NEG_INFINITY, None)),
                s => {
                    let hex = s.strip_prefix("0x")?;
                    Some((f64::NAN, Some(u64::from_str_radix(hex, 16).ok()?)))
                }
            }
        }
        Some(match dtype {
            DType::F32 => FillValue::F32(match value {
                Value::Number(n) => n.as_f64()? as f32,
                _ => match float_special(value)? {
                    (_, Some(bits)) => f32::from_bits(u32::try_from(bits).ok()?),
                    (v, None) => v as f32,
                },
            }),
            DType::F64 => FillValue::F64(match value {
                Value::Number(n) => n.as_f64()?,
                _ => match float_special(value)? {
                    (_, Some(bits)) => f64::from_bits(bits),
                    (v, None) => v,
                },
            }),
            DType::I32 => FillValue::I32(i32::try_from(value.as_i64()?).ok()?),
            DType::I64 => FillValue::I64(value.as_i64()?),
            DType::U32 => FillValue::U32(u32::try_from(value.as_u64()?).ok()?),
            DType::U64 => FillValue::U64(value.as_u64()?),
        })
    }
}

/// Bit-exact equality (so `NaN == NaN` when the bits agree).
impl PartialEq for FillValue {
    fn eq(&self, other: &Self) -> bool {
        self.dtype() == other.dtype() && self.to_le_bytes() == other.to_le_bytes()
    }
}

impl std::fmt::Display for FillValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.dtype().zarr_name(), self.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_values_round_trip_through_json() {
        let cases = [
            FillValue::F32(f32::NAN),
            FillValue::F32(f32::from_bits(0x7fc0_0001)),
            FillValue::F32(3.4028235e38),
            FillValue::F32(f32::NEG_INFINITY),
            FillValue::F64(-1.5),
            FillValue::I32(-9999),
            FillValue::U64(u64::MAX),
        ];
        for f in cases {
            let json = serde_json::to_string(&f.to_json()).unwrap();
            let back: Value = serde_json::from_str(&json).unwrap();
            assert_eq!(FillValue::from_json(f.dtype(), &back), Some(f), "{json}");
        }
        assert_eq!(FillValue::from_json(DType::U32, &Value::from(-1)), None);
    }
}
