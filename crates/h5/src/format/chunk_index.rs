//! Chunk lookup for every index type libhdf5 writes: v1 B-tree, single
//! chunk, implicit, fixed array, extensible array and v2 B-tree. Only the
//! chunks meeting a row range are returned.

use std::ops::Range;

use super::btree1::{self, ChunkRecord};
use super::btree2;
use super::cursor::{Cursor, Sizes, log2_floor, verify_checksum};
use super::dataspace::UNLIMITED;
use super::layout::{ChunkIndex, EaParams};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

/// Geometry of a chunked dataset.
#[derive(Debug, Clone)]
pub(crate) struct Geometry {
    pub(crate) dims: Vec<u64>,
    pub(crate) maxdims: Vec<u64>,
    pub(crate) chunk: Vec<u64>,
    pub(crate) elem_size: u64,
    pub(crate) filtered: bool,
}

impl Geometry {
    /// Bytes of one unfiltered chunk.
    pub(crate) fn chunk_bytes(&self) -> u64 {
        self.chunk
            .iter()
            .fold(self.elem_size, |a, &c| a.saturating_mul(c))
    }

    /// Chunk coordinates (scaled) meeting `rows`, all columns.
    fn wanted(&self, rows: &Range<u64>) -> Vec<Vec<u64>> {
        let mut out = vec![vec![]];
        for (k, (&d, &c)) in self.dims.iter().zip(&self.chunk).enumerate() {
            let r = if k == 0 {
                rows.start / c..rows.end.div_ceil(c)
            } else {
                0..d.div_ceil(c)
            };
            out = out
                .into_iter()
                .flat_map(|p| {
                    r.clone().map(move |i| {
                        let mut q = p.clone();
                        q.push(i);
                        q
                    })
                })
                .collect();
        }
        out
    }

    /// Chunks per dimension over the maximum (fixed) dimensions.
    fn max_chunks(&self) -> Vec<u64> {
        self.maxdims
            .iter()
            .zip(&self.dims)
            .zip(&self.chunk)
            .map(|((&m, &d), &c)| {
                if m == UNLIMITED {
                    d.div_ceil(c)
                } else {
                    m.max(d).div_ceil(c)
                }
            })
            .collect()
    }

    /// Row-major linear index of scaled coordinates over `counts`, with the
    /// dimension `first` moved to the front (libhdf5's "swizzle").
    fn linear(scaled: &[u64], counts: &[u64], first: usize) -> u64 {
        let mut order: Vec<usize> = (0..scaled.len()).collect();
        if first > 0 && first < order.len() {
            let d = order.remove(first);
            order.insert(0, d);
        }
        order.iter().fold(0u64, |acc, &k| {
            acc.wrapping_mul(counts[k]).wrapping_add(scaled[k])
        })
    }

    fn chunk_size_len(&self) -> usize {
        (1 + (log2_floor(self.chunk_bytes()) as usize + 8) / 8).min(8)
    }
}

const MAX_WANTED: usize = 1 << 22;

