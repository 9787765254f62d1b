//! Attributes: the attribute message, decoded into numbers or strings
//! (fixed-length, or variable-length through the global heap).

use bytes::Bytes;

use crate::convert::convert;
use crate::error::{ErrorKind, KResult};
use crate::format::cursor::{Cursor, Sizes};
use crate::format::datatype::{self, Dtype};
use crate::format::{dataspace, global_heap};
use crate::io::source::Source;

/// An attribute's decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// Signed integers.
    Int(Vec<i64>),
    /// Unsigned integers.
    UInt(Vec<u64>),
    /// Floats.
    Float(Vec<f64>),
    /// Strings (padding stripped).
    String(Vec<String>),
    /// A type this reader does not decode (compound, enum, reference, …).
    Unsupported(String),
}

/// One attribute of a group or dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Stored type.
    pub dtype: Dtype,
    /// Shape (empty for a scalar).
    pub shape: Vec<u64>,
    /// Value.
    pub value: AttrValue,
}

impl Attribute {
    /// The value as one string (the first element), if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            AttrValue::String(v) => v.first().map(String::as_str),
            _ => None,
        }
    }

    /// The values as f64 (numbers only).
    pub fn as_f64s(&self) -> Option<Vec<f64>> {
        match &self.value {
            AttrValue::Int(v) => Some(v.iter().map(|&x| x as f64).collect()),
            AttrValue::UInt(v) => Some(v.iter().map(|&x| x as f64).collect()),
            AttrValue::Float(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// The first value as f64 (numbers only).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_f64s().and_then(|v| v.first().copied())
    }
}

const MAX_ATTR_ELEMENTS: u64 = 1 << 24;

/// Parses an attribute message and decodes its value.
pub(crate) async fn parse(src: &Source, sizes: Sizes, data: &Bytes) -> KResult<Attribute> {
    let mut c = Cursor::new(data, 0, sizes, "attribute message");
    let version = c.u8()?;
    let flags = c.u8()?;
    let name_len = usize::from(c.u16()?);
    let dt_len = usize::from(c.u16()?);
    let ds_len = usize::from(c.u16()?);
    if version == 3 {
        c.skip(1)?; // name encoding
    }
    let pad = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
    if !(1..=3).contains(&version) {
        return Err(ErrorKind::corrupt(format!(
            "attribute message version {version}"
        )));
    }
    let raw = c.bytes(pad(name_len))?;
    let name_raw = &raw[..name_len.min(raw.len())];
    let end = name_raw
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(name_raw.len());
    let name = String::from_utf8_lossy(&name_raw[..end]).into_owned();
    let dt_bytes = c.bytes(pad(dt_len))?;
    let ds_bytes = c.bytes(pad(ds_len))?;
    let space = dataspace::parse(ds_bytes, sizes)?;
    let start = c.pos();
    if flags & 1 != 0 {
        return Ok(Attribute {
            name,
            dtype: Dtype::Other { class: 0, size: 0 },
            shape: space.dims,
            value: AttrValue::Unsupported("shared (committed) datatype".to_string()),
        });
    }
    let dtype = datatype::parse(&dt_bytes[..dt_len.min(dt_bytes.len())], sizes)?;
    let n = space.len().unwrap_or(u64::MAX);
    if n > MAX_ATTR_ELEMENTS {
        return Err(ErrorKind::TooLarge {
            what: "attribute elements",
            value: n,
            limit: MAX_ATTR_ELEMENTS,
        });
    }
    let n = n as usize;
    let bytes = data.get(start..start + n * dtype.size()).ok_or_else(|| {
        ErrorKind::corrupt(format!(
            "attribute '{name}': value shorter than its type and shape"
        ))
    })?;
    let value = decode(src, sizes, &dtype, bytes, n).await?;
    Ok(Attribute {
        name,
        dtype,
        shape: space.dims,
        value,
    })
}

async fn decode(
    src: &Source,
    sizes: Sizes,
    dt: &Dtype,
    bytes: &[u8],
    n: usize,
) -> KResult<AttrValue> {
    Ok(match dt.numeric() {
        Dtype::Int { signed: true, .. } => {
            let mut v = vec![0i64; n];
            convert(bytes, dt, &mut v)?;
            AttrValue::Int(v)
        }
        Dtype::Int { signed: false, .. } => {
            let mut v = vec![0u64; n];
            convert(bytes, dt, &mut v)?;
            AttrValue::UInt(v)
        }
        Dtype::Float { .. } => {
            let mut v = vec![0f64; n];
            convert(bytes, dt, &mut v)?;
            AttrValue::Float(v)
        }
        Dtype::FixedString { size, pad, .. } => AttrValue::String(
            bytes
                .chunks(*size as usize)
                .take(n)
                .map(|s| datatype::fixed_string(s, *pad))
                .collect(),
        ),
        Dtype::VarString { size, .. } => {
            let mut out = Vec::with_capacity(n);
            for e in bytes.chunks(*size as usize).take(n) {
                let s = global_heap::vlen(src, sizes, e).await?;
                out.push(datatype::fixed_string(&s, datatype::StrPad::NullTerm));
            }
            AttrValue::String(out)
        }
        Dtype::Enum { .. } | Dtype::Other { .. } => AttrValue::Unsupported(dt.to_string()),
    })
}
