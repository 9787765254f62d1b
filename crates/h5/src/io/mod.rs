//! Bytes in: the per-file source (cache, coalescing), the request path
//! (backend, limiter, meter) and the counters.

pub(crate) mod budget;
pub(crate) mod depth;
pub(crate) mod reader;
pub(crate) mod source;
pub(crate) mod stats;

use futures::{StreamExt, TryStreamExt};

/// Reads of independent structures in flight at once by [`together`]
/// (bounds the memory a hostile file's huge lists can take).
const TOGETHER: usize = 256;

/// Runs reads whose addresses are all known at once, so they cost one
/// round instead of one each; results in input order, the first error
/// wins.
pub(crate) async fn together<T, F>(
    reads: impl IntoIterator<Item = F>,
) -> crate::error::KResult<Vec<T>>
where
    F: Future<Output = crate::error::KResult<T>>,
{
    // Made first, so the stream holds futures, not the iterator's closure
    // (which would make a caller's `Send` bound higher-ranked).
    let reads: Vec<_> = reads.into_iter().map(depth::branch).collect();
    futures::stream::iter(reads)
        .buffered(TOGETHER)
        .try_collect()
        .await
}
