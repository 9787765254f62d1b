//! The datatype message: numbers of any size and byte order, strings; other
//! classes are described but not decoded.

use std::fmt;

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};

/// Byte order of a stored number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Little-endian.
    Little,
    /// Big-endian.
    Big,
}

/// String padding of fixed-length strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrPad {
    /// NUL-terminated.
    NullTerm,
    /// NUL-padded.
    NullPad,
    /// Space-padded (Fortran).
    SpacePad,
}

/// A stored element type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dtype {
    /// Two's-complement or unsigned integer of 1, 2, 4 or 8 bytes.
    Int {
        /// Bytes per element.
        size: u8,
        /// Signed?
        signed: bool,
        /// Byte order.
        order: ByteOrder,
    },
    /// IEEE float of 2, 4 or 8 bytes.
    Float {
        /// Bytes per element.
        size: u8,
        /// Byte order.
        order: ByteOrder,
    },
    /// Fixed-length string of `size` bytes.
    FixedString {
        /// Bytes per element.
        size: u32,
        /// Padding rule.
        pad: StrPad,
        /// UTF-8 (else ASCII).
        utf8: bool,
    },
    /// Variable-length string (stored in the global heap).
    VarString {
        /// Bytes per stored reference (length, heap collection address, index).
        size: u32,
        /// UTF-8 (else ASCII).
        utf8: bool,
    },
    /// Enumerated type: named integer values. Read as its base integer (as
    /// h5py does); the names are metadata.
    Enum {
        /// The integer type the values are stored as.
        base: Box<Dtype>,
        /// Member names and values, in declaration order (values beyond
        /// `i64` saturate).
        members: Vec<(String, i64)>,
    },
    /// Any other class (compound, opaque, reference, array, …): listed,
    /// but reading it is unsupported.
    Other {
        /// HDF5 class number.
        class: u8,
        /// Bytes per element.
        size: u32,
    },
}

impl Dtype {
    /// Bytes per stored element.
    pub fn size(&self) -> usize {
        match self {
            Dtype::Int { size, .. } | Dtype::Float { size, .. } => usize::from(*size),
            Dtype::Enum { base, .. } => base.size(),
            Dtype::FixedString { size, .. }
            | Dtype::Other { size, .. }
            | Dtype::VarString { size, .. } => *size as usize,
        }
    }

    /// True for integer and float types, and enumerations (read as their
    /// base integer).
    pub fn is_numeric(&self) -> bool {
        matches!(self.numeric(), Dtype::Int { .. } | Dtype::Float { .. })
    }

    /// The type values are read as: an enumeration's base integer, else
    /// the type itself.
    pub fn numeric(&self) -> &Dtype {
        match self {
            Dtype::Enum { base, .. } => base,
            other => other,
        }
    }