/// Chunks meeting `rows`, sorted by offset; chunks never written are absent.
pub(crate) async fn lookup(
    src: &Source,
    sizes: Sizes,
    index: &ChunkIndex,
    addr: u64,
    g: &Geometry,
    rows: Range<u64>,
) -> KResult<Vec<ChunkRecord>> {
    let to_offsets = |scaled: &[u64]| {
        scaled
            .iter()
            .zip(&g.chunk)
            .map(|(s, c)| s.wrapping_mul(*c))
            .collect::<Vec<_>>()
    };
    let n_wanted: u64 = rows.end.div_ceil(g.chunk[0]) - rows.start / g.chunk[0];
    let per_row: u64 = g
        .dims
        .iter()
        .zip(&g.chunk)
        .skip(1)
        .fold(1u64, |a, (d, c)| a.saturating_mul(d.div_ceil(*c)));
    if n_wanted.saturating_mul(per_row) > MAX_WANTED as u64 {
        return Err(ErrorKind::TooLarge {
            what: "chunks in one read",
            value: n_wanted.saturating_mul(per_row),
            limit: MAX_WANTED as u64,
        });
    }
    let mut out = match index {
        ChunkIndex::Listed(recs) => recs
            .iter()
            .filter(|r| {
                r.offset
                    .first()
                    .is_some_and(|&o| o < rows.end && o.saturating_add(g.chunk[0]) > rows.start)
            })
            .cloned()
            .collect(),
        ChunkIndex::BTreeV1 => return btree1::chunks(src, sizes, addr, &g.chunk, rows).await,
        ChunkIndex::Single { filtered } => {
            let (size, mask) = filtered.unwrap_or((g.chunk_bytes(), 0));
            vec![ChunkRecord {
                offset: vec![0; g.dims.len()],
                addr,
                size,
                mask,
            }]
        }
        ChunkIndex::Implicit => {
            let counts = g.max_chunks();
            g.wanted(&rows)
                .into_iter()
                .map(|s| {
                    let i = Geometry::linear(&s, &counts, 0);
                    ChunkRecord {
                        offset: to_offsets(&s),
                        addr: addr.wrapping_add(i.wrapping_mul(g.chunk_bytes())),
                        size: g.chunk_bytes(),
                        mask: 0,
                    }
                })
                .collect()
        }
        ChunkIndex::FixedArray => {
            let counts = g.max_chunks();
            let fa = FixedArray::open(src, sizes, addr).await?;
            let mut found = Vec::new();
            for s in g.wanted(&rows) {
                let idx = Geometry::linear(&s, &counts, 0);
                if let Some((a, size, mask)) = fa.get(src, sizes, g, idx).await? {
                    found.push(ChunkRecord {
                        offset: to_offsets(&s),
                        addr: a,
                        size,
                        mask,
                    });
                }
            }
            found
        }
        ChunkIndex::ExtensibleArray(p) => {
            let unlim = g.maxdims.iter().position(|&m| m == UNLIMITED).unwrap_or(0);
            let counts = g.max_chunks();
            let ea = ExtArray::open(src, sizes, addr, *p).await?;
            let mut found = Vec::new();
            for s in g.wanted(&rows) {
                let idx = Geometry::linear(&s, &counts, unlim);
                if let Some((a, size, mask)) = ea.get(src, sizes, g, idx).await? {
                    found.push(ChunkRecord {
                        offset: to_offsets(&s),
                        addr: a,
                        size,
                        mask,
                    });
                }
            }
            found
        }
        ChunkIndex::BTreeV2 { wide_sizes } => {
            let hdr = btree2::header(src, sizes, addr).await?;
            let recs = btree2::records(src, sizes, &hdr).await?;
            let rank = g.dims.len();
            let mut found = Vec::new();
            for r in recs {
                let mut c = Cursor::new(&r, addr, sizes, "v2 B-tree chunk record");
                let chunk_addr = c.offset()?;
                let (size, mask) = if hdr.rtype == 11 {
                    (
                        c.uint(if *wide_sizes {
                            usize::from(sizes.length)
                        } else {
                            g.chunk_size_len()
                        })?,
                        c.u32()?,
                    )
                } else {
                    (g.chunk_bytes(), 0)
                };
                let mut scaled = Vec::with_capacity(rank);
                for _ in 0..rank {
                    scaled.push(c.u64()?);
                }
                let off = to_offsets(&scaled);
                if let Some(a) = chunk_addr
                    && off[0] < rows.end
                    && off[0].saturating_add(g.chunk[0]) > rows.start
                {
                    found.push(ChunkRecord {
                        offset: off,
                        addr: a,
                        size,
                        mask,
                    });
                }
            }
            found
        }
    };
    out.sort_by(|a, b| a.offset.cmp(&b.offset));
    Ok(out)
}

/// Decodes one array element: (address, stored size, filter mask).
fn element(
    raw: &[u8],
    sizes: Sizes,
    g: &Geometry,
    esize: usize,
) -> KResult<Option<(u64, u64, u32)>> {
    let mut c = Cursor::new(raw, 0, sizes, "chunk index element");
    let a = c.offset()?;
    let (size, mask) = if g.filtered {
        let n = esize
            .checked_sub(usize::from(sizes.offset) + 4)
            .ok_or_else(|| ErrorKind::corrupt("chunk index element size"))?;
        (c.uint(n)?, c.u32()?)
    } else {
        (g.chunk_bytes(), 0)
    };
    Ok(a.map(|a| (a, size, mask)))
}

struct FixedArray {
    esize: usize,
    page_bits: u8,
    n: u64,
    dblk: Option<u64>,
}

