//! The global heap: variable-length data (here, variable-length strings).

use bytes::Bytes;

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

const MAX_COLLECTION: u64 = 64 << 20;

/// Resolves one stored variable-length element (length, collection
/// address, object index) to its bytes.
pub(crate) async fn vlen(src: &Source, sizes: Sizes, elem: &[u8]) -> KResult<Bytes> {
    let mut c = Cursor::new(elem, 0, sizes, "variable-length element");
    let len = u64::from(c.u32()?);
    let Some(coll) = c.offset()? else {
        return Ok(Bytes::new());
    };
    let index = c.u32()?;
    if len == 0 {
        return Ok(Bytes::new());
    }
    let ls = u64::from(sizes.length);
    let head = src.meta("global heap collection", coll, 8 + ls).await?;
    let mut h = Cursor::new(&head, coll, sizes, "global heap collection");
    h.signature(*b"GCOL")?;
    h.skip(4)?;
    let size = h.length()?;
    if size > MAX_COLLECTION {
        return Err(ErrorKind::TooLarge {
            what: "global heap collection size",
            value: size,
            limit: MAX_COLLECTION,
        });
    }
    let buf = src.meta("global heap collection", coll, size).await?;
    let mut c = Cursor::new(&buf, coll, sizes, "global heap collection");
    c.skip(8 + ls as usize)?;
    while c.remaining() >= 8 + ls as usize {
        let idx = c.u16()?;
        c.skip(6)?;
        let osize = c.length()?;
        if idx == 0 {
            break; // free space: the rest of the collection
        }
        let osize_us =
            usize::try_from(osize).map_err(|_| ErrorKind::corrupt("global heap object size"))?;
        let start = c.pos();
        c.skip(osize_us)?;
        if u32::from(idx) == index {
            let take = (len as usize).min(osize_us);
            return Ok(buf.slice(start..start + take));
        }
        let aligned = c.pos().div_ceil(8) * 8;
        c.seek(aligned.min(buf.len()))?;
    }
    Err(ErrorKind::corrupt(format!(
        "global heap object {index} not found in the collection at {coll:#x}"
    )))
}
