//! Object headers, version 1 and 2, following continuation blocks, into a
//! flat list of raw messages. Message bodies are decoded in `messages/`.

use std::collections::HashSet;

use bytes::Bytes;

use super::cursor::{Cursor, Sizes, verify_checksum};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

/// Message type numbers used by the reader.
pub(crate) mod kind {
    pub(crate) const DATASPACE: u16 = 0x01;
    pub(crate) const LINK_INFO: u16 = 0x02;
    pub(crate) const DATATYPE: u16 = 0x03;
    pub(crate) const FILL_OLD: u16 = 0x04;
    pub(crate) const FILL: u16 = 0x05;
    pub(crate) const LINK: u16 = 0x06;
    pub(crate) const EXTERNAL_FILES: u16 = 0x07;
    pub(crate) const LAYOUT: u16 = 0x08;
    pub(crate) const FILTERS: u16 = 0x0B;
    pub(crate) const ATTRIBUTE: u16 = 0x0C;
    pub(crate) const CONTINUATION: u16 = 0x10;
    pub(crate) const SYMBOL_TABLE: u16 = 0x11;
    pub(crate) const ATTRIBUTE_INFO: u16 = 0x15;
}

/// Message flag: the body is a shared-message reference.
pub(crate) const FLAG_SHARED: u8 = 0x02;

/// Caps against hostile headers.
const MAX_MESSAGES: usize = 65_536;
const MAX_HEADER_BYTES: u64 = 16 << 20;
const MAX_BLOCKS: usize = 4096;

/// One header message.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) kind: u16,
    pub(crate) flags: u8,
    pub(crate) data: Bytes,
}

/// A parsed object header.
#[derive(Debug, Clone)]
pub(crate) struct ObjectHeader {
    pub(crate) messages: Vec<Message>,
}

impl ObjectHeader {
    /// The first message of a kind.
    pub(crate) fn first(&self, kind: u16) -> Option<&Message> {
        self.messages.iter().find(|m| m.kind == kind)
    }

    /// All messages of a kind.
    pub(crate) fn all(&self, kind: u16) -> impl Iterator<Item = &Message> {
        self.messages.iter().filter(move |m| m.kind == kind)
    }
}

/// Reads and parses the object header at `addr`.
pub(crate) async fn read(src: &Source, sizes: Sizes, addr: u64) -> KResult<ObjectHeader> {
    // Read behind: a group's B-tree and heap usually lie just before its
    // header (or its continuation block), and are read next.
    let prefix = src.meta_behind("object header", addr, 16).await?;
    let mut messages = Vec::new();
    let mut pending: Vec<(u64, u64)> = Vec::new();
    let mut seen: HashSet<u64> = HashSet::new();
    seen.insert(addr);
    let mut total = 0u64;
    let v2 = prefix.get(..4) == Some(b"OHDR");
    if v2 {
        let mut c = Cursor::new(&prefix, addr, sizes, "object header");
        c.skip(4)?;
        if c.u8()? != 2 {
            return Err(ErrorKind::BadSignature {
                what: "object header version",
                addr,
            });
        }
        let flags = c.u8()?;
        let mut head = 6usize;
        if flags & 0x20 != 0 {
            head += 16;
        }
        if flags & 0x10 != 0 {
            head += 4;
        }
        let size_len = 1usize << (flags & 3);
        let head_buf = src
            .meta("object header", addr, (head + size_len) as u64)
            .await?;
        let mut c = Cursor::new(&head_buf, addr, sizes, "object header");
        c.seek(head)?;
        let chunk_size = c.uint(size_len)?;
        cap(&mut total, chunk_size)?;
        let start = (head + size_len) as u64;
        let len = start + chunk_size + 4;
        let buf = src.meta("object header", addr, len).await?;
        verify_checksum(&buf, (start + chunk_size) as usize, "object header", addr)?;
        let body = buf.slice(start as usize..(start + chunk_size) as usize);
        parse_v2_messages(&body, addr, sizes, flags, &mut messages, &mut pending)?;
        while !pending.is_empty() {
            let (caddr, clen) = pending.remove(0);
            enter(&mut seen, caddr)?;
            cap(&mut total, clen)?;
            let buf = src
                .meta_behind("object header continuation", caddr, clen)
                .await?;
            if buf.len() as u64 != clen || clen < 8 || buf.get(..4) != Some(b"OCHK") {
                return Err(ErrorKind::BadSignature {
                    what: "object header continuation block",
                    addr: caddr,
                });
            }
            verify_checksum(&buf, clen as usize - 4, "object header continuation", caddr)?;
            let body = buf.slice(4..clen as usize - 4);
            parse_v2_messages(&body, caddr, sizes, flags, &mut messages, &mut pending)?;
            guard(&messages, &seen)?;
        }
    } else {
        let mut c = Cursor::new(&prefix, addr, sizes, "object header");
        let version = c.u8()?;
        if version != 1 {
            return Err(ErrorKind::BadSignature {
                what: "object header (version 1 or OHDR)",
                addr,
            });
        }
        c.skip(1)?;
        let _nmesg = c.u16()?;
        c.skip(4)?; // reference count
        let size = u64::from(c.u32()?);
        cap(&mut total, size)?;
        // Messages start after the 12-byte prefix, aligned to 8 (16 bytes).
        let buf = src
            .meta("object header", addr.wrapping_add(16), size)
            .await?;
        if (buf.len() as u64) < size {
            return Err(ErrorKind::Truncated {
                what: "object header",
                addr,
            });
        }
        parse_v1_messages(
            &buf,
            addr.wrapping_add(16),
            sizes,
            &mut messages,
            &mut pending,
        )?;
        while !pending.is_empty() {
            let (caddr, clen) = pending.remove(0);
            enter(&mut seen, caddr)?;
            cap(&mut total, clen)?;
            let buf = src
                .meta_behind("object header continuation", caddr, clen)
                .await?;
            if (buf.len() as u64) < clen {
                return Err(ErrorKind::Truncated {
                    what: "object header continuation",
                    addr: caddr,
                });
            }
            parse_v1_messages(&buf, caddr, sizes, &mut messages, &mut pending)?;
            guard(&messages, &seen)?;
        }
    }
    Ok(ObjectHeader { messages })
}

