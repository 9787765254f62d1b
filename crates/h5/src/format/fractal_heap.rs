//! Fractal heaps (dense link and attribute storage): look up an object by
//! its heap ID. Managed and tiny objects are supported; huge objects and
//! filtered heaps are reported as unsupported.

use bytes::Bytes;

use super::cursor::{Cursor, Sizes, limit_enc_size, log2_floor, verify_checksum};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

const MAX_DEPTH: u32 = 32;

/// The header fields needed for lookups.
#[derive(Debug, Clone)]
pub(crate) struct Heap {
    addr: u64,
    id_len: usize,
    filtered: bool,
    checksum_direct: bool,
    width: u64,
    start_block: u64,
    max_direct: u64,
    off_size: usize,
    len_size: usize,
    root: Option<u64>,
    root_rows: u64,
}

/// Reads a fractal heap header.
pub(crate) async fn open(src: &Source, sizes: Sizes, addr: u64) -> KResult<Heap> {
    let (os, ls) = (u64::from(sizes.offset), u64::from(sizes.length));
    let len = 4 + 1 + 2 + 2 + 1 + 4 + ls + os + ls + os + 8 * ls + 2 + 2 * ls + 2 + 2 + os + 2;
    let buf = src
        .meta("fractal heap header", addr, len + ls + 4 + 4 + 256)
        .await?;
    let mut c = Cursor::new(&buf, addr, sizes, "fractal heap header");
    c.signature(*b"FRHP")?;
    if c.u8()? != 0 {
        return Err(ErrorKind::BadSignature {
            what: "fractal heap version",
            addr,
        });
    }
    let id_len = usize::from(c.u16()?);
    let filter_len = usize::from(c.u16()?);
    let flags = c.u8()?;
    let max_managed = u64::from(c.u32()?);
    c.length()?; // next huge id
    c.offset()?; // huge object B-tree
    c.length()?; // free space
    c.offset()?; // free-space manager
    for _ in 0..8 {
        c.length()?;
    }
    let width = u64::from(c.u16()?);
    let start_block = c.length()?;
    let max_direct = c.length()?;
    let max_heap_bits = u32::from(c.u16()?);
    c.u16()?; // starting rows
    let root = c.offset()?;
    let root_rows = u64::from(c.u16()?);
    if filter_len > 0 {
        c.length()?;
        c.u32()?;
        c.skip(filter_len)?;
    }
    verify_checksum(&buf, c.pos(), "fractal heap header", addr)?;
    let pow2 = |v: u64| v != 0 && v.is_power_of_two();
    if !(pow2(width) && pow2(start_block) && pow2(max_direct) && max_direct >= start_block)
        || max_heap_bits == 0
        || max_heap_bits > 64
        || max_direct > (1 << 32)
        || root_rows > 64
    {
        return Err(ErrorKind::corrupt(format!(
            "fractal heap header at {addr:#x}: bad table parameters"
        )));
    }
    let off_size = max_heap_bits.div_ceil(8) as usize;
    let dir_off_size = log2_floor(max_direct).div_ceil(8) as usize;
    let len_size = dir_off_size.min(limit_enc_size(max_managed));
    Ok(Heap {
        addr,
        id_len,
        filtered: filter_len > 0,
        checksum_direct: flags & 2 != 0,
        width,
        start_block,
        max_direct,
        off_size,
        len_size,
        root,
        root_rows,
    })
}

impl Heap {
    fn row_size(&self, row: u64) -> u64 {
        if row == 0 {
            self.start_block
        } else {
            self.start_block.saturating_mul(1u64 << (row - 1).min(62))
        }
    }

    fn max_direct_rows(&self) -> u64 {
        u64::from(log2_floor(self.max_direct) - log2_floor(self.start_block)) + 2
    }