    /// numpy's type string, e.g. `<f4`, `>i2`, `|S10`, `O` (vlen string).
    pub fn typestr(&self) -> String {
        let o = |order: &ByteOrder, size: u8| {
            if size == 1 {
                '|'
            } else if *order == ByteOrder::Little {
                '<'
            } else {
                '>'
            }
        };
        match self {
            Dtype::Int {
                size,
                signed,
                order,
            } => format!(
                "{}{}{}",
                o(order, *size),
                if *signed { 'i' } else { 'u' },
                size
            ),
            Dtype::Float { size, order } => format!("{}f{}", o(order, *size), size),
            Dtype::FixedString { size, .. } => format!("|S{size}"),
            Dtype::VarString { .. } => "|O".to_string(),
            Dtype::Enum { base, .. } => base.typestr(),
            Dtype::Other { class, size } => format!("class{class}:{size}"),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let be = |o: &ByteOrder| {
            if *o == ByteOrder::Big {
                " (big-endian)"
            } else {
                ""
            }
        };
        match self {
            Dtype::Int {
                size,
                signed,
                order,
            } => write!(
                f,
                "{}int{}{}",
                if *signed { "" } else { "u" },
                u32::from(*size) * 8,
                if *size > 1 { be(order) } else { "" }
            ),
            Dtype::Float { size, order } => write!(f, "float{}{}", u32::from(*size) * 8, be(order)),
            Dtype::FixedString { size, .. } => write!(f, "string[{size}]"),
            Dtype::VarString { .. } => write!(f, "string (variable length)"),
            Dtype::Enum { base, members } => {
                write!(f, "enum {base} {{")?;
                for (i, (name, value)) in members.iter().enumerate() {
                    if i == 8 {
                        write!(f, ", … {} more", members.len() - 8)?;
                        break;
                    }
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{name}={value}")?;
                }
                write!(f, "}}")
            }
            Dtype::Other { class, size } => {
                let name = match class {
                    2 => "time",
                    4 => "bitfield",
                    5 => "opaque",
                    6 => "compound",
                    7 => "reference",
                    8 => "enum",
                    9 => "variable-length",
                    10 => "array",
                    _ => "unknown class",
                };
                write!(f, "{name} ({size} bytes)")
            }
        }
    }
}

/// Parses a datatype message body.
pub(crate) fn parse(data: &[u8], sizes: Sizes) -> KResult<Dtype> {
    let mut c = Cursor::new(data, 0, sizes, "datatype message");
    parse_at(&mut c, 0)
}

fn parse_at(c: &mut Cursor<'_>, depth: u32) -> KResult<Dtype> {
    if depth > 8 {
        return Err(ErrorKind::TooLarge {
            what: "datatype nesting depth",
            value: u64::from(depth),
            limit: 8,
        });
    }
    let cv = c.u8()?;
    let class = cv & 0x0f;
    let version = cv >> 4;
    if !(1..=5).contains(&version) {
        return Err(ErrorKind::corrupt(format!("datatype version {version}")));
    }
    let b0 = c.u8()?;
    let b1 = c.u8()?;
    let _b2 = c.u8()?;
    let size = c.u32()?;
    if size == 0 {
        return Err(ErrorKind::corrupt(format!(
            "datatype of class {class} with size 0"
        )));
    }
    let order = if b0 & 1 == 0 {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };
    match class {
        0 => {
            let offset = c.u16()?;
            let precision = c.u16()?;
            let signed = b0 & 0x08 != 0;
            if matches!(size, 1 | 2 | 4 | 8) && offset == 0 && u32::from(precision) == size * 8 {
                Ok(Dtype::Int {
                    size: size as u8,
                    signed,
                    order,
                })
            } else {
                Ok(Dtype::Other { class, size })
            }
        }
        1 => {
            let offset = c.u16()?;
            let precision = c.u16()?;
            let _exp_loc = c.u8()?;
            let exp_size = c.u8()?;
            let _mant_loc = c.u8()?;
            let mant_size = c.u8()?;
            let _bias = c.u32()?;
            let vax = b0 & 0x40 != 0;
            let standard = matches!(
                (size, exp_size, mant_size),
                (2, 5, 10) | (4, 8, 23) | (8, 11, 52)
            );
            if standard && !vax && offset == 0 && u32::from(precision) == size * 8 {
                Ok(Dtype::Float {
                    size: size as u8,
                    order,
                })
            } else {
                Ok(Dtype::Other { class, size })
            }
        }
        3 => Ok(Dtype::FixedString {
            size,
            pad: pad_of(b0 & 0x0f),
            utf8: (b0 >> 4) & 0x0f == 1,
        }),
        9 => {
            let is_string = b0 & 0x0f == 1;
            let utf8 = b1 & 0x0f == 1;
            // Base type follows; parse it to validate nesting, then ignore.
            let _ = parse_at(c, depth + 1);
            if is_string {
                Ok(Dtype::VarString { size, utf8 })
            } else {
                Ok(Dtype::Other { class, size })
            }
        }
        8 => enumeration(c, depth, version, u16::from_le_bytes([b0, b1]), size),
        2 | 4..=7 | 10 => Ok(Dtype::Other { class, size }),
        _ => Err(ErrorKind::corrupt(format!("datatype class {class}"))),
    }
}

/// The properties of an enumeration (class 8): the base type, then the
/// member names (NUL-terminated, padded to a multiple of 8 bytes before
/// version 3), then the member values in the base type.
fn enumeration(c: &mut Cursor<'_>, depth: u32, version: u8, n: u16, size: u32) -> KResult<Dtype> {
    let base = parse_at(c, depth + 1)?;
    if !matches!(base, Dtype::Int { .. }) || base.size() != size as usize {
        return Ok(Dtype::Other { class: 8, size });
    }
    let mut names = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let start = c.pos();
        let mut bytes = Vec::new();
        loop {
            match c.u8()? {
                0 => break,
                b => bytes.push(b),
            }
        }
        if version < 3 {
            let used = c.pos() - start;
            c.skip(used.next_multiple_of(8) - used)?;
        }
        names.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    let raw = c.bytes(usize::from(n) * size as usize)?;
    let mut values = vec![0i64; usize::from(n)];
    crate::convert::convert(raw, &base, &mut values)?;
    Ok(Dtype::Enum {
        base: Box::new(base),
        members: names.into_iter().zip(values).collect(),
    })
}

fn pad_of(v: u8) -> StrPad {
    match v {
        1 => StrPad::NullPad,
        2 => StrPad::SpacePad,
        _ => StrPad::NullTerm,
    }
}

/// Decodes a fixed-length string element (padding stripped).
pub(crate) fn fixed_string(bytes: &[u8], pad: StrPad) -> String {
    let end = match pad {
        StrPad::NullTerm | StrPad::NullPad => {
            bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())
        }
        StrPad::SpacePad => bytes.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1),
    };
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