fn enter(seen: &mut HashSet<u64>, addr: u64) -> KResult<()> {
    if seen.insert(addr) {
        Ok(())
    } else {
        Err(ErrorKind::Cycle {
            what: "object header continuation",
            addr,
        })
    }
}

fn guard(messages: &[Message], seen: &HashSet<u64>) -> KResult<()> {
    if messages.len() > MAX_MESSAGES {
        return Err(ErrorKind::TooLarge {
            what: "object header message count",
            value: messages.len() as u64,
            limit: MAX_MESSAGES as u64,
        });
    }
    if seen.len() > MAX_BLOCKS {
        return Err(ErrorKind::TooLarge {
            what: "object header continuation blocks",
            value: seen.len() as u64,
            limit: MAX_BLOCKS as u64,
        });
    }
    Ok(())
}

fn cap(total: &mut u64, add: u64) -> KResult<()> {
    *total = total.saturating_add(add);
    if *total > MAX_HEADER_BYTES {
        return Err(ErrorKind::TooLarge {
            what: "object header size",
            value: *total,
            limit: MAX_HEADER_BYTES,
        });
    }
    Ok(())
}

fn continuation(data: &[u8], addr: u64, sizes: Sizes) -> KResult<(u64, u64)> {
    let mut c = Cursor::new(data, addr, sizes, "continuation message");
    let a = c
        .offset()?
        .ok_or_else(|| ErrorKind::corrupt("continuation message with undefined address"))?;
    let l = c.length()?;
    Ok((a, l))
}

fn parse_v1_messages(
    buf: &Bytes,
    addr: u64,
    sizes: Sizes,
    out: &mut Vec<Message>,
    pending: &mut Vec<(u64, u64)>,
) -> KResult<()> {
    let mut c = Cursor::new(buf, addr, sizes, "object header message");
    while c.remaining() >= 8 {
        let kind = c.u16()?;
        let size = usize::from(c.u16()?);
        let flags = c.u8()?;
        c.skip(3)?;
        let start = c.pos();
        c.skip(size)?;
        let data = buf.slice(start..start + size);
        // v1 messages are 8-byte aligned relative to the header.
        let aligned = c.pos().div_ceil(8) * 8;
        c.seek(aligned.min(buf.len()))?;
        push(kind, flags, data, addr, sizes, out, pending)?;
    }
    Ok(())
}

fn parse_v2_messages(
    body: &Bytes,
    addr: u64,
    sizes: Sizes,
    hflags: u8,
    out: &mut Vec<Message>,
    pending: &mut Vec<(u64, u64)>,
) -> KResult<()> {
    let head = if hflags & 0x04 != 0 { 6 } else { 4 };
    let mut c = Cursor::new(body, addr, sizes, "object header message");
    while c.remaining() >= head {
        let kind = u16::from(c.u8()?);
        let size = usize::from(c.u16()?);
        let flags = c.u8()?;
        if hflags & 0x04 != 0 {
            c.skip(2)?;
        }
        let start = c.pos();
        c.skip(size)?;
        push(
            kind,
            flags,
            body.slice(start..start + size),
            addr,
            sizes,
            out,
            pending,
        )?;
    }
    Ok(())
}

fn push(
    kind: u16,
    flags: u8,
    data: Bytes,
    addr: u64,
    sizes: Sizes,
    out: &mut Vec<Message>,
    pending: &mut Vec<(u64, u64)>,
) -> KResult<()> {
    if kind == kind::CONTINUATION {
        pending.push(continuation(&data, addr, sizes)?);
    } else if kind != 0 {
        out.push(Message { kind, flags, data });
    }
    if out.len() > MAX_MESSAGES {
        return Err(ErrorKind::TooLarge {
            what: "object header message count",
            value: out.len() as u64,
            limit: MAX_MESSAGES as u64,
        });
    }
    Ok(())
}
