//! Version-2 B-trees: enumerate every record (dense link and attribute name
//! indexes, chunk indexes of datasets with several unlimited dimensions).

use bytes::Bytes;

use super::cursor::{Cursor, Sizes, limit_enc_size, verify_checksum};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

const MAX_RECORDS: u64 = 1 << 24;
const PREFIX: u64 = 10; // signature, version, type, checksum

/// The header fields needed to walk the tree.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) rtype: u8,
    node_size: u64,
    rec_size: usize,
    depth: u16,
    root: Option<u64>,
    root_nrec: u64,
    /// Bytes of the "records below" field per depth (index = depth).
    cum_size: Vec<usize>,
    nrec_size: usize,
}

/// Reads a v2 B-tree header.
pub(crate) async fn header(src: &Source, sizes: Sizes, addr: u64) -> KResult<Header> {
    let len =
        4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + u64::from(sizes.offset) + 2 + u64::from(sizes.length) + 4;
    let buf = src.meta("v2 B-tree header", addr, len).await?;
    let mut c = Cursor::new(&buf, addr, sizes, "v2 B-tree header");
    c.signature(*b"BTHD")?;
    if c.u8()? != 0 {
        return Err(ErrorKind::BadSignature {
            what: "v2 B-tree header version",
            addr,
        });
    }
    let rtype = c.u8()?;
    let node_size = u64::from(c.u32()?);
    let rec_size = usize::from(c.u16()?);
    let depth = c.u16()?;
    c.skip(2)?;
    let root = c.offset()?;
    let root_nrec = u64::from(c.u16()?);
    let _total = c.length()?;
    verify_checksum(&buf, c.pos(), "v2 B-tree header", addr)?;
    if rec_size == 0 || node_size <= PREFIX || node_size > (1 << 24) || depth > 64 {
        return Err(ErrorKind::corrupt(format!(
            "v2 B-tree header at {addr:#x}: node size {node_size}, record size {rec_size}, depth {depth}"
        )));
    }
    // Node capacities, as libhdf5's H5B2__hdr_init computes them.
    let os = u64::from(sizes.offset);
    let leaf_max = (node_size - PREFIX) / rec_size as u64;
    let nrec_size = limit_enc_size(leaf_max);
    let mut cum_max = vec![leaf_max];
    let mut cum_size = vec![0usize];
    for d in 1..=usize::from(depth) {
        let ptr = os + nrec_size as u64 + if d > 1 { cum_size[d - 1] as u64 } else { 0 };
        let max = node_size.saturating_sub(PREFIX + ptr) / (rec_size as u64 + ptr);
        let cum = max
            .saturating_add(1)
            .saturating_mul(cum_max[d - 1])
            .saturating_add(max);
        cum_max.push(cum);
        cum_size.push(limit_enc_size(cum).min(8));
    }
    Ok(Header {
        rtype,
        node_size,
        rec_size,
        depth,
        root,
        root_nrec,
        cum_size,
        nrec_size,
    })
}

/// Every record of the tree (in no particular order).
pub(crate) async fn records(src: &Source, sizes: Sizes, h: &Header) -> KResult<Vec<Bytes>> {
    let mut out = Vec::new();
    let Some(root) = h.root else {
        return Ok(out);
    };
    // (address, records in node, depth)
    let mut stack = vec![(root, h.root_nrec, h.depth)];
    let mut nodes = 0u64;
    while let Some((addr, nrec, depth)) = stack.pop() {
        nodes += 1;
        if nodes > MAX_RECORDS {
            return Err(ErrorKind::TooLarge {
                what: "v2 B-tree nodes",
                value: nodes,
                limit: MAX_RECORDS,
            });
        }
        if out.len() as u64 + nrec > MAX_RECORDS {
            return Err(ErrorKind::TooLarge {
                what: "v2 B-tree records",
                value: out.len() as u64 + nrec,
                limit: MAX_RECORDS,
            });
        }
        let buf = src.meta("v2 B-tree node", addr, h.node_size).await?;
        let mut c = Cursor::new(&buf, addr, sizes, "v2 B-tree node");
        let sig: [u8; 4] = if depth == 0 { *b"BTLF" } else { *b"BTIN" };
        c.signature(sig)?;
        c.skip(1)?;
        if c.u8()? != h.rtype {
            return Err(ErrorKind::corrupt(format!(
                "v2 B-tree node at {addr:#x}: record type differs from header"
            )));
        }
        let mut recs = Vec::with_capacity(nrec as usize);
        for _ in 0..nrec {
            let p = c.pos();
            c.skip(h.rec_size)?;
            recs.push(buf.slice(p..p + h.rec_size));
        }
        if depth == 0 {
            verify_checksum(&buf, c.pos(), "v2 B-tree leaf", addr)?;
            out.extend(recs);
            continue;
        }
        let mut children = Vec::with_capacity(nrec as usize + 1);
        for _ in 0..=nrec {
            let child = c
                .offset()?
                .ok_or_else(|| ErrorKind::corrupt("v2 B-tree child with undefined address"))?;
            let n = c.uint(h.nrec_size)?;
            if depth > 1 {
                c.uint(h.cum_size[usize::from(depth) - 1])?;
            }
            children.push((child, n));
        }
        verify_checksum(&buf, c.pos(), "v2 B-tree internal node", addr)?;
        // Order does not matter to the callers (links are sorted by name,
        // chunks are looked up by offset).
        out.extend(recs);
        for (child, n) in children {
            stack.push((child, n, depth - 1));
        }
    }
    Ok(out)
}
