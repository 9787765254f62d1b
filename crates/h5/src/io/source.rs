//! The byte source of one file: range requests to an `object_store`, a block
//! cache for metadata, coalescing of nearby data ranges, a bound on requests
//! in flight, and the counters.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::sync::Semaphore;

use super::stats::StatSink;
use crate::error::{ErrorKind, KResult};

/// Tuning of the byte source (part of [`crate::OpenOptions`]).
#[derive(Debug, Clone)]
pub(crate) struct IoConfig {
    pub(crate) first_block: u64,
    pub(crate) block_size: u64,
    pub(crate) max_gap: u64,
    pub(crate) max_request: u64,
    pub(crate) cache_limit: u64,
}

/// One file's bytes, as seen by one user: the parsed state (size, base,
/// metadata block cache, requests in flight) is shared by every
/// [`Source::rebind`] of it; the request limiter and the counters are this
/// user's.
#[derive(Debug)]
pub(crate) struct Source {
    state: Arc<State>,
    sem: Arc<Semaphore>,
    pub(crate) stats: StatSink,
    /// Coalesced responses that carried bytes between the ranges asked for
    /// (another dataset's chunks): a later read of those bytes is served
    /// from here instead of being fetched twice. This user's only.
    spare: Mutex<Spare>,
}

/// Bytes kept in [`Source::spare`] at most.
const SPARE_LIMIT: u64 = 16 << 20;

#[derive(Debug, Default)]
struct Spare {
    parts: std::collections::VecDeque<(u64, Bytes)>,
    bytes: u64,
}

/// What the users of one file share.
#[derive(Debug)]
pub(crate) struct State {
    store: Arc<dyn ObjectStore>,
    path: Path,
    /// Object size in bytes.
    pub(crate) size: u64,
    /// Base address: file addresses are relative to it.
    base: std::sync::atomic::AtomicU64,
    cache: Mutex<Cache>,
    /// Metadata requests in flight, by block: concurrent readers of the
    /// same block share one request.
    inflight: Mutex<HashMap<u64, (SharedFetch, u64)>>,
    cfg: IoConfig,
}

impl std::ops::Deref for Source {
    type Target = State;
    fn deref(&self) -> &State {
        &self.state
    }
}

type SharedFetch = Shared<BoxFuture<'static, Result<Bytes, Arc<ErrorKind>>>>;

#[derive(Debug, Default)]
struct Cache {
    blocks: HashMap<u64, Bytes>,
    bytes: u64,
}

impl Source {
    /// Opens the object: one HEAD for the size (skipped when `size` is known),
    /// then the generous first block into the cache.
    pub(crate) async fn open(
        store: Arc<dyn ObjectStore>,
        path: Path,
        size: Option<u64>,
        sem: Arc<Semaphore>,
        stats: StatSink,
        cfg: IoConfig,
    ) -> KResult<Self> {
        let size = match size {
            Some(s) => s,
            None => store.head(&path).await?.size,
        };
        let src = Self {
            state: Arc::new(State {
                store,
                path,
                size,
                base: std::sync::atomic::AtomicU64::new(0),
                cache: Mutex::new(Cache::default()),
                inflight: Mutex::new(HashMap::new()),
                cfg,
            }),
            sem,
            stats,
            spare: Mutex::default(),
        };
        let first = src.size.min(src.cfg.first_block.max(src.cfg.block_size));
        if first > 0 {
            let n_blocks = first.div_ceil(src.cfg.block_size);
            let end = (n_blocks * src.cfg.block_size).min(src.size);
            let bytes = src.get(0..end).await?;
            src.insert_blocks(0, &bytes);
        }
        Ok(src)
    }

    /// The same file with another request limiter and other counters
    /// (sharing the cached metadata blocks).
    pub(crate) fn rebind(&self, sem: Arc<Semaphore>, stats: StatSink) -> Source {
        Source {
            state: Arc::clone(&self.state),
            sem,
            stats,
            spare: Mutex::default(),
        }
    }