impl FixedArray {
    async fn open(src: &Source, sizes: Sizes, addr: u64) -> KResult<Self> {
        let len = 4 + 3 + 1 + u64::from(sizes.length) + u64::from(sizes.offset) + 4;
        let buf = src.meta("fixed array header", addr, len + 1).await?;
        let mut c = Cursor::new(&buf, addr, sizes, "fixed array header");
        c.signature(*b"FAHD")?;
        c.skip(2)?;
        let esize = usize::from(c.u8()?);
        let page_bits = c.u8()?;
        let n = c.length()?;
        let dblk = c.offset()?;
        verify_checksum(&buf, c.pos(), "fixed array header", addr)?;
        if esize == 0 || page_bits > 32 {
            return Err(ErrorKind::corrupt("fixed array header parameters"));
        }
        Ok(Self {
            esize,
            page_bits,
            n,
            dblk,
        })
    }

    async fn get(
        &self,
        src: &Source,
        sizes: Sizes,
        g: &Geometry,
        i: u64,
    ) -> KResult<Option<(u64, u64, u32)>> {
        let Some(dblk) = self.dblk else {
            return Ok(None);
        };
        if i >= self.n {
            return Ok(None);
        }
        let es = self.esize as u64;
        let prefix = 4 + 1 + 1 + u64::from(sizes.offset);
        let page = 1u64 << self.page_bits;
        let pos = if self.n > page {
            let npages = self.n.div_ceil(page);
            let bitmap_len = npages.div_ceil(8);
            let bitmap = src
                .meta(
                    "fixed array page bitmap",
                    dblk.wrapping_add(prefix),
                    bitmap_len,
                )
                .await?;
            let p = i / page;
            let init = bitmap
                .get((p / 8) as usize)
                .is_some_and(|b| b & (0x80 >> (p % 8)) != 0);
            if !init {
                return Ok(None);
            }
            (prefix + bitmap_len + 4)
                .wrapping_add(p.wrapping_mul(page * es + 4))
                .wrapping_add((i % page) * es)
        } else {
            prefix.wrapping_add(i.wrapping_mul(es))
        };
        let raw = src
            .meta("fixed array element", dblk.wrapping_add(pos), es)
            .await?;
        element(&raw, sizes, g, self.esize)
    }
}

struct SuperInfo {
    ndblks: u64,
    dblk_nelmts: u64,
    start_idx: u64,
    start_dblk: u64,
}

struct ExtArray {
    esize: usize,
    p: EaParams,
    iblk: Option<u64>,
    sblks: Vec<SuperInfo>,
    arr_off_size: u64,
}

impl ExtArray {
    async fn open(src: &Source, sizes: Sizes, addr: u64, _layout: EaParams) -> KResult<Self> {
        let len = 4 + 2 + 6 + 6 * u64::from(sizes.length) + u64::from(sizes.offset) + 4;
        let buf = src.meta("extensible array header", addr, len).await?;
        let mut c = Cursor::new(&buf, addr, sizes, "extensible array header");
        c.signature(*b"EAHD")?;
        c.skip(2)?;
        let esize = usize::from(c.u8()?);
        let p = EaParams {
            max_bits: c.u8()?,
            idx_blk_elmts: c.u8()?,
            data_blk_min_elmts: c.u8()?,
            sup_blk_min_data_ptrs: c.u8()?,
            max_dblk_page_bits: c.u8()?,
        };
        for _ in 0..6 {
            c.length()?;
        }
        let iblk = c.offset()?;
        verify_checksum(&buf, c.pos(), "extensible array header", addr)?;
        let ok = |v: u8| v > 0 && v.is_power_of_two();
        if esize == 0
            || p.max_bits == 0
            || p.max_bits > 64
            || !ok(p.data_blk_min_elmts)
            || !ok(p.sup_blk_min_data_ptrs)
            || u32::from(p.max_bits) < log2_floor(u64::from(p.data_blk_min_elmts))
            || p.max_dblk_page_bits > 32
        {
            return Err(ErrorKind::corrupt("extensible array header parameters"));
        }
        let nsblks =
            1 + u64::from(p.max_bits) - u64::from(log2_floor(u64::from(p.data_blk_min_elmts)));
        let mut sblks = Vec::with_capacity(nsblks as usize);
        let (mut start_idx, mut start_dblk) = (0u64, 0u64);
        for u in 0..nsblks {
            let ndblks = 1u64 << (u / 2).min(63);
            let dblk_nelmts =
                (1u64 << u.div_ceil(2).min(63)).saturating_mul(u64::from(p.data_blk_min_elmts));
            sblks.push(SuperInfo {
                ndblks,
                dblk_nelmts,
                start_idx,
                start_dblk,
            });
            start_idx = start_idx.saturating_add(ndblks.saturating_mul(dblk_nelmts));
            start_dblk = start_dblk.saturating_add(ndblks);
        }
        Ok(Self {
            esize,
            p,
            iblk,
            sblks,
            arr_off_size: u64::from(p.max_bits).div_ceil(8),
        })
    }

