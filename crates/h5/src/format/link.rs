//! Link messages, the link info message, and the symbol table message.

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};

/// Where a link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An object header address in this file.
    Hard(u64),
    /// A path in this file.
    Soft(String),
    /// Another file (not followed).
    External { file: String, path: String },
}

/// A named link of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) name: String,
    pub(crate) target: Target,
}

/// Parses a link message (0x06) body.
pub(crate) fn parse_link(data: &[u8], sizes: Sizes) -> KResult<Link> {
    let mut c = Cursor::new(data, 0, sizes, "link message");
    if c.u8()? != 1 {
        return Err(ErrorKind::corrupt("link message version"));
    }
    let flags = c.u8()?;
    let ltype = if flags & 0x08 != 0 { c.u8()? } else { 0 };
    if flags & 0x04 != 0 {
        c.skip(8)?; // creation order
    }
    if flags & 0x10 != 0 {
        c.skip(1)?; // charset
    }
    let len_size = 1usize << (flags & 3);
    let name_len = c.uint(len_size)? as usize;
    let name = String::from_utf8_lossy(c.bytes(name_len)?).into_owned();
    let target = match ltype {
        0 => Target::Hard(c.offset()?.ok_or_else(|| {
            ErrorKind::corrupt(format!("link '{name}' has an undefined address"))
        })?),
        1 => {
            let n = usize::from(c.u16()?);
            Target::Soft(String::from_utf8_lossy(c.bytes(n)?).into_owned())
        }
        64 => {
            let n = usize::from(c.u16()?);
            let raw = c.bytes(n)?;
            let body = raw.get(1..).unwrap_or_default();
            let mut parts = body.split(|&b| b == 0);
            let file = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            let path = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            Target::External { file, path }
        }
        t => {
            return Err(ErrorKind::unsupported(format!(
                "link type {t} for '{name}'"
            )));
        }
    };
    Ok(Link { name, target })
}

/// Dense storage addresses from a link info (0x02) or attribute info (0x15)
/// message: fractal heap and name-index v2 B-tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DenseInfo {
    pub(crate) heap: Option<u64>,
    pub(crate) name_btree: Option<u64>,
}

/// Parses a link info message body.
pub(crate) fn parse_link_info(data: &[u8], sizes: Sizes) -> KResult<DenseInfo> {
    let mut c = Cursor::new(data, 0, sizes, "link info message");
    c.u8()?;
    let flags = c.u8()?;
    if flags & 1 != 0 {
        c.skip(8)?;
    }
    Ok(DenseInfo {
        heap: c.offset()?,
        name_btree: c.offset()?,
    })
}

/// Parses an attribute info message body.
pub(crate) fn parse_attribute_info(data: &[u8], sizes: Sizes) -> KResult<DenseInfo> {
    let mut c = Cursor::new(data, 0, sizes, "attribute info message");
    c.u8()?;
    let flags = c.u8()?;
    if flags & 1 != 0 {
        c.skip(2)?;
    }
    Ok(DenseInfo {
        heap: c.offset()?,
        name_btree: c.offset()?,
    })
}

/// Parses a symbol table message: (v1 B-tree address, local heap address).
pub(crate) fn parse_symbol_table(data: &[u8], sizes: Sizes) -> KResult<(u64, u64)> {
    let mut c = Cursor::new(data, 0, sizes, "symbol table message");
    let bt = c.offset()?;
    let heap = c.offset()?;
    match (bt, heap) {
        (Some(b), Some(h)) => Ok((b, h)),
        _ => Err(ErrorKind::corrupt(
            "symbol table message with undefined address",
        )),
    }
}
