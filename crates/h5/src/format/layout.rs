//! The data layout message (versions 1–4): compact, contiguous, chunked with
//! its chunk index type.

use bytes::Bytes;

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};

/// Parameters of the extensible-array chunk index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EaParams {
    pub(crate) max_bits: u8,
    pub(crate) idx_blk_elmts: u8,
    pub(crate) sup_blk_min_data_ptrs: u8,
    pub(crate) data_blk_min_elmts: u8,
    pub(crate) max_dblk_page_bits: u8,
}

/// Which structure maps chunk coordinates to file addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChunkIndex {
    /// Version-1 B-tree (layout message version ≤ 3).
    BTreeV1,
    /// One chunk; its filtered size and filter mask when filters apply.
    Single { filtered: Option<(u64, u32)> },
    /// Chunks at `addr + i * chunk_bytes` (no filters, early allocation).
    Implicit,
    /// Fixed array (fixed maximum dimensions).
    FixedArray,
    /// Extensible array (one unlimited dimension).
    ExtensibleArray(EaParams),
    /// Version-2 B-tree (several unlimited dimensions). Layout version 5
    /// (libhdf5 2.0) stores filtered chunk sizes in length-sized fields.
    BTreeV2 { wide_sizes: bool },
    /// Every chunk, listed by an index (`magg_h5::DatasetDesc`): no lookup
    /// reads the file. Sorted by offset.
    Listed(std::sync::Arc<[super::btree1::ChunkRecord]>),
}

/// Where a dataset's raw data lives.
#[derive(Debug, Clone)]
pub(crate) enum Layout {
    /// Data inside the header message.
    Compact(Bytes),
    /// One contiguous block (`None`: never written).
    Contiguous { addr: Option<u64>, size: u64 },
    /// Chunked storage.
    Chunked {
        /// Chunk shape in elements (dataset rank).
        chunk: Vec<u64>,
        /// Address of the index (or the single chunk / implicit block).
        addr: Option<u64>,
        index: ChunkIndex,
    },
}

/// Parses a layout message body for a dataset of rank `rank`.
pub(crate) fn parse(data: &Bytes, sizes: Sizes, rank: usize) -> KResult<Layout> {
    let mut c = Cursor::new(data, 0, sizes, "layout message");
    let version = c.u8()?;
    match version {
        1 | 2 => parse_old(&mut c, data, rank),
        3..=5 => {
            let class = c.u8()?;
            match class {
                0 => {
                    let n = usize::from(c.u16()?);
                    let start = c.pos();
                    c.skip(n)?;
                    Ok(Layout::Compact(data.slice(start..start + n)))
                }
                1 => {
                    let addr = c.offset()?;
                    let size = c.length()?;
                    Ok(Layout::Contiguous { addr, size })
                }
                2 if version == 3 => {
                    let nd = usize::from(c.u8()?);
                    let addr = c.offset()?;
                    let mut dims = Vec::with_capacity(nd);
                    for _ in 0..nd {
                        dims.push(u64::from(c.u32()?));
                    }
                    Ok(Layout::Chunked {
                        chunk: chunk_dims(dims, rank)?,
                        addr,
                        index: ChunkIndex::BTreeV1,
                    })
                }
                2 => parse_v4_chunked(&mut c, version, rank),
                3 => Err(ErrorKind::unsupported("virtual dataset layout")),
                k => Err(ErrorKind::corrupt(format!("layout class {k}"))),
            }
        }
        v => Err(ErrorKind::corrupt(format!("layout message version {v}"))),
    }
}

fn parse_old(c: &mut Cursor<'_>, data: &Bytes, rank: usize) -> KResult<Layout> {
    let nd = usize::from(c.u8()?);
    let class = c.u8()?;
    c.skip(5)?;
    let addr = if class == 0 { None } else { c.offset()? };
    let mut dims = Vec::with_capacity(nd);
    for _ in 0..nd {
        dims.push(u64::from(c.u32()?));
    }
    match class {
        0 => {
            let n = c.u32()? as usize;
            let start = c.pos();
            c.skip(n)?;
            Ok(Layout::Compact(data.slice(start..start + n)))
        }
        1 => {
            let size = dims
                .iter()
                .try_fold(1u64, |a, &d| a.checked_mul(d))
                .unwrap_or(u64::MAX);
            Ok(Layout::Contiguous { addr, size })
        }
        2 => Ok(Layout::Chunked {
            chunk: chunk_dims(dims, rank)?,
            addr,
            index: ChunkIndex::BTreeV1,
        }),
        k => Err(ErrorKind::corrupt(format!("layout class {k}"))),
    }
}

fn parse_v4_chunked(c: &mut Cursor<'_>, version: u8, rank: usize) -> KResult<Layout> {
    let flags = c.u8()?;
    let nd = usize::from(c.u8()?);
    let enc = usize::from(c.u8()?);
    if !(1..=8).contains(&enc) {
        return Err(ErrorKind::corrupt(format!(
            "layout: dimension size encoded in {enc} bytes"
        )));
    }
    let mut dims = Vec::with_capacity(nd);
    for _ in 0..nd {
        dims.push(c.uint(enc)?);
    }
    let index = match c.u8()? {
        1 => {
            let filtered = if flags & 2 != 0 {
                Some((c.length()?, c.u32()?))
            } else {
                None
            };
            ChunkIndex::Single { filtered }
        }
        2 => ChunkIndex::Implicit,
        3 => {
            c.u8()?; // page bits (also in the fixed-array header)
            ChunkIndex::FixedArray
        }
        4 => ChunkIndex::ExtensibleArray(EaParams {
            max_bits: c.u8()?,
            idx_blk_elmts: c.u8()?,
            sup_blk_min_data_ptrs: c.u8()?,
            data_blk_min_elmts: c.u8()?,
            max_dblk_page_bits: c.u8()?,
        }),
        5 => {
            c.skip(6)?; // node size, split and merge percent (also in the B-tree header)
            ChunkIndex::BTreeV2 {
                wide_sizes: version >= 5,
            }
        }
        k => return Err(ErrorKind::corrupt(format!("chunk index type {k}"))),
    };
    let addr = c.offset()?;
    Ok(Layout::Chunked {
        chunk: chunk_dims(dims, rank)?,
        addr,
        index,
    })
}

/// The stored chunk dimensions carry the element size as a last extra
/// dimension; keep the dataset's `rank` leading ones, all non-zero.
fn chunk_dims(mut dims: Vec<u64>, rank: usize) -> KResult<Vec<u64>> {
    if dims.len() == rank + 1 {
        dims.pop();
    }
    if dims.len() != rank || dims.contains(&0) {
        return Err(ErrorKind::corrupt(format!(
            "chunk dimensions {dims:?} do not fit a rank-{rank} dataset"
        )));
    }
    Ok(dims)
}
