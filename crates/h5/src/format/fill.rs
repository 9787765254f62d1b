//! Fill value messages (the old one, 0x04, and the current one, 0x05).

use bytes::Bytes;

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};

/// Parses a fill value message (0x05); `None` when no value is defined.
pub(crate) fn parse(data: &Bytes, sizes: Sizes) -> KResult<Option<Bytes>> {
    let mut c = Cursor::new(data, 0, sizes, "fill value message");
    let version = c.u8()?;
    match version {
        1 | 2 => {
            c.skip(2)?; // allocation time, write time
            let defined = c.u8()? != 0;
            if version == 2 && !defined {
                return Ok(None);
            }
            value(&mut c, data)
        }
        3 => {
            let flags = c.u8()?;
            if flags & 0x20 == 0 {
                return Ok(None);
            }
            value(&mut c, data)
        }
        v => Err(ErrorKind::corrupt(format!(
            "fill value message version {v}"
        ))),
    }
}

/// Parses the old fill value message (0x04).
pub(crate) fn parse_old(data: &Bytes, sizes: Sizes) -> KResult<Option<Bytes>> {
    let mut c = Cursor::new(data, 0, sizes, "old fill value message");
    value(&mut c, data)
}

fn value(c: &mut Cursor<'_>, data: &Bytes) -> KResult<Option<Bytes>> {
    if c.remaining() < 4 {
        return Ok(None);
    }
    let n = c.u32()? as usize;
    if n == 0 {
        return Ok(None);
    }
    let start = c.pos();
    c.skip(n)?;
    Ok(Some(data.slice(start..start + n)))
}