    /// Bytes held by the metadata block cache.
    pub(crate) fn cached_bytes(&self) -> u64 {
        self.cache.lock().expect("cache lock").bytes
    }

    /// Sets the base address (from the superblock).
    pub(crate) fn set_base(&self, base: u64) {
        self.base.store(base, std::sync::atomic::Ordering::Relaxed);
    }

    /// The base address.
    pub(crate) fn base(&self) -> u64 {
        self.base.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// One range request (bounded in flight, counted).
    pub(crate) async fn get(&self, range: Range<u64>) -> KResult<Bytes> {
        fetch(
            self.store.clone(),
            self.path.clone(),
            range,
            self.sem.clone(),
            self.stats.clone(),
        )
        .await
    }

    /// Fetches the blocks `first..=last` not yet cached, sharing requests
    /// already in flight, and caches them.
    async fn load_blocks(&self, first: u64, last: u64) -> KResult<()> {
        let bs = self.cfg.block_size;
        let mut waits: Vec<SharedFetch> = Vec::new();
        let mut mine: Vec<(u64, SharedFetch)> = Vec::new();
        {
            let cache = self.cache.lock().expect("cache lock");
            let mut inflight = self.inflight.lock().expect("inflight lock");
            let mut run: Option<(u64, u64)> = None;
            let mut runs = Vec::new();
            for i in first..=last {
                if cache.blocks.contains_key(&i) {
                    runs.extend(run.take());
                } else if let Some((f, _)) = inflight.get(&i) {
                    runs.extend(run.take());
                    waits.push(f.clone());
                } else {
                    run = Some(run.map_or((i, i), |(a, _)| (a, i)));
                }
            }
            runs.extend(run);
            for (a, b) in runs {
                let range = a * bs..((b + 1) * bs).min(self.size);
                let fut = fetch(
                    self.store.clone(),
                    self.path.clone(),
                    range,
                    self.sem.clone(),
                    self.stats.clone(),
                )
                .map(|r| r.map_err(Arc::new))
                .boxed()
                .shared();
                for i in a..=b {
                    inflight.insert(i, (fut.clone(), a));
                }
                mine.push((a, fut));
            }
        }
        let mut result = Ok(());
        for (a, fut) in mine {
            let r = fut.await;
            if let Ok(bytes) = &r {
                self.insert_blocks(a * bs, bytes);
            }
            let n = r
                .as_ref()
                .map_or(1, |b| (b.len() as u64).div_ceil(bs).max(1));
            let mut inflight = self.inflight.lock().expect("inflight lock");
            for i in a..a + n {
                inflight.remove(&i);
            }
            if let Err(e) = r {
                result = Err(shared_error(&e));
            }
        }
        for fut in waits {
            if let Err(e) = fut.await {
                result = Err(shared_error(&e));
            }
        }
        result
    }

    fn insert_blocks(&self, start: u64, bytes: &Bytes) {
        let bs = self.cfg.block_size;
        let mut cache = self.cache.lock().expect("cache lock");
        let mut off = 0u64;
        while off < bytes.len() as u64 {
            let idx = (start + off) / bs;
            let len = bs.min(bytes.len() as u64 - off);
            if cache.bytes + len > self.cfg.cache_limit {
                return;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = cache.blocks.entry(idx) {
                e.insert(bytes.slice(off as usize..(off + len) as usize));
                cache.bytes += len;
            }
            off += len;
        }
    }

    /// Serves `abs..abs+len` from cached blocks if all are present.
    fn cached(&self, abs: u64, len: u64) -> Option<Bytes> {
        let bs = self.cfg.block_size;
        let cache = self.cache.lock().expect("cache lock");
        let first = abs / bs;
        let last = (abs + len - 1) / bs;
        if first == last {
            let b = cache.blocks.get(&first)?;
            let s = (abs - first * bs) as usize;
            return b
                .get(s..s + len as usize)
                .map(|_| b.slice(s..s + len as usize));
        }
        let mut out = BytesMut::with_capacity(len as usize);
        for i in first..=last {
            let b = cache.blocks.get(&i)?;
            let lo = abs.max(i * bs) - i * bs;
            let hi = (abs + len).min((i + 1) * bs) - i * bs;
            out.extend_from_slice(b.get(lo as usize..hi as usize)?);
        }
        Some(out.freeze())
    }

    /// Checks that `abs..abs+len` lies inside the file.
    pub(crate) fn check(&self, what: &'static str, abs: u64, len: u64) -> KResult<()> {
        match abs.checked_add(len) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(ErrorKind::OutOfBounds {
                what,
                addr: abs,
                len,
                size: self.size,
            }),
        }
    }

    /// Metadata bytes at file address `addr` (relative to the base), through
    /// the block cache. Shorter than `len` only at the end of the file.
    pub(crate) async fn meta(&self, what: &'static str, addr: u64, len: u64) -> KResult<Bytes> {
        const MAX_META: u64 = 64 << 20;
        if len > MAX_META {
            return Err(ErrorKind::TooLarge {
                what,
                value: len,
                limit: MAX_META,
            });
        }
        let abs = addr
            .checked_add(self.base())
            .ok_or(ErrorKind::OutOfBounds {
                what,
                addr,
                len,
                size: self.size,
            })?;
        if abs >= self.size && len > 0 {
            return Err(ErrorKind::OutOfBounds {
                what,
                addr: abs,
                len,
                size: self.size,
            });
        }
        let len = len.min(self.size.saturating_sub(abs));
        if len == 0 {
            return Ok(Bytes::new());
        }
        if let Some(b) = self.cached(abs, len) {
            return Ok(b);
        }
        if let Some(b) = self.spare_part(&(abs..abs + len)) {
            return Ok(b);
        }
        let bs = self.cfg.block_size;
        self.load_blocks(abs / bs, (abs + len - 1) / bs).await?;
        if let Some(b) = self.cached(abs, len) {
            return Ok(b);
        }
        // The cache is full: fetch directly.
        let start = abs / bs * bs;
        let end = ((abs + len).div_ceil(bs) * bs).min(self.size);
        let bytes = self.get(start..end).await?;
        let s = (abs - start) as usize;
        Ok(bytes.slice(s..s + len as usize))
    }

    /// `r` from a kept coalesced response, if one holds it.
    fn spare_part(&self, r: &Range<u64>) -> Option<Bytes> {
        let spare = self.spare.lock().expect("spare lock");
        spare.parts.iter().find_map(|(start, b)| {
            let end = start + b.len() as u64;
            (r.start >= *start && r.end <= end)
                .then(|| b.slice((r.start - start) as usize..(r.end - start) as usize))
        })
    }

    /// Keeps a coalesced response (oldest dropped beyond [`SPARE_LIMIT`]).
    fn keep_spare(&self, start: u64, bytes: &Bytes) {
        let len = bytes.len() as u64;
        if len > SPARE_LIMIT {
            return;
        }
        let mut spare = self.spare.lock().expect("spare lock");
        spare.parts.push_back((start, bytes.clone()));
        spare.bytes += len;
        while spare.bytes > SPARE_LIMIT {
            let Some((_, b)) = spare.parts.pop_front() else {
                break;
            };
            spare.bytes -= b.len() as u64;
        }
    }

    /// Fetches data ranges (absolute addresses), coalescing neighbours whose
    /// gap is at most `max_gap`, with the requests running concurrently.
    /// Ranges fully inside cached blocks are served from the cache.
    pub(crate) async fn fetch_many(&self, ranges: &[Range<u64>]) -> KResult<Vec<Bytes>> {
        for r in ranges {
            self.check("chunk", r.start, r.end.saturating_sub(r.start))?;
        }
        let mut out: Vec<Option<Bytes>> = vec![None; ranges.len()];
        let mut todo = Vec::new();
        for (i, r) in ranges.iter().enumerate() {
            if r.end == r.start {
                out[i] = Some(Bytes::new());
            } else if let Some(b) = self
                .cached(r.start, r.end - r.start)
                .or_else(|| self.spare_part(r))
            {
                out[i] = Some(b);
            } else {
                todo.push(i);
            }
        }
        let groups = coalesce(ranges, &todo, self.cfg.max_gap, self.cfg.max_request);
        let fetched =
            futures::future::try_join_all(groups.iter().map(|g| self.get(g.range.clone()))).await?;
        for (g, bytes) in groups.iter().zip(fetched) {
            let asked: u64 = g
                .members
                .iter()
                .map(|&i| ranges[i].end - ranges[i].start)
                .sum();
            if asked < g.range.end - g.range.start {
                self.keep_spare(g.range.start, &bytes);
            }
            for &i in &g.members {
                let r = &ranges[i];
                let s = (r.start - g.range.start) as usize;
                let e = (r.end - g.range.start) as usize;
                out[i] = Some(bytes.slice(s..e));
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }
}

/// One counted range request, bounded by the semaphore.
async fn fetch(
    store: Arc<dyn ObjectStore>,
    path: Path,
    range: Range<u64>,
    sem: Arc<Semaphore>,
    stats: StatSink,
) -> KResult<Bytes> {
    let _permit = sem
        .acquire()
        .await
        .map_err(|e| ErrorKind::Task(e.to_string()))?;
    let want = range.end - range.start;
    let bytes = store.get_range(&path, range.clone()).await?;
    stats.request(bytes.len() as u64);
    if bytes.len() as u64 != want {
        return Err(ErrorKind::Truncated {
            what: "range response",
            addr: range.start,
        });
    }
    Ok(bytes)
}

fn shared_error(e: &Arc<ErrorKind>) -> ErrorKind {
    ErrorKind::Fetch(e.to_string())
}

/// A merged request and the input ranges it serves.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) range: Range<u64>,
    pub(crate) members: Vec<usize>,
}

/// Merges the ranges `ranges[i]` for `i` in `which` when the gap between
/// neighbours (sorted by start) is ≤ `max_gap` and the merged request stays
/// ≤ `max_len` (a single range longer than that is still one request).
pub(crate) fn coalesce(
    ranges: &[Range<u64>],
    which: &[usize],
    max_gap: u64,
    max_len: u64,
) -> Vec<Group> {
    let mut idx: Vec<usize> = which.to_vec();
    idx.sort_by_key(|&i| (ranges[i].start, ranges[i].end));
    let mut groups: Vec<Group> = Vec::new();
    for i in idx {
        let r = &ranges[i];
        if let Some(g) = groups.last_mut() {
            let gap_ok = r.start <= g.range.end.saturating_add(max_gap);
            let new_end = g.range.end.max(r.end);
            if gap_ok && new_end - g.range.start <= max_len {
                g.range.end = new_end;
                g.members.push(i);
                continue;
            }
        }
        groups.push(Group {
            range: r.clone(),
            members: vec![i],
        });
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coalesces_small_gaps_only() {
        let r = vec![100..200, 0..50, 210..300, 10_000..10_100, 150..160];
        let g = coalesce(&r, &[0, 1, 2, 3, 4], 40, 1 << 20);
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].range, 0..50);
        assert_eq!(g[1].range, 100..300);
        assert_eq!(g[1].members, vec![0, 4, 2]);
        assert_eq!(g[2].range, 10_000..10_100);
        // A length cap splits groups.
        let g = coalesce(&r, &[0, 2], 40, 150);
        assert_eq!(g.len(), 2);
    }
}
