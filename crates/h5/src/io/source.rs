//! The byte source of one file: range requests to an `object_store`, a cache
//! of metadata bytes (fetched from each structure's address on, with
//! read-ahead), coalescing of nearby data ranges, a bound on requests
//! in flight, and the counters.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use object_store::ObjectStore;
use object_store::path::Path;
use tokio::sync::Semaphore;

use super::depth::{Stamp, depend_on, waited_for};
use super::reader::{Backend, Identity, Reader};
use super::stats::StatSink;
use crate::error::{ErrorKind, KResult};

/// Tuning of the byte source (part of [`crate::OpenOptions`]).
#[derive(Debug, Clone)]
pub(crate) struct IoConfig {
    pub(crate) first_block: u64,
    pub(crate) read_ahead: u64,
    pub(crate) read_behind: u64,
    pub(crate) max_gap: u64,
    pub(crate) max_request: u64,
    pub(crate) cache_limit: u64,
}

/// One file's bytes, as seen by one user: the parsed state (size, base,
/// metadata cache, requests in flight) is shared by every
/// [`Source::rebind`] of it; the request limiter and the counters are this
/// user's.
#[derive(Debug)]
pub(crate) struct Source {
    state: Arc<State>,
    /// This user's way to the bytes: its request limiter and counters
    /// around the store.
    pub(crate) reader: Reader,
    /// Coalesced responses that carried bytes between the ranges asked for
    /// (another dataset's chunks): a later read of those bytes is served
    /// from here instead of being fetched twice. This user's only.
    spare: Mutex<Spare>,
}

/// Bytes kept in [`Source::spare`] at most.
const SPARE_LIMIT: u64 = 16 << 20;

#[derive(Debug, Default)]
struct Spare {
    parts: std::collections::VecDeque<(u64, Bytes, Stamp)>,
    bytes: u64,
}

/// What the users of one file share.
#[derive(Debug)]
pub(crate) struct State {
    backend: Arc<Backend>,
    /// Object size in bytes.
    pub(crate) size: u64,
    /// The object's identity: as the open's response told it (only the
    /// size when the size was given), or as an index gave it.
    pub(crate) identity: Identity,
    /// Base address: file addresses are relative to it.
    base: std::sync::atomic::AtomicU64,
    cache: Mutex<Cache>,
    /// Metadata requests in flight, by range: a concurrent reader of bytes
    /// inside one waits for it instead of fetching them again.
    inflight: Mutex<Vec<(Range<u64>, SharedFetch)>>,
    cfg: IoConfig,
}

impl std::ops::Deref for Source {
    type Target = State;
    fn deref(&self) -> &State {
        &self.state
    }
}

type SharedFetch = Shared<BoxFuture<'static, Result<(Bytes, Stamp), Arc<ErrorKind>>>>;

/// Metadata bytes fetched so far: disjoint extents by start address, each
/// with the stamp of the answer it came in (`depth.rs`: whoever uses the
/// bytes depends on that request).
#[derive(Debug, Default)]
struct Cache {
    extents: BTreeMap<u64, Bytes>,
    stamps: BTreeMap<u64, Stamp>,
    bytes: u64,
}

impl Cache {
    /// The end of the cached bytes that run without a gap from `abs`
    /// (`abs` itself when `abs` is not cached).
    fn covered_until(&self, abs: u64) -> u64 {
        let mut at = abs;
        let before = self.extents.range(..=abs).next_back();
        let after = self
            .extents
            .range((std::ops::Bound::Excluded(abs), std::ops::Bound::Unbounded));
        for (&s, b) in before.into_iter().chain(after) {
            if s > at {
                break;
            }
            at = at.max(s + b.len() as u64);
        }
        at
    }

    /// The end of the last extent starting before `abs` (0 if none).
    fn end_before(&self, abs: u64) -> u64 {
        self.extents
            .range(..abs)
            .next_back()
            .map_or(0, |(&s, b)| s + b.len() as u64)
    }

