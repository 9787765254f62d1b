//! The filter pipeline message: which filters were applied, in write order.

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};

/// Filter id of deflate (zlib).
pub(crate) const DEFLATE: u16 = 1;
/// Filter id of shuffle.
pub(crate) const SHUFFLE: u16 = 2;
/// Filter id of Fletcher-32.
pub(crate) const FLETCHER32: u16 = 3;

/// One filter of a dataset's pipeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Filter {
    /// HDF5 filter id (1 deflate, 2 shuffle, 3 fletcher32, 4 szip, 32000+ registered).
    pub id: u16,
    /// Name stored in the file, or the well-known name.
    pub name: String,
    /// Optional filters may be skipped per chunk.
    pub optional: bool,
    /// Client data (e.g. the deflate level, the shuffle element size).
    pub params: Vec<u32>,
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.id, self.params.first()) {
            (DEFLATE, Some(level)) => write!(f, "deflate({level})"),
            (DEFLATE | SHUFFLE | FLETCHER32, _) => write!(f, "{}", self.name),
            _ => write!(f, "{} (id {})", self.name, self.id),
        }
    }
}

/// The well-known name of a filter id.
pub(crate) fn known_name(id: u16) -> &'static str {
    match id {
        DEFLATE => "deflate",
        SHUFFLE => "shuffle",
        FLETCHER32 => "fletcher32",
        4 => "szip",
        5 => "nbit",
        6 => "scaleoffset",
        32000 => "lzf",
        32001 => "blosc",
        32004 => "lz4",
        32008 => "bitshuffle",
        32015 => "zstd",
        _ => "unknown",
    }
}

/// Parses a filter pipeline message body.
pub(crate) fn parse(data: &[u8], sizes: Sizes) -> KResult<Vec<Filter>> {
    let mut c = Cursor::new(data, 0, sizes, "filter pipeline message");
    let version = c.u8()?;
    let n = usize::from(c.u8()?);
    if n > 32 {
        return Err(ErrorKind::TooLarge {
            what: "filter count",
            value: n as u64,
            limit: 32,
        });
    }
    match version {
        1 => c.skip(6)?,
        2 => {}
        v => return Err(ErrorKind::corrupt(format!("filter pipeline version {v}"))),
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let id = c.u16()?;
        let name_len = if version == 1 || id >= 256 {
            usize::from(c.u16()?)
        } else {
            0
        };
        let flags = c.u16()?;
        let nparams = usize::from(c.u16()?);
        let name = if name_len > 0 {
            let raw = c.bytes(name_len)?;
            if version == 1 {
                c.skip(name_len.div_ceil(8) * 8 - name_len)?;
            }
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            String::from_utf8_lossy(&raw[..end]).into_owned()
        } else {
            String::new()
        };
        let mut params = Vec::with_capacity(nparams.min(64));
        for _ in 0..nparams {
            params.push(c.u32()?);
        }
        if version == 1 && nparams % 2 == 1 {
            c.skip(4)?;
        }
        let name = if name.is_empty() {
            known_name(id).to_string()
        } else {
            name
        };
        out.push(Filter {
            id,
            name,
            optional: flags & 1 != 0,
            params,
        });
    }
    Ok(out)
}
