//! Version-1 B-trees: group nodes (→ symbol table nodes) and raw-data chunk
//! nodes (→ chunk addresses), with pruning by row range and cycle checks.

use std::collections::HashSet;
use std::ops::Range;

use bytes::Bytes;

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

const MAX_DEPTH: u8 = 64;
const MAX_NODES: usize = 1 << 20;

/// A chunk found in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkRecord {
    /// Chunk offsets in elements (dataset rank).
    pub(crate) offset: Vec<u64>,
    /// File address (relative).
    pub(crate) addr: u64,
    /// Stored (filtered) size in bytes.
    pub(crate) size: u64,
    /// Filters skipped for this chunk (bit i = filter i).
    pub(crate) mask: u32,
}

struct Node {
    level: u8,
    keys: Vec<Bytes>,
    children: Vec<u64>,
}

async fn read_node(
    src: &Source,
    sizes: Sizes,
    addr: u64,
    want_type: u8,
    key_size: usize,
) -> KResult<Node> {
    let os = usize::from(sizes.offset);
    let prefix_len = 8 + 2 * os;
    let prefix = src.meta("v1 B-tree node", addr, prefix_len as u64).await?;
    let mut c = Cursor::new(&prefix, addr, sizes, "v1 B-tree node");
    c.signature(*b"TREE")?;
    let ntype = c.u8()?;
    if ntype != want_type {
        return Err(ErrorKind::BadSignature {
            what: "v1 B-tree node type",
            addr,
        });
    }
    let level = c.u8()?;
    let n = usize::from(c.u16()?);
    let body_len = n * (key_size + os) + key_size;
    let buf = src
        .meta(
            "v1 B-tree node",
            addr.wrapping_add(prefix_len as u64),
            body_len as u64,
        )
        .await?;
    let mut c = Cursor::new(&buf, addr, sizes, "v1 B-tree node");
    let mut keys = Vec::with_capacity(n + 1);
    let mut children = Vec::with_capacity(n);
    for _ in 0..n {
        let p = c.pos();
        c.skip(key_size)?;
        keys.push(buf.slice(p..p + key_size));
        children.push(
            c.offset()?
                .ok_or_else(|| ErrorKind::corrupt("v1 B-tree child with undefined address"))?,
        );
    }
    let p = c.pos();
    c.skip(key_size)?;
    keys.push(buf.slice(p..p + key_size));
    Ok(Node {
        level,
        keys,
        children,
    })
}

/// Reads the nodes of one level at once (one round of requests), in order.
async fn read_level(
    src: &Source,
    sizes: Sizes,
    level: &[u64],
    want_type: u8,
    key_size: usize,
) -> KResult<Vec<Node>> {
    crate::io::together(
        level
            .iter()
            .map(|&addr| read_node(src, sizes, addr, want_type, key_size)),
    )
    .await
}

/// Addresses of the symbol table nodes (SNOD) of a group B-tree, in key
/// order. The nodes of each level are read together.
pub(crate) async fn group_leaves(src: &Source, sizes: Sizes, root: u64) -> KResult<Vec<u64>> {
    let key = usize::from(sizes.length);
    let mut seen = HashSet::new();
    let mut level = vec![root];
    let mut budget = MAX_DEPTH;
    loop {
        for &addr in &level {
            visit(&mut seen, addr)?;
        }
        let nodes = read_level(src, sizes, &level, 0, key).await?;
        let mut next = Vec::new();
        let mut leaves = Vec::new();
        for (node, &addr) in nodes.into_iter().zip(&level) {
            if node.level == 0 {
                leaves.extend(node.children);
            } else {
                descend(budget, node.level, addr)?;
                next.extend(node.children);
            }
        }
        if next.is_empty() {
            return Ok(leaves);
        }
        if !leaves.is_empty() {
            return Err(ErrorKind::corrupt(
                "v1 B-tree with leaves at several depths",
            ));
        }
        budget = descend(budget, 1, root)?;
        level = next;
    }
}

/// Chunks of a v1 chunk B-tree whose row extent meets `rows` (dimension 0).
/// The nodes of each level that can hold such chunks are read together.
pub(crate) async fn chunks(
    src: &Source,
    sizes: Sizes,
    root: u64,
    chunk: &[u64],
    rows: Range<u64>,
) -> KResult<Vec<ChunkRecord>> {
    let rank = chunk.len();
    let key_size = 8 + 8 * (rank + 1);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut level = vec![root];
    let mut budget = MAX_DEPTH;
    while !level.is_empty() {
        for &addr in &level {
            visit(&mut seen, addr)?;
        }
        let nodes = read_level(src, sizes, &level, 1, key_size).await?;
        let mut next = Vec::new();
        for (node, &addr) in nodes.iter().zip(&level) {
            let keys: Vec<(u32, u32, Vec<u64>)> = node
                .keys
                .iter()
                .map(|k| parse_key(k, sizes, rank))
                .collect::<KResult<_>>()?;
            if node.level == 0 {
                for (i, &child) in node.children.iter().enumerate() {
                    let (size, mask, off) = &keys[i];
                    if off[0] < rows.end && off[0].saturating_add(chunk[0]) > rows.start {
                        out.push(ChunkRecord {
                            offset: off.clone(),
                            addr: child,
                            size: u64::from(*size),
                            mask: *mask,
                        });
                    }
                }
            } else {
                descend(budget, node.level, addr)?;
                for (i, &child) in node.children.iter().enumerate() {
                    let lo = keys[i].2[0];
                    let hi = keys[i + 1].2[0];
                    if lo < rows.end && hi.saturating_add(chunk[0]) > rows.start {
                        next.push(child);
                    }
                }
            }
        }
        budget = descend(budget, 1, root)?;
        level = next;
    }
    out.sort_by(|a, b| a.offset.cmp(&b.offset));
    Ok(out)
}

fn parse_key(k: &[u8], sizes: Sizes, rank: usize) -> KResult<(u32, u32, Vec<u64>)> {
    let mut c = Cursor::new(k, 0, sizes, "v1 B-tree chunk key");
    let size = c.u32()?;
    let mask = c.u32()?;
    let mut off = Vec::with_capacity(rank);
    for _ in 0..rank {
        off.push(c.u64()?);
    }
    Ok((size, mask, off))
}

fn visit(seen: &mut HashSet<u64>, addr: u64) -> KResult<()> {
    if !seen.insert(addr) {
        return Err(ErrorKind::Cycle {
            what: "v1 B-tree",
            addr,
        });
    }
    if seen.len() > MAX_NODES {
        return Err(ErrorKind::TooLarge {
            what: "v1 B-tree node count",
            value: seen.len() as u64,
            limit: MAX_NODES as u64,
        });
    }
    Ok(())
}

/// Children must sit one level lower; the budget bounds the depth.
fn descend(budget: u8, level: u8, addr: u64) -> KResult<u8> {
    if budget == 0 || level == 0 {
        return Err(ErrorKind::Cycle {
            what: "v1 B-tree (depth)",
            addr,
        });
    }
    Ok(budget - 1)
}
