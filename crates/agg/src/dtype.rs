//! Output element types: the [`Dtype`] of an output array, its typed
//! [`FillValue`], and the [`FillLiteral`] a config writes before its dtype
//! fixes its type.
//!
//! These are the vocabulary the whole output side shares: `magg-agg`
//! produces columns of these types, `magg-store` writes them (it re-exports
//! them and adds their Zarr v3 JSON forms). They live here, at the producing
//! end, so data and dependencies flow one way (aggregate → write).

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The element type of an output array (numpy / Zarr v3 names: the
/// config's `dtype` and the Zarr `data_type`). Serialized by that name;
/// `f32`, `u64`, ... (what stores written before this type was shared
/// recorded) are read too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// 32-bit float (`float32`).
    #[serde(alias = "f32")]
    Float32,
    /// 64-bit float (`float64`).
    #[serde(alias = "f64")]
    Float64,
    /// Signed 32-bit integer (`int32`).
    #[serde(alias = "i32")]
    Int32,
    /// Unsigned 32-bit integer (`uint32`).
    #[serde(alias = "u32")]
    Uint32,
    /// Signed 64-bit integer (`int64`).
    #[serde(alias = "i64")]
    Int64,
    /// Unsigned 64-bit integer (`uint64`).
    #[serde(alias = "u64")]
    Uint64,
}

impl Dtype {
    /// The numpy / Zarr v3 name (`float32`, `int64`, ...).
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

    /// Parses a numpy / Zarr v3 name.
    pub fn from_name(name: &str) -> Option<Dtype> {
        Some(match name {
            "float32" => Dtype::Float32,
            "float64" => Dtype::Float64,
            "int32" => Dtype::Int32,
            "uint32" => Dtype::Uint32,
            "int64" => Dtype::Int64,
            "uint64" => Dtype::Uint64,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::Float32 | Dtype::Int32 | Dtype::Uint32 => 4,
            Dtype::Float64 | Dtype::Int64 | Dtype::Uint64 => 8,
        }
    }

    /// Whether this is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::Float32 | Dtype::Float64)
    }

    /// The fill used when the config gives none: NaN for floats, 0 for
    /// integers (as upstream does).
    pub fn default_fill(self) -> FillLiteral {
        if self.is_float() {
            FillLiteral::Float(f64::NAN)
        } else {
            FillLiteral::Int(0)
        }
    }

    /// Whether `fill` can be stored in this type without change; `Err` says why not.
    pub fn check_fill(self, fill: FillLiteral) -> Result<(), String> {
        self.fill_value(fill).map(drop)
    }

    /// `fill` as a value of this type, if it is exactly representable
    /// (`Err` says why not). Integer literals beyond 2^53 round for
    /// `float64`, as numpy's assignment does.
    pub fn fill_value(self, fill: FillLiteral) -> Result<FillValue, String> {
        let int = match fill {
            FillLiteral::Int(v) => v,
            FillLiteral::Float(v) if self.is_float() => {
                return Ok(match self {
                    Dtype::Float64 => FillValue::F64(v),
                    _ if !v.is_finite() || f64::from(v as f32) == v => FillValue::F32(v as f32),
                    _ => {
                        return Err(format!(
                            "fill_value {v} is not exactly representable as float32"
                        ));
                    }
                });
            }
            FillLiteral::Float(v) => {
                return Err(format!(
                    "fill_value {v} is not an integer, but dtype {} is",
                    self.name()
                ));
            }
        };
        let out_of_range = || format!("fill_value {int} does not fit in {}", self.name());
        Ok(match self {
            Dtype::Float32 if (int as f32) as i128 == int => FillValue::F32(int as f32),
            Dtype::Float32 => {
                return Err(format!(
                    "fill_value {int} is not exactly representable as float32"
                ));
            }
            Dtype::Float64 => FillValue::F64(int as f64),
            Dtype::Int32 => FillValue::I32(i32::try_from(int).map_err(|_| out_of_range())?),
            Dtype::Uint32 => FillValue::U32(u32::try_from(int).map_err(|_| out_of_range())?),
            Dtype::Int64 => FillValue::I64(i64::try_from(int).map_err(|_| out_of_range())?),
            Dtype::Uint64 => FillValue::U64(u64::try_from(int).map_err(|_| out_of_range())?),
        })
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The value an output array holds where a cell has no observations (the
/// Zarr array `fill_value`). Its variant fixes the array's dtype.
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
    pub fn dtype(self) -> Dtype {
        match self {
            FillValue::F32(_) => Dtype::Float32,
            FillValue::F64(_) => Dtype::Float64,
            FillValue::I32(_) => Dtype::Int32,
            FillValue::I64(_) => Dtype::Int64,
            FillValue::U32(_) => Dtype::Uint32,
            FillValue::U64(_) => Dtype::Uint64,
        }
    }

    /// The value as f64 (64-bit integers beyond 2^53 round).
    pub fn as_f64(self) -> f64 {
        match self {
            FillValue::F32(v) => f64::from(v),
            FillValue::F64(v) => v,
            FillValue::I32(v) => f64::from(v),
            FillValue::I64(v) => v as f64,
            FillValue::U32(v) => f64::from(v),
            FillValue::U64(v) => v as f64,
        }
    }

    /// The value as an integer (floats truncate toward zero, NaN is 0).
    pub(crate) fn as_i128(self) -> i128 {
        match self {
            FillValue::F32(v) => v as i128,
            FillValue::F64(v) => v as i128,
            FillValue::I32(v) => v.into(),
            FillValue::I64(v) => v.into(),
            FillValue::U32(v) => v.into(),
            FillValue::U64(v) => v.into(),
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
}

/// Bit-exact equality (so `NaN == NaN` when the bits agree).
impl PartialEq for FillValue {
    fn eq(&self, other: &Self) -> bool {
        self.dtype() == other.dtype() && self.to_le_bytes() == other.to_le_bytes()
    }
}

impl fmt::Display for FillValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dtype = self.dtype();
        match *self {
            FillValue::F32(v) => write!(f, "{dtype} {v:?}"),
            FillValue::F64(v) => write!(f, "{dtype} {v:?}"),
            FillValue::I32(v) => write!(f, "{dtype} {v}"),
            FillValue::I64(v) => write!(f, "{dtype} {v}"),
            FillValue::U32(v) => write!(f, "{dtype} {v}"),
            FillValue::U64(v) => write!(f, "{dtype} {v}"),
        }
    }
}

/// A config's `fill_value` as written, before the variable's dtype fixes
/// its type ([`Dtype::fill_value`] turns it into a [`FillValue`]).
///
/// In YAML: an integer, a float, or the string `"NaN"` (upstream's spelling;
/// `.nan` works too).
#[derive(Debug, Clone, Copy)]
pub enum FillLiteral {
    /// An integer (exact for every integer dtype).
    Int(i128),
    /// A floating-point number (NaN included).
    Float(f64),
}

impl FillLiteral {
    /// The literal as f64 (integers beyond 2^53 round).
    pub fn as_f64(self) -> f64 {
        match self {
            FillLiteral::Int(v) => v as f64,
            FillLiteral::Float(v) => v,
        }
    }
}

/// NaN equals NaN here: two configs with `fill_value: NaN` are the same config.
impl PartialEq for FillLiteral {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FillLiteral::Int(a), FillLiteral::Int(b)) => a == b,
            (FillLiteral::Float(a), FillLiteral::Float(b)) => a.to_bits() == b.to_bits() || a == b,
            _ => false,
        }
    }
}

