//! The read side of the filter pipeline: Fletcher-32 (verified), deflate
//! (libdeflate, the fastest inflate measured here; see `benches/inflate.rs`)
//! and shuffle. Any other filter is an error that names it.

use std::cell::RefCell;

use crate::error::{ErrorKind, KResult};
use crate::format::pipeline::{DEFLATE, FLETCHER32, Filter, SHUFFLE};

thread_local! {
    static INFLATER: RefCell<libdeflater::Decompressor> = RefCell::new(libdeflater::Decompressor::new());
}

/// Undoes the pipeline on one stored chunk; `out_len` is the unfiltered
/// chunk size. `mask` bit i set means filter i was skipped for this chunk.
pub(crate) fn decode(
    raw: &[u8],
    filters: &[Filter],
    mask: u32,
    out_len: usize,
    addr: u64,
) -> KResult<Vec<u8>> {
    let active = |i: usize| i >= 32 || mask & (1 << i) == 0;
    let mut buf: Option<Vec<u8>> = None;
    for (i, f) in filters.iter().enumerate().rev() {
        if !active(i) {
            continue;
        }
        let cur: &[u8] = buf.as_deref().unwrap_or(raw);
        match f.id {
            FLETCHER32 => {
                let body = fletcher_verify(cur, addr)?;
                buf = Some(body.to_vec());
            }
            DEFLATE => {
                // Fletcher-32 applied before deflate (when written) adds 4 bytes each.
                let extra = filters[..i]
                    .iter()
                    .enumerate()
                    .filter(|(j, g)| g.id == FLETCHER32 && active(*j))
                    .count()
                    * 4;
                buf = Some(inflate(cur, out_len + extra, addr)?);
            }
            SHUFFLE => {
                let es = f.params.first().copied().unwrap_or(1) as usize;
                buf = Some(unshuffle(cur, es));
            }
            id if f.optional => {
                // An optional filter that was applied cannot be skipped on read.
                return Err(ErrorKind::unsupported(format!(
                    "filter {} (id {id})",
                    f.name
                )));
            }
            id => {
                return Err(ErrorKind::unsupported(format!(
                    "filter {} (id {id})",
                    f.name
                )));
            }
        }
    }
    let out = buf.unwrap_or_else(|| raw.to_vec());
    if out.len() != out_len {
        return Err(ErrorKind::corrupt(format!(
            "chunk at {addr:#x} decodes to {} bytes, expected {out_len}",
            out.len()
        )));
    }
    Ok(out)
}

/// zlib-wrapped deflate into exactly `len` bytes.
fn inflate(src: &[u8], len: usize, addr: u64) -> KResult<Vec<u8>> {
    let mut out = vec![0u8; len];
    let n = INFLATER
        .with(|d| d.borrow_mut().zlib_decompress(src, &mut out))
        .map_err(|e| {
            ErrorKind::corrupt(format!("deflate stream of the chunk at {addr:#x}: {e}"))
        })?;
    out.truncate(n);
    Ok(out)
}

/// Reverses the byte shuffle for elements of `es` bytes.
pub(crate) fn unshuffle(src: &[u8], es: usize) -> Vec<u8> {
    let n = src.len() / es.max(1);
    if es <= 1 || n <= 1 {
        return src.to_vec();
    }
    let mut out = vec![0u8; src.len()];
    for b in 0..es {
        let plane = &src[b * n..(b + 1) * n];
        for (i, &v) in plane.iter().enumerate() {
            out[i * es + b] = v;
        }
    }
    // Bytes that do not fill a whole element are stored unshuffled at the end.
    out[n * es..].copy_from_slice(&src[n * es..]);
    out
}

/// libhdf5's Fletcher-32 over big-endian 16-bit words.
pub(crate) fn fletcher32(data: &[u8]) -> u32 {
    let (mut s1, mut s2) = (0u32, 0u32);
    for block in data.chunks(720) {
        let mut words = block.chunks_exact(2);
        for w in &mut words {
            s1 += u32::from(w[0]) << 8 | u32::from(w[1]);
            s2 += s1;
        }
        if let [last] = words.remainder() {
            s1 += u32::from(*last) << 8;
            s2 += s1;
        }
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
    (s2 << 16) | s1
}

/// Checks the trailing checksum and returns the body.
fn fletcher_verify(buf: &[u8], addr: u64) -> KResult<&[u8]> {
    if buf.len() < 4 {
        return Err(ErrorKind::Truncated {
            what: "fletcher32 chunk",
            addr,
        });
    }
    let (body, tail) = buf.split_at(buf.len() - 4);
    let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let sum = fletcher32(body);
    // libhdf5 before 1.6.3 stored it byte-swapped on little-endian machines; accept both.
    if stored == sum || stored == sum.swap_bytes() {
        Ok(body)
    } else {
        Err(ErrorKind::Checksum {
            what: "fletcher32 chunk",
            addr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unshuffle_roundtrip() {
        // Two u32 elements, shuffled: byte planes.
        let shuffled = [1, 5, 2, 6, 3, 7, 4, 8, 9];
        assert_eq!(unshuffle(&shuffled, 4), vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
}