    /// The object with heap ID `id`.
    pub(crate) async fn object(&self, src: &Source, sizes: Sizes, id: &[u8]) -> KResult<Bytes> {
        let first = *id
            .first()
            .ok_or_else(|| ErrorKind::corrupt("empty fractal heap ID"))?;
        if first >> 6 != 0 {
            return Err(ErrorKind::corrupt("fractal heap ID version"));
        }
        match (first >> 4) & 3 {
            0 => {
                let mut c = Cursor::new(id, 0, sizes, "fractal heap ID");
                c.skip(1)?;
                let off = c.uint(self.off_size)?;
                let len = c.uint(self.len_size)?;
                self.managed(src, sizes, off, len).await
            }
            1 => Err(ErrorKind::unsupported("huge objects in a fractal heap")),
            2 => {
                let (len, start) = if self.id_len <= 18 {
                    (usize::from(first & 0x0f) + 1, 1)
                } else {
                    let b1 = *id
                        .get(1)
                        .ok_or_else(|| ErrorKind::corrupt("short tiny heap ID"))?;
                    ((usize::from(first & 0x0f) << 8 | usize::from(b1)) + 1, 2)
                };
                id.get(start..start + len)
                    .map(Bytes::copy_from_slice)
                    .ok_or_else(|| ErrorKind::corrupt("tiny heap object longer than its ID"))
            }
            _ => Err(ErrorKind::corrupt("fractal heap ID type")),
        }
    }

    async fn managed(&self, src: &Source, sizes: Sizes, off: u64, len: u64) -> KResult<Bytes> {
        if self.filtered {
            return Err(ErrorKind::unsupported("filtered fractal heap"));
        }
        let root = self
            .root
            .ok_or_else(|| ErrorKind::corrupt("fractal heap object in an empty heap"))?;
        let os = u64::from(sizes.offset);
        let (mut addr, mut block_off, mut rows) = (root, 0u64, self.root_rows);
        let mut depth = 0;
        // Descend through indirect blocks until the direct block holding `off`.
        while rows > 0 {
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(ErrorKind::Cycle {
                    what: "fractal heap indirect blocks",
                    addr,
                });
            }
            let prefix = 4 + 1 + os + self.off_size as u64;
            let n = rows.saturating_mul(self.width);
            if n > 1 << 16 {
                return Err(ErrorKind::TooLarge {
                    what: "fractal heap indirect block entries",
                    value: n,
                    limit: 1 << 16,
                });
            }
            let buf = src
                .meta("fractal heap indirect block", addr, prefix + n * os + 4)
                .await?;
            let mut c = Cursor::new(&buf, addr, sizes, "fractal heap indirect block");
            c.signature(*b"FHIB")?;
            c.seek(prefix as usize)?;
            let mut cur = block_off;
            let mut next = None;
            for i in 0..n {
                let row = i / self.width;
                let size = self.row_size(row);
                let child = c.offset()?;
                if off >= cur && off < cur.saturating_add(size) {
                    let child = child.ok_or_else(|| {
                        ErrorKind::corrupt("fractal heap object in an unallocated block")
                    })?;
                    let child_rows = if row < self.max_direct_rows() {
                        0
                    } else {
                        u64::from(log2_floor(size).saturating_sub(log2_floor(
                            self.start_block.saturating_mul(self.width),
                        ))) + 1
                    };
                    next = Some((child, cur, child_rows));
                    break;
                }
                cur = cur.saturating_add(size);
            }
            let (child, child_off, child_rows) =
                next.ok_or_else(|| ErrorKind::corrupt("fractal heap offset outside the heap"))?;
            if child == addr {
                return Err(ErrorKind::Cycle {
                    what: "fractal heap indirect block",
                    addr,
                });
            }
            (addr, block_off, rows) = (child, child_off, child_rows);
        }
        // Direct block: the object sits at `off - block_off` from its start.
        let rel = off - block_off;
        let head = 4 + 1 + os + self.off_size as u64 + if self.checksum_direct { 4 } else { 0 };
        if rel < head {
            return Err(ErrorKind::corrupt(
                "fractal heap object inside a block header",
            ));
        }
        let prefix = src.meta("fractal heap direct block", addr, 5).await?;
        if prefix.get(..4) != Some(b"FHDB") {
            return Err(ErrorKind::BadSignature {
                what: "fractal heap direct block",
                addr,
            });
        }
        let _ = self.addr;
        let data = src
            .meta("fractal heap object", addr.wrapping_add(rel), len)
            .await?;
        if data.len() as u64 != len {
            return Err(ErrorKind::Truncated {
                what: "fractal heap object",
                addr: addr + rel,
            });
        }
        Ok(data)
    }
}