impl Serialize for FillLiteral {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            FillLiteral::Int(v) => match i64::try_from(v) {
                Ok(v) => s.serialize_i64(v),
                Err(_) => s.serialize_u64(v as u64),
            },
            FillLiteral::Float(v) if v.is_nan() => s.serialize_str("NaN"),
            FillLiteral::Float(v) if v.is_infinite() => {
                s.serialize_str(if v > 0.0 { "Infinity" } else { "-Infinity" })
            }
            FillLiteral::Float(v) => s.serialize_f64(v),
        }
    }
}

impl<'de> Deserialize<'de> for FillLiteral {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FillLiteral;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or \"NaN\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FillLiteral, E> {
                Ok(FillLiteral::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FillLiteral, E> {
                Ok(FillLiteral::Int(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FillLiteral, E> {
                Ok(FillLiteral::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FillLiteral, E> {
                match v.to_ascii_lowercase().as_str() {
                    "nan" => Ok(FillLiteral::Float(f64::NAN)),
                    "inf" | "infinity" => Ok(FillLiteral::Float(f64::INFINITY)),
                    "-inf" | "-infinity" => Ok(FillLiteral::Float(f64::NEG_INFINITY)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_resolve_exactly_or_say_why_not() {
        let f = |d: Dtype, l| d.fill_value(l);
        assert_eq!(
            f(Dtype::Int32, FillLiteral::Int(-9999)),
            Ok(FillValue::I32(-9999))
        );
        assert_eq!(
            f(Dtype::Uint64, FillLiteral::Int(u64::MAX.into())),
            Ok(FillValue::U64(u64::MAX))
        );
        assert_eq!(
            f(
                Dtype::Float32,
                FillLiteral::Float(3.402_823_466_385_288_6e38)
            ),
            Ok(FillValue::F32(f32::MAX))
        );
        assert_eq!(
            f(Dtype::Float32, FillLiteral::Float(f64::NAN)),
            Ok(FillValue::F32(f32::NAN))
        );
        assert_eq!(
            f(Dtype::Float64, FillLiteral::Int(7)),
            Ok(FillValue::F64(7.0))
        );
        assert!(
            f(Dtype::Uint32, FillLiteral::Int(-1))
                .unwrap_err()
                .contains("uint32")
        );
        assert!(f(Dtype::Int64, FillLiteral::Float(0.5)).is_err());
        assert!(f(Dtype::Float32, FillLiteral::Float(0.1)).is_err());
        assert!(f(Dtype::Float32, FillLiteral::Int((1 << 24) + 1)).is_err());
        for d in [Dtype::Float32, Dtype::Float64, Dtype::Int32, Dtype::Uint64] {
            assert_eq!(f(d, d.default_fill()).unwrap().dtype(), d);
        }
    }

    #[test]
    fn names_round_trip_and_old_store_spellings_parse() {
        for d in [
            Dtype::Float32,
            Dtype::Float64,
            Dtype::Int32,
            Dtype::Uint32,
            Dtype::Int64,
            Dtype::Uint64,
        ] {
            assert_eq!(Dtype::from_name(d.name()), Some(d));
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.name()));
        }
        let old: Dtype = serde_json::from_str("\"u32\"").unwrap();
        assert_eq!(old, Dtype::Uint32);
    }
}