    /// The start of the first extent after `abs` (`u64::MAX` if none).
    fn next_start(&self, abs: u64) -> u64 {
        self.extents
            .range((std::ops::Bound::Excluded(abs), std::ops::Bound::Unbounded))
            .next()
            .map_or(u64::MAX, |(&s, _)| s)
    }

    /// `abs..abs+len`, if cached: a slice of one extent, or a copy joined
    /// from adjacent ones; the stamps of the answers they came in go to
    /// `used`.
    fn get(&self, abs: u64, len: u64, used: &mut Vec<Stamp>) -> Option<Bytes> {
        let end = abs + len;
        let (&s, b) = self.extents.range(..=abs).next_back()?;
        let e = s + b.len() as u64;
        let mut used = |start: u64| used.extend(self.stamps.get(&start).copied());
        if end <= e {
            used(s);
            return Some(b.slice((abs - s) as usize..(end - s) as usize));
        }
        if e <= abs {
            return None;
        }
        let mut out = BytesMut::with_capacity(len as usize);
        out.extend_from_slice(&b[(abs - s) as usize..]);
        let mut starts = vec![s];
        let mut at = e;
        for (&s, b) in self.extents.range(at..) {
            if s != at || at >= end {
                break;
            }
            let take = (end - at).min(b.len() as u64) as usize;
            out.extend_from_slice(&b[..take]);
            starts.push(s);
            at += take as u64;
        }
        if at < end {
            return None;
        }
        starts.into_iter().for_each(used);
        Some(out.freeze())
    }

    /// Adds `bytes` (answered at `stamp`) at `start`, keeping only the
    /// parts not yet cached.
    fn insert(&mut self, start: u64, bytes: &Bytes, stamp: Stamp) {
        let end = start + bytes.len() as u64;
        let mut at = start;
        while at < end {
            let from = self.covered_until(at);
            if from >= end {
                break;
            }
            let to = self.next_start(from).min(end);
            let piece = bytes.slice((from - start) as usize..(to - start) as usize);
            self.bytes += piece.len() as u64;
            self.extents.insert(from, piece);
            self.stamps.insert(from, stamp);
            at = to;
        }
    }
}

impl Source {
    /// Opens the object with the generous first read into the cache,
    /// which also tells the object's size (no HEAD), unless `size` is
    /// known.
    pub(crate) async fn open(
        store: Arc<dyn ObjectStore>,
        path: Path,
        size: Option<u64>,
        sem: Arc<Semaphore>,
        stats: StatSink,
        cfg: IoConfig,
    ) -> KResult<Self> {
        let backend = Arc::new(Backend {
            store,
            path,
            expect: None,
        });
        let reader = Reader::new(Arc::clone(&backend), sem, stats);
        let want = cfg.first_block.max(cfg.read_ahead);
        let (first, identity, stamp) = match size {
            Some(size) if size.min(want) == 0 => {
                (Bytes::new(), Identity::sized(size), Stamp::default())
            }
            Some(size) => {
                let (b, st) = reader.read_stamped(0..size.min(want)).await?;
                (b, Identity::sized(size), st)
            }
            None => reader.first(want).await?,
        };
        let src = Self::fresh(backend, reader, identity, cfg);
        src.insert_meta(0, &first, stamp);
        Ok(src)
    }

    /// The object as an index described it, without a request: every
    /// response is checked against `identity` (a mismatch is
    /// [`ErrorKind::Stale`]).
    pub(crate) fn described(
        store: Arc<dyn ObjectStore>,
        path: Path,
        identity: &Identity,
        sem: Arc<Semaphore>,
        stats: StatSink,
        cfg: IoConfig,
    ) -> Self {
        let backend = Arc::new(Backend {
            store,
            path,
            expect: Some(identity.clone()),
        });
        let reader = Reader::new(Arc::clone(&backend), sem, stats);
        Self::fresh(backend, reader, identity.clone(), cfg)
    }

