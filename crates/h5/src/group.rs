//! Group links, old style (symbol table: v1 B-tree + local heap) and new
//! style (link messages; dense: fractal heap + v2 B-tree name index), and
//! dense attribute storage, which uses the same heap + index pair.

use bytes::Bytes;

use crate::error::{ErrorKind, KResult};
use crate::format::cursor::Sizes;
use crate::format::link::{self, DenseInfo, Link};
use crate::format::object_header::{ObjectHeader, kind};
use crate::format::{btree1, btree2, fractal_heap, symbols};
use crate::io::depth::branch;
use crate::io::source::Source;

const MAX_LINKS: usize = 1 << 22;

/// What kind of object a header describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    Group,
    Dataset,
    Other,
}

/// Classifies an object header.
pub(crate) fn classify(h: &ObjectHeader) -> ObjectKind {
    if h.first(kind::LAYOUT).is_some() {
        ObjectKind::Dataset
    } else if h.first(kind::SYMBOL_TABLE).is_some()
        || h.first(kind::LINK_INFO).is_some()
        || h.first(kind::LINK).is_some()
        || h.first(0x0A).is_some()
    {
        ObjectKind::Group
    } else {
        ObjectKind::Other
    }
}

/// All links of the group whose header is `h`, sorted by name.
pub(crate) async fn links(src: &Source, sizes: Sizes, h: &ObjectHeader) -> KResult<Vec<Link>> {
    let mut out = Vec::new();
    if let Some(m) = h.first(kind::SYMBOL_TABLE) {
        // The heap (names) and the B-tree (entries) at once; the symbol
        // table nodes of each B-tree level together.
        let (bt, heap_addr) = link::parse_symbol_table(&m.data, sizes)?;
        let (heap, symbols) = futures::try_join!(
            branch(symbols::local_heap(src, sizes, heap_addr)),
            branch(async {
                let leaves = btree1::group_leaves(src, sizes, bt).await?;
                cap(leaves.len())?;
                crate::io::together(
                    leaves
                        .iter()
                        .map(|&snod| symbols::snod_symbols(src, sizes, snod)),
                )
                .await
            })
        )?;
        for node in &symbols {
            out.extend(symbols::links(node, &heap)?);
            cap(out.len())?;
        }
    } else {
        for m in h.all(kind::LINK) {
            out.push(link::parse_link(&m.data, sizes)?);
        }
        if let Some(m) = h.first(kind::LINK_INFO) {
            let info = link::parse_link_info(&m.data, sizes)?;
            for body in dense_objects(src, sizes, info, 5).await? {
                out.push(link::parse_link(&body, sizes)?);
                cap(out.len())?;
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    Ok(out)
}

fn cap(n: usize) -> KResult<()> {
    if n > MAX_LINKS {
        return Err(ErrorKind::TooLarge {
            what: "group links",
            value: n as u64,
            limit: MAX_LINKS as u64,
        });
    }
    Ok(())
}

/// The heap objects indexed by a dense name index (record type 5 for
/// links, 8 for attributes).
pub(crate) async fn dense_objects(
    src: &Source,
    sizes: Sizes,
    info: DenseInfo,
    rtype: u8,
) -> KResult<Vec<Bytes>> {
    let (Some(heap_addr), Some(bt)) = (info.heap, info.name_btree) else {
        return Ok(Vec::new());
    };
    let (heap, h) = futures::try_join!(
        branch(fractal_heap::open(src, sizes, heap_addr)),
        branch(btree2::header(src, sizes, bt))
    )?;
    if h.rtype != rtype {
        return Err(ErrorKind::corrupt(format!(
            "dense name index has record type {}, expected {rtype}",
            h.rtype
        )));
    }
    let records = btree2::records(src, sizes, &h).await?;
    let mut ids = Vec::with_capacity(records.len());
    for r in &records {
        // Type 5: hash (4) then a 7-byte heap ID; type 8: an 8-byte heap ID first.
        let id = if rtype == 5 { r.get(4..) } else { r.get(..8) };
        ids.push(
            id.ok_or_else(|| ErrorKind::corrupt("dense index record shorter than a heap ID"))?,
        );
    }
    // Every object at once: they may lie in different heap blocks.
    crate::io::together(ids.into_iter().map(|id| heap.object(src, sizes, id))).await
}
