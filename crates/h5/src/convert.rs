//! Typed conversion from stored numbers (any size, either byte order) to the
//! caller's element type. Out-of-range values saturate, as libhdf5's default
//! conversions do; float → integer truncates toward zero (NaN → 0).

use crate::error::{ErrorKind, KResult};
use crate::format::datatype::{ByteOrder, Dtype};

mod sealed {
    pub trait Sealed {}
}

/// A numeric type values can be read into: `i8`…`i64`, `u8`…`u64`, `f32`, `f64`.
pub trait Element:
    Copy + Default + Send + Sync + std::fmt::Debug + 'static + sealed::Sealed
{
    /// From a stored signed integer.
    fn from_i64(v: i64) -> Self;
    /// From a stored unsigned integer.
    fn from_u64(v: u64) -> Self;
    /// From a stored 32-bit float.
    fn from_f32(v: f32) -> Self;
    /// From a stored 64-bit float.
    fn from_f64(v: f64) -> Self;
}

macro_rules! int_element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            #[inline]
            fn from_i64(v: i64) -> Self {
                <$t>::try_from(v).unwrap_or(if v < 0 { <$t>::MIN } else { <$t>::MAX })
            }
            #[inline]
            fn from_u64(v: u64) -> Self {
                <$t>::try_from(v).unwrap_or(<$t>::MAX)
            }
            #[inline]
            fn from_f32(v: f32) -> Self {
                v as $t
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    )*};
}
int_element!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            #[inline]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            #[inline]
            fn from_u64(v: u64) -> Self {
                v as $t
            }
            #[inline]
            fn from_f32(v: f32) -> Self {
                v as $t
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    )*};
}
float_element!(f32, f64);

/// IEEE half → f32.
fn half_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = match (exp, mant) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: value = m * 2^-24.
            let v = m as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

macro_rules! conv_loop {
    ($src:expr, $dst:expr, $n:literal, $ty:ty, $from:ident, $order:expr, $map:expr) => {{
        let it = $dst.iter_mut().zip($src.chunks_exact($n));
        match $order {
            ByteOrder::Little => {
                for (d, s) in it {
                    let a: [u8; $n] = s.try_into().expect("chunks_exact");
                    *d = T::$from($map(<$ty>::from_le_bytes(a)));
                }
            }
            ByteOrder::Big => {
                for (d, s) in it {
                    let a: [u8; $n] = s.try_into().expect("chunks_exact");
                    *d = T::$from($map(<$ty>::from_be_bytes(a)));
                }
            }
        }
    }};
}

/// Converts `dst.len()` stored elements of type `dt` from `src` into `dst`.
pub(crate) fn convert<T: Element>(src: &[u8], dt: &Dtype, dst: &mut [T]) -> KResult<()> {
    // An enumeration is read as its base integer.
    let dt = dt.numeric();
    let size = dt.size();
    if src.len() != dst.len() * size {
        return Err(ErrorKind::corrupt(format!(
            "{} bytes for {} elements of {size} bytes",
            src.len(),
            dst.len()
        )));
    }
    match *dt {
        Dtype::Int {
            size: 1,
            signed: true,
            ..
        } => conv_loop!(src, dst, 1, i8, from_i64, ByteOrder::Little, i64::from),
        Dtype::Int {
            size: 1,
            signed: false,
            ..
        } => conv_loop!(src, dst, 1, u8, from_u64, ByteOrder::Little, u64::from),
        Dtype::Int {
            size: 2,
            signed: true,
            order,
        } => conv_loop!(src, dst, 2, i16, from_i64, order, i64::from),
        Dtype::Int {
            size: 2,
            signed: false,
            order,
        } => conv_loop!(src, dst, 2, u16, from_u64, order, u64::from),
        Dtype::Int {
            size: 4,
            signed: true,
            order,
        } => conv_loop!(src, dst, 4, i32, from_i64, order, i64::from),
        Dtype::Int {
            size: 4,
            signed: false,
            order,
        } => conv_loop!(src, dst, 4, u32, from_u64, order, u64::from),
        Dtype::Int {
            size: 8,
            signed: true,
            order,
        } => conv_loop!(src, dst, 8, i64, from_i64, order, std::convert::identity),
        Dtype::Int {
            size: 8,
            signed: false,
            order,
        } => conv_loop!(src, dst, 8, u64, from_u64, order, std::convert::identity),
        Dtype::Float { size: 2, order } => {
            conv_loop!(src, dst, 2, u16, from_f32, order, half_to_f32);
        }
        Dtype::Float { size: 4, order } => {
            conv_loop!(src, dst, 4, f32, from_f32, order, std::convert::identity);
        }
        Dtype::Float { size: 8, order } => {
            conv_loop!(src, dst, 8, f64, from_f64, order, std::convert::identity);
        }
        _ => return Err(ErrorKind::unsupported(format!("reading {dt} as numbers"))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_and_swaps() {
        let dt = Dtype::Int {
            size: 2,
            signed: true,
            order: ByteOrder::Big,
        };
        let mut out = [0i8; 2];
        convert(&[0x01, 0x00, 0xff, 0x00], &dt, &mut out).unwrap();
        assert_eq!(out, [127, -128]);
        let mut f = [0f64; 2];
        convert(&[0x01, 0x00, 0xff, 0x00], &dt, &mut f).unwrap();
        assert_eq!(
            f.map(f64::to_bits),
            [256.0f64.to_bits(), (-256.0f64).to_bits()]
        );
    }

    #[test]
    fn half_floats() {
        assert_eq!(half_to_f32(0x3c00).to_bits(), 1.0f32.to_bits());
        assert_eq!(half_to_f32(0xc000).to_bits(), (-2.0f32).to_bits());
        assert_eq!(half_to_f32(0x0001).to_bits(), 5.960_464_5e-8f32.to_bits());
        assert!(half_to_f32(0x7e00).is_nan());
    }
}