    async fn get(
        &self,
        src: &Source,
        sizes: Sizes,
        g: &Geometry,
        i: u64,
    ) -> KResult<Option<(u64, u64, u32)>> {
        let Some(iblk) = self.iblk else {
            return Ok(None);
        };
        let os = u64::from(sizes.offset);
        let es = self.esize as u64;
        let prefix = 4 + 1 + 1 + os;
        let n_idx = u64::from(self.p.idx_blk_elmts);
        if i < n_idx {
            let raw = src
                .meta(
                    "extensible array element",
                    iblk.wrapping_add(prefix + i * es),
                    es,
                )
                .await?;
            return element(&raw, sizes, g, self.esize);
        }
        let rel = i - n_idx;
        let min = u64::from(self.p.data_blk_min_elmts);
        let sblk_idx = log2_floor(rel / min + 1) as usize;
        let info = self
            .sblks
            .get(sblk_idx)
            .ok_or_else(|| ErrorKind::corrupt("extensible array index beyond its super blocks"))?;
        let iblk_nsblks = 2 * log2_floor(u64::from(self.p.sup_blk_min_data_ptrs)) as usize;
        let ndblk_addrs = 2 * (u64::from(self.p.sup_blk_min_data_ptrs) - 1);
        let within = rel - info.start_idx;
        let (dblk_addr, elmt) = if sblk_idx < iblk_nsblks {
            let d = info.start_dblk + within / info.dblk_nelmts;
            if d >= ndblk_addrs {
                return Err(ErrorKind::corrupt("extensible array data block index"));
            }
            let pos = prefix + n_idx * es + d * os; // d < ndblk_addrs ≤ 2·255
            let raw = src
                .meta("extensible array index block", iblk.wrapping_add(pos), os)
                .await?;
            let a = Cursor::new(&raw, iblk, sizes, "extensible array index block").offset()?;
            (a, within % info.dblk_nelmts)
        } else {
            let sblk_slot = (sblk_idx - iblk_nsblks) as u64;
            let pos = prefix + n_idx * es + ndblk_addrs * os + sblk_slot * os;
            let raw = src
                .meta("extensible array index block", iblk.wrapping_add(pos), os)
                .await?;
            let Some(sblk) =
                Cursor::new(&raw, iblk, sizes, "extensible array index block").offset()?
            else {
                return Ok(None);
            };
            let dblk_in_sblk = within / info.dblk_nelmts;
            let page = 1u64 << self.p.max_dblk_page_bits;
            let npages = if info.dblk_nelmts > page {
                info.dblk_nelmts / page
            } else {
                0
            };
            let bitmap_len = if npages > 0 {
                (info.ndblks * npages).div_ceil(8)
            } else {
                0
            };
            let sprefix = prefix + self.arr_off_size;
            let raw = src
                .meta(
                    "extensible array super block",
                    sblk.wrapping_add(
                        sprefix
                            .wrapping_add(bitmap_len)
                            .wrapping_add(dblk_in_sblk.wrapping_mul(os)),
                    ),
                    os,
                )
                .await?;
            let Some(dblk) =
                Cursor::new(&raw, sblk, sizes, "extensible array super block").offset()?
            else {
                return Ok(None);
            };
            let e = within % info.dblk_nelmts;
            if npages > 0 {
                let bit = dblk_in_sblk * npages + e / page;
                let bm = src
                    .meta(
                        "extensible array page bitmap",
                        sblk.wrapping_add(sprefix),
                        bitmap_len,
                    )
                    .await?;
                let init = bm
                    .get((bit / 8) as usize)
                    .is_some_and(|b| b & (0x80 >> (bit % 8)) != 0);
                if !init {
                    return Ok(None);
                }
                let dprefix = prefix + self.arr_off_size + 4;
                let pos = dprefix
                    .wrapping_add((e / page).wrapping_mul(page * es + 4))
                    .wrapping_add((e % page) * es);
                let raw = src
                    .meta("extensible array element", dblk.wrapping_add(pos), es)
                    .await?;
                return element(&raw, sizes, g, self.esize);
            }
            (Some(dblk), e)
        };
        let Some(dblk) = dblk_addr else {
            return Ok(None);
        };
        let pos = (prefix + self.arr_off_size).wrapping_add(elmt.wrapping_mul(es));
        let raw = src
            .meta("extensible array element", dblk.wrapping_add(pos), es)
            .await?;
        element(&raw, sizes, g, self.esize)
    }
}
