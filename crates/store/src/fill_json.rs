//! The Zarr v3 JSON forms of fill values (array metadata and the `magg`
//! spec block). The element types themselves ([`Dtype`], [`FillValue`])
//! are `magg-agg`'s: the store writes what the aggregation produces.

use magg_agg::{Dtype, FillValue};
use serde_json::Value;

/// The Zarr v3 JSON form: a number, or `"NaN"`, `"Infinity"`,
/// `"-Infinity"`, or a `"0x…"` bit pattern for other NaNs.
pub(crate) fn fill_to_json(fill: FillValue) -> Value {
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
    match fill {
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
pub(crate) fn fill_from_json(dtype: Dtype, value: &Value) -> Option<FillValue> {
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
        Dtype::Float32 => FillValue::F32(match value {
            Value::Number(n) => n.as_f64()? as f32,
            _ => match float_special(value)? {
                (_, Some(bits)) => f32::from_bits(u32::try_from(bits).ok()?),
                (v, None) => v as f32,
            },
        }),
        Dtype::Float64 => FillValue::F64(match value {
            Value::Number(n) => n.as_f64()?,
            _ => match float_special(value)? {
                (_, Some(bits)) => f64::from_bits(bits),
                (v, None) => v,
            },
        }),
        Dtype::Int32 => FillValue::I32(i32::try_from(value.as_i64()?).ok()?),
        Dtype::Int64 => FillValue::I64(value.as_i64()?),
        Dtype::Uint32 => FillValue::U32(u32::try_from(value.as_u64()?).ok()?),
        Dtype::Uint64 => FillValue::U64(value.as_u64()?),
    })
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
            let json = serde_json::to_string(&fill_to_json(f)).unwrap();
            let back: Value = serde_json::from_str(&json).unwrap();
            assert_eq!(fill_from_json(f.dtype(), &back), Some(f), "{json}");
        }
        assert_eq!(fill_from_json(Dtype::Uint32, &Value::from(-1)), None);
    }
}