    /// A source with nothing cached yet.
    fn fresh(backend: Arc<Backend>, reader: Reader, identity: Identity, cfg: IoConfig) -> Self {
        Self {
            state: Arc::new(State {
                backend,
                size: identity.size,
                identity,
                base: std::sync::atomic::AtomicU64::new(0),
                cache: Mutex::new(Cache::default()),
                inflight: Mutex::new(Vec::new()),
                cfg,
            }),
            reader,
            spare: Mutex::default(),
        }
    }

    /// The same file with another request limiter and other counters
    /// (sharing the cached metadata).
    pub(crate) fn rebind(&self, sem: Arc<Semaphore>, stats: StatSink) -> Source {
        Source {
            state: Arc::clone(&self.state),
            reader: Reader::new(Arc::clone(&self.backend), sem, stats),
            spare: Mutex::default(),
        }
    }

    /// This view's counters.
    pub(crate) fn stats(&self) -> &StatSink {
        &self.reader.meter
    }

    /// Bytes held by the metadata cache.
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
        self.reader.read(range).await
    }

    /// Fetches the bytes of `abs..abs+len` not yet cached, and the
    /// read-ahead after them (up to the next cached or in-flight bytes),
    /// sharing requests already in flight, and caches what arrives.
    async fn load_meta(&self, abs: u64, len: u64, behind: u64) -> KResult<()> {
        let end = abs + len;
        let mut waits: Vec<SharedFetch> = Vec::new();
        let mut mine: Vec<(Range<u64>, SharedFetch)> = Vec::new();
        {
            let cache = self.cache.lock().expect("cache lock");
            let mut inflight = self.inflight.lock().expect("inflight lock");
            // The gaps of the cache inside `abs..end`; the last one reads ahead.
            let mut gaps = Vec::new();
            let mut at = cache.covered_until(abs);
            if at == abs && behind > 0 {
                // Read behind too, down to the cached or in-flight bytes
                // before `abs`.
                let mut lo = abs.saturating_sub(behind).max(cache.end_before(abs));
                for (r, _) in inflight.iter() {
                    if r.end > lo && r.start < abs {
                        lo = lo.max(r.end.min(abs));
                    }
                }
                at = lo;
            }
            while at < end {
                let next = cache.next_start(at);
                if next >= end {
                    let mut stop = (at + self.cfg.read_ahead).min(next).min(self.size);
                    for (r, _) in inflight.iter() {
                        if r.start >= end && r.start < stop {
                            stop = r.start;
                        }
                    }
                    gaps.push(at..stop.max(end));
                    break;
                }
                gaps.push(at..next);
                at = cache.covered_until(next);
            }
            for gap in gaps {
                if let Some((_, f)) = inflight
                    .iter()
                    .find(|(r, _)| r.start <= gap.start && r.end >= gap.end.min(end))
                {
                    waits.push(f.clone());
                    continue;
                }
                let reader = self.reader.clone();
                let range = gap.clone();
                let asked = reader.meter.ask();
                let fut = async move { reader.read_asked(asked, range).await }
                    .map(|r| r.map_err(Arc::new))
                    .boxed()
                    .shared();
                inflight.push((gap.clone(), fut.clone()));
                mine.push((gap, fut));
            }
        }
        let mut result = Ok(());
        let (ranges, futs): (Vec<_>, Vec<_>) = mine.into_iter().unzip();
        let got = futures::future::join_all(futs).await;
        for (range, r) in ranges.into_iter().zip(got) {
            if let Ok((bytes, stamp)) = &r {
                // Whoever polled the request first counted it; this part
                // needs it too.
                depend_on(*stamp);
                self.insert_meta(range.start, bytes, *stamp);
            }
            self.inflight
                .lock()
                .expect("inflight lock")
                .retain(|(q, _)| *q != range);
            if let Err(e) = r {
                result = Err(shared_error(&e));
            }
        }
        for r in futures::future::join_all(waits).await {
            match r {
                Ok((_, stamp)) => waited_for(stamp),
                Err(e) => result = Err(shared_error(&e)),
            }
        }
        result
    }

    fn insert_meta(&self, start: u64, bytes: &Bytes, stamp: Stamp) {
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.bytes + bytes.len() as u64 > self.cfg.cache_limit {
            return;
        }
        cache.insert(start, bytes, stamp);
    }

    /// Serves `abs..abs+len` from the metadata cache if it holds all of it
    /// (the caller depends on the answers it came in).
    fn cached(&self, abs: u64, len: u64) -> Option<Bytes> {
        let mut used = Vec::new();
        let got = self
            .cache
            .lock()
            .expect("cache lock")
            .get(abs, len, &mut used);
        used.into_iter().for_each(depend_on);
        got
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
    /// the metadata cache. Shorter than `len` only at the end of the file.
    pub(crate) async fn meta(&self, what: &'static str, addr: u64, len: u64) -> KResult<Bytes> {
        self.meta_reading(what, addr, len, 0).await
    }

    /// [`Self::meta`], reading up to [`IoConfig::read_behind`] bytes
    /// before `addr` too when it is not cached: for structures that
    /// others usually precede (a group's B-tree and heap lie just before
    /// its object header or continuation block).
    pub(crate) async fn meta_behind(
        &self,
        what: &'static str,
        addr: u64,
        len: u64,
    ) -> KResult<Bytes> {
        self.meta_reading(what, addr, len, self.cfg.read_behind)
            .await
    }

    async fn meta_reading(
        &self,
        what: &'static str,
        addr: u64,
        len: u64,
        behind: u64,
    ) -> KResult<Bytes> {
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
        if let Some((b, stamp)) = self.spare_part(&(abs..abs + len)) {
            depend_on(stamp);
            return Ok(b);
        }
        self.load_meta(abs, len, behind).await?;
        if let Some(b) = self.cached(abs, len) {
            return Ok(b);
        }
        // The cache is full: fetch directly.
        self.get(abs..abs + len).await
    }

    /// `r` from a kept coalesced response, if one holds it, with that
    /// response's stamp.
    fn spare_part(&self, r: &Range<u64>) -> Option<(Bytes, Stamp)> {
        let spare = self.spare.lock().expect("spare lock");
        spare.parts.iter().find_map(|(start, b, stamp)| {
            let end = start + b.len() as u64;
            (r.start >= *start && r.end <= end).then(|| {
                (
                    b.slice((r.start - start) as usize..(r.end - start) as usize),
                    *stamp,
                )
            })
        })
    }

    /// Keeps a coalesced response (oldest dropped beyond [`SPARE_LIMIT`]).
    fn keep_spare(&self, start: u64, bytes: &Bytes, stamp: Stamp) {
        let len = bytes.len() as u64;
        if len > SPARE_LIMIT {
            return;
        }
        let mut spare = self.spare.lock().expect("spare lock");
        spare.parts.push_back((start, bytes.clone(), stamp));
        spare.bytes += len;
        while spare.bytes > SPARE_LIMIT {
            let Some((_, b, _)) = spare.parts.pop_front() else {
                break;
            };
            spare.bytes -= b.len() as u64;
        }
    }

    /// Fetches data ranges (absolute addresses), coalescing neighbours whose
    /// gap is at most `max_gap`, with the requests running concurrently.
    /// Ranges fully inside cached metadata are served from the cache.
    pub(crate) async fn fetch_many(&self, ranges: &[Range<u64>]) -> KResult<Vec<Bytes>> {
        for r in ranges {
            self.check("chunk", r.start, r.end.saturating_sub(r.start))?;
        }
        let mut out: Vec<Option<Bytes>> = vec![None; ranges.len()];
        let mut todo = Vec::new();
        // Bytes already here: the requests below do not need them, so the
        // caller depends on their answers only once those are asked.
        let mut used = Vec::new();
        for (i, r) in ranges.iter().enumerate() {
            if r.end == r.start {
                out[i] = Some(Bytes::new());
                continue;
            }
            let cached = {
                let cache = self.cache.lock().expect("cache lock");
                cache.get(r.start, r.end - r.start, &mut used)
            };
            if let Some(b) = cached {
                out[i] = Some(b);
            } else if let Some((b, stamp)) = self.spare_part(r) {
                used.push(stamp);
                out[i] = Some(b);
            } else {
                todo.push(i);
            }
        }
        let groups = coalesce(ranges, &todo, self.cfg.max_gap, self.cfg.max_request);
        let fetched = futures::future::try_join_all(
            groups
                .iter()
                .map(|g| self.reader.read_stamped(g.range.clone())),
        )
        .await?;
        used.into_iter().for_each(depend_on);
        for (g, (bytes, stamp)) in groups.iter().zip(fetched) {
            let asked: u64 = g
                .members
                .iter()
                .map(|&i| ranges[i].end - ranges[i].start)
                .sum();
            if asked < g.range.end - g.range.start {
                self.keep_spare(g.range.start, &bytes, stamp);
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

    fn extents(c: &Cache) -> Vec<(u64, u64)> {
        c.extents
            .iter()
            .map(|(&s, b)| (s, s + b.len() as u64))
            .collect()
    }

    #[test]
    fn cache_keeps_disjoint_extents_and_joins_neighbours() {
        let bytes = |a: u64, b: u64| Bytes::from((a..b).map(|i| i as u8).collect::<Vec<_>>());
        let mut c = Cache::default();
        let mut used = Vec::new();
        c.insert(100, &bytes(100, 200), Stamp::default());
        c.insert(300, &bytes(300, 400), Stamp::default());
        // Overlapping both: only the gap between them is added.
        c.insert(150, &bytes(150, 350), Stamp::default());
        assert_eq!(extents(&c), vec![(100, 200), (200, 300), (300, 400)]);
        assert_eq!(c.bytes, 300);
        // Inside one extent: a slice; across neighbours: joined.
        assert_eq!(c.get(120, 10, &mut used).unwrap(), bytes(120, 130));
        assert_eq!(c.get(190, 200, &mut used).unwrap(), bytes(190, 390));
        assert!(c.get(390, 20, &mut used).is_none() && c.get(50, 60, &mut used).is_none());
        assert_eq!(c.covered_until(120), 400);
        assert_eq!(c.covered_until(400), 400);
        assert_eq!(c.covered_until(50), 50);
        assert_eq!(c.next_start(120), 200);
        assert_eq!(c.next_start(400), u64::MAX);
        // A gap: the run stops there.
        c.insert(500, &bytes(500, 510), Stamp::default());
        assert_eq!(c.covered_until(100), 400);
        assert!(c.get(395, 110, &mut used).is_none());
    }

    /// Random metadata reads (with and without read-behind) against an
    /// in-memory object: every read returns the object's bytes, and no
    /// byte is fetched twice.
    #[tokio::test]
    async fn metadata_reads_are_exact_and_fetch_each_byte_once() {
        use object_store::ObjectStoreExt;
        use object_store::memory::InMemory;
        const SIZE: u64 = 1 << 18;
        let data: Vec<u8> = (0..SIZE).map(|i| (i * 31 % 251) as u8).collect();
        let store = Arc::new(InMemory::new());
        let path = Path::from("f.h5");
        store.put(&path, data.clone().into()).await.unwrap();
        let stats = std::sync::Arc::new(super::super::stats::IoStats::default());
        let src = Source::open(
            store,
            path,
            None,
            Arc::new(Semaphore::new(4)),
            StatSink::new(Some(stats.clone())),
            IoConfig {
                first_block: 1024,
                read_ahead: 512,
                read_behind: 256,
                max_gap: 0,
                max_request: 1 << 20,
                cache_limit: 1 << 30,
            },
        )
        .await
        .unwrap();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..2000 {
            let addr = next(SIZE);
            let len = 1 + next(2000);
            let got = if next(2) == 0 {
                src.meta("test", addr, len).await
            } else {
                src.meta_behind("test", addr, len).await
            }
            .unwrap();
            let end = (addr + len).min(SIZE);
            assert_eq!(&got[..], &data[addr as usize..end as usize], "{addr} {len}");
        }
        let c = stats.snapshot();
        assert!(c.bytes_fetched <= SIZE, "{c:?}");
    }

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
