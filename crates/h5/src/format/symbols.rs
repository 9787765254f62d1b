//! Old-style groups: local heap (link names) and symbol table nodes.

use bytes::Bytes;

use super::cursor::{Cursor, Sizes};
use super::link::{Link, Target};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

const MAX_HEAP: u64 = 64 << 20;

/// Reads a local heap's data segment.
pub(crate) async fn local_heap(src: &Source, sizes: Sizes, addr: u64) -> KResult<Bytes> {
    let len = 8 + 2 * u64::from(sizes.length) + u64::from(sizes.offset);
    let buf = src.meta("local heap", addr, len).await?;
    let mut c = Cursor::new(&buf, addr, sizes, "local heap");
    c.signature(*b"HEAP")?;
    c.skip(4)?;
    let size = c.length()?;
    c.length()?;
    let data = c
        .offset()?
        .ok_or_else(|| ErrorKind::corrupt("local heap with undefined data address"))?;
    if size > MAX_HEAP {
        return Err(ErrorKind::TooLarge {
            what: "local heap size",
            value: size,
            limit: MAX_HEAP,
        });
    }
    src.meta("local heap data", data, size).await
}

/// One entry of a symbol table node, before its name is looked up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Symbol {
    name_off: usize,
    obj: Option<u64>,
    /// A soft link's target (heap offset), from the scratch pad.
    soft: Option<usize>,
}

/// The entries of one symbol table node (names are looked up later with
/// [`links`], so the node and the heap can be read at once).
pub(crate) async fn snod_symbols(src: &Source, sizes: Sizes, addr: u64) -> KResult<Vec<Symbol>> {
    let head = src.meta("symbol table node", addr, 8).await?;
    let mut c = Cursor::new(&head, addr, sizes, "symbol table node");
    c.signature(*b"SNOD")?;
    c.skip(2)?;
    let n = usize::from(c.u16()?);
    let os = usize::from(sizes.offset);
    let entry = 2 * os + 24;
    let buf = src
        .meta(
            "symbol table node",
            addr.wrapping_add(8),
            (n * entry) as u64,
        )
        .await?;
    let mut c = Cursor::new(&buf, addr, sizes, "symbol table node");
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let name_off = c.uint(os)? as usize;
        let obj = c.offset()?;
        let cache_type = c.u32()?;
        c.skip(4)?;
        let scratch = c.bytes(16)?;
        // Soft link: the scratch pad holds the offset of the target in the heap.
        let soft = (cache_type == 2)
            .then(|| u32::from_le_bytes([scratch[0], scratch[1], scratch[2], scratch[3]]) as usize);
        out.push(Symbol {
            name_off,
            obj,
            soft,
        });
    }
    Ok(out)
}

/// The links of symbol table entries, names looked up in `heap`.
pub(crate) fn links(symbols: &[Symbol], heap: &[u8]) -> KResult<Vec<Link>> {
    symbols
        .iter()
        .map(|s| {
            let name = heap_name(heap, s.name_off)?;
            let target = match s.soft {
                Some(off) => Target::Soft(heap_name(heap, off)?),
                None => Target::Hard(s.obj.ok_or_else(|| {
                    ErrorKind::corrupt(format!("symbol '{name}' has an undefined address"))
                })?),
            };
            Ok(Link { name, target })
        })
        .collect()
}

fn heap_name(heap: &[u8], off: usize) -> KResult<String> {
    let rest = heap.get(off..).ok_or_else(|| {
        ErrorKind::corrupt(format!("link name offset {off} outside the local heap"))
    })?;
    let n = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| ErrorKind::corrupt("unterminated link name in local heap"))?;
    Ok(String::from_utf8_lossy(&rest[..n]).into_owned())
}
