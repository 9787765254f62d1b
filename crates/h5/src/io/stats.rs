//! I/O counters: requests made, bytes fetched, rounds, bytes decompressed,
//! chunks decoded.
//!
//! # Rounds
//! A **round** counts dependent requests: a scope's (a file view, a shard,
//! a worker: one [`IoStats`]) `rounds` is the longest chain r₁ → r₂ → … of
//! its requests in which each was asked because of the one before it's
//! answer (object header → B-tree node → chunk). Each request gets a
//! **depth** when it is asked (before it waits for a request permit):
//!
//! > depth(r) = 1 + the depth of the deepest answer r's asker had used
//! > (0 when none),
//!
//! and a scope's `rounds` is the greatest depth among its answered
//! requests. Requests asked together count 1; N asked each after the
//! other's answer count N; a request that waited for a permit, a memory
//! budget or a slot of a bounded stream — not for an answer — is no
//! deeper for it. So with a first-byte latency L a scope whose requests
//! all got a permit at once spends at least `rounds × L` waiting (queueing
//! adds to that): the number that matters on S3, where latency, not bytes,
//! bounds a shard's wall time.
//!
//! What an asker "had used" is tracked per computation (`io/depth.rs`): a
//! reader runs inside [`crate::track_rounds`] and marks the parts that do
//! not need each other's answers as [`crate::branch`]es (granules, beams,
//! datasets, chunk lookups); bytes served from a cache or from another
//! part's request in flight carry the depth of the answer they came in.
//! Parts not marked share a depth, so a count is never below the true
//! depth. Outside `track_rounds`, a request's depth is 1 + the greatest
//! depth answered in the scope before it was asked (the order of
//! arrival: an upper bound, which a loaded machine inflates).
//!
//! Rounds are counted where a request is asked, not inside a backend
//! ([`StatSink::measure`] wraps any request), so local files, S3 and HTTP
//! are counted alike.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::depth::{Depth, Stamp};

/// A snapshot of [`IoStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Range requests sent to the store (answered).
    pub requests: u64,
    /// Bytes those requests returned.
    pub bytes_fetched: u64,
    /// Rounds: the longest chain of dependent requests, each asked because
    /// of the previous one's answer (see `magg_h5::IoStats`).
    pub rounds: u64,
    /// Bytes produced by the filter pipeline (decoded chunk bytes).
    pub bytes_decompressed: u64,
    /// Chunks run through the filter pipeline.
    pub chunks_decoded: u64,
}

impl std::ops::Sub for Counters {
    type Output = Counters;
    /// What happened between two snapshots of one scope. The rounds are
    /// those the chain grew by: the rounds of reads made after the first
    /// snapshot, once every earlier request was answered.
    fn sub(self, o: Counters) -> Counters {
        Counters {
            requests: self.requests - o.requests,
            bytes_fetched: self.bytes_fetched - o.bytes_fetched,
            rounds: self.rounds.saturating_sub(o.rounds),
            bytes_decompressed: self.bytes_decompressed - o.bytes_decompressed,
            chunks_decoded: self.chunks_decoded - o.chunks_decoded,
        }
    }
}

/// Live counters, shareable between files (`Arc<IoStats>`): a worker passes
/// one to every [`crate::OpenOptions`] to get its aggregate. A scope made
/// [`within`](IoStats::within) another also counts into it (a shard's
/// counters into a worker's), each with its own rounds.
#[derive(Debug, Default)]
pub struct IoStats {
    requests: AtomicU64,
    bytes_fetched: AtomicU64,
    bytes_decompressed: AtomicU64,
    chunks_decoded: AtomicU64,
    /// The greatest depth answered so far (= `rounds`).
    answered: AtomicU64,
    parent: Option<Arc<IoStats>>,
}

impl IoStats {
    /// New zeroed counters, ready to share.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// New zeroed counters whose updates also go to `parent` (and its
    /// parents). Rounds are counted per scope.
    pub fn within(parent: &Arc<IoStats>) -> Arc<Self> {
        Arc::new(IoStats {
            parent: Some(Arc::clone(parent)),
            ..IoStats::default()
        })
    }

    /// The current values.
    pub fn snapshot(&self) -> Counters {
        Counters {
            requests: self.requests.load(Ordering::Relaxed),
            bytes_fetched: self.bytes_fetched.load(Ordering::Relaxed),
            rounds: self.answered.load(Ordering::Acquire),
            bytes_decompressed: self.bytes_decompressed.load(Ordering::Relaxed),
            chunks_decoded: self.chunks_decoded.load(Ordering::Relaxed),
        }
    }

    /// This scope and its parents, innermost first.
    fn chain(self: &Arc<Self>) -> impl Iterator<Item = &Arc<IoStats>> {
        std::iter::successors(Some(self), |s| s.parent.as_ref())
    }
}

/// What a request returned, as far as the counters care.
pub(crate) trait Fetched {
    /// Bytes fetched.
    fn fetched(&self) -> u64;
}

impl Fetched for bytes::Bytes {
    fn fetched(&self) -> u64 {
        self.len() as u64
    }
}

/// A request's depth in every scope, fixed when it was asked.
#[derive(Debug)]
pub(crate) struct Asked {
    tracked: Option<Depth>,
    rounds: Vec<u64>,
}

/// The counters one file view updates: its own, plus an optional shared
/// aggregate (with its parents).
#[derive(Debug, Clone)]
pub(crate) struct StatSink {
    own: Arc<IoStats>,
    shared: Option<Arc<IoStats>>,
}

impl StatSink {
    pub(crate) fn new(shared: Option<Arc<IoStats>>) -> Self {
        Self {
            own: IoStats::new(),
            shared,
        }
    }

    /// Every scope counted: own, then the shared one and its parents.
    fn scopes(&self) -> impl Iterator<Item = &Arc<IoStats>> {
        self.own
            .chain()
            .chain(self.shared.iter().flat_map(IoStats::chain))
    }

    /// Runs one request, counting it: its depth is fixed now (when asked),
    /// and the scopes' rounds, requests and bytes are updated when it
    /// succeeds. A failed request is not counted.
    #[cfg(test)]
    pub(crate) async fn measure<F, T>(&self, request: F) -> F::Output
    where
        F: Future<Output = Result<T, crate::error::ErrorKind>>,
        T: Fetched,
    {
        self.measure_stamped(request).await.0
    }

    /// [`Self::measure`], with the stamp of the answer (for bytes others
    /// will use without a request: they depend on this one).
    pub(crate) async fn measure_stamped<F, T>(&self, request: F) -> (F::Output, Stamp)
    where
        F: Future<Output = Result<T, crate::error::ErrorKind>>,
        T: Fetched,
    {
        self.measure_asked(self.ask(), request).await
    }

    /// Fixes the depth of a request asked now (call it where the request
    /// is made, not where it is first polled: a join polls its futures in
    /// turns, and one polled after another's answer would seem to need
    /// it).
    pub(crate) fn ask(&self) -> Asked {
        let tracked = Depth::current();
        let rounds = match &tracked {
            Some(d) => {
                let depth = d.next();
                self.scopes().map(|_| depth).collect()
            }
            None => self
                .scopes()
                .map(|s| s.answered.load(Ordering::Acquire) + 1)
                .collect(),
        };
        Asked { tracked, rounds }
    }

    /// Runs one request asked at `asked` ([`Self::ask`]), counting it.
    pub(crate) async fn measure_asked<F, T>(&self, asked: Asked, request: F) -> (F::Output, Stamp)
    where
        F: Future<Output = Result<T, crate::error::ErrorKind>>,
        T: Fetched,
    {
        let out = request.await;
        let mut stamp = Stamp::default();
        if let Ok(got) = &out {
            let n = got.fetched();
            for (s, round) in self.scopes().zip(&asked.rounds) {
                s.requests.fetch_add(1, Ordering::Relaxed);
                s.bytes_fetched.fetch_add(n, Ordering::Relaxed);
                s.answered.fetch_max(*round, Ordering::AcqRel);
            }
            if let (Some(d), Some(&depth)) = (&asked.tracked, asked.rounds.first()) {
                stamp = d.answered(depth);
            }
        }
        (out, stamp)
    }

    pub(crate) fn decoded(&self, bytes: u64) {
        for s in self.scopes() {
            s.chunks_decoded.fetch_add(1, Ordering::Relaxed);
            s.bytes_decompressed.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> Counters {
        self.own.snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use bytes::Bytes;
    use futures::StreamExt;
    use std::time::Duration;

    /// A request that answers `n` bytes after `ms` milliseconds.
    async fn req(ms: u64, n: usize) -> Result<Bytes, ErrorKind> {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(Bytes::from(vec![0u8; n]))
    }

    #[tokio::test]
    async fn dependent_requests_count_one_round_each() {
        let sink = StatSink::new(None);
        for _ in 0..5 {
            sink.measure(req(2, 10)).await.unwrap();
        }
        let c = sink.snapshot();
        assert_eq!((c.requests, c.bytes_fetched, c.rounds), (5, 50, 5));
    }

    #[tokio::test]
    async fn concurrent_requests_count_one_round() {
        let sink = StatSink::new(None);
        let all = (0..8).map(|i| sink.measure(req(5 + i, 1)));
        futures::future::try_join_all(all).await.unwrap();
        let c = sink.snapshot();
        assert_eq!((c.requests, c.rounds), (8, 1));
    }

    /// Two chains side by side (3 and 2 dependent requests), then one
    /// request after both: the longest chain is 3 + 1.
    #[tokio::test]
    async fn rounds_are_the_longest_chain() {
        let sink = StatSink::new(None);
        let chain = |n: usize| {
            let sink = &sink;
            async move {
                for _ in 0..n {
                    sink.measure(req(3, 1)).await.unwrap();
                }
            }
        };
        futures::join!(chain(3), chain(2));
        assert_eq!(sink.snapshot().rounds, 3);
        sink.measure(req(1, 1)).await.unwrap();
        assert_eq!(sink.snapshot().rounds, 4);
        assert_eq!(sink.snapshot().requests, 6);
    }

    /// A request asked before another's answer does not depend on it, even
    /// when it is answered later.
    #[tokio::test]
    async fn overlapping_requests_do_not_chain() {
        let sink = StatSink::new(None);
        let slow = sink.measure(req(30, 1));
        let fast_then_next = async {
            sink.measure(req(1, 1)).await.unwrap();
            sink.measure(req(1, 1)).await.unwrap();
        };
        let (a, ()) = futures::join!(slow, fast_then_next);
        a.unwrap();
        assert_eq!(sink.snapshot().rounds, 2);
    }

    #[tokio::test]
    async fn scopes_count_their_own_rounds_and_share_totals() {
        let worker = IoStats::new();
        let shard = IoStats::within(&worker);
        // Two files of the shard: one chain of 2, one of 1, concurrently.
        let a = StatSink::new(Some(Arc::clone(&shard)));
        let b = StatSink::new(Some(Arc::clone(&shard)));
        let chain_a = async {
            a.measure(req(3, 4)).await.unwrap();
            a.measure(req(3, 4)).await.unwrap();
        };
        let ((), r) = futures::join!(chain_a, b.measure(req(20, 2)));
        r.unwrap();
        assert_eq!(a.snapshot().rounds, 2);
        assert_eq!(b.snapshot().rounds, 1);
        let s = shard.snapshot();
        assert_eq!((s.requests, s.bytes_fetched, s.rounds), (3, 10, 2));
        assert_eq!(worker.snapshot(), s);
        // A failed request counts nowhere.
        let failed = a
            .measure(async { Err::<Bytes, _>(ErrorKind::Fetch("x".into())) })
            .await;
        assert!(failed.is_err());
        assert_eq!(shard.snapshot().requests, 3);
        assert_eq!(
            (a.snapshot() - Counters::default()).requests,
            a.snapshot().requests
        );
    }

    /// Runs `f` tracked and returns the sink's rounds.
    async fn depth_of<F: Future<Output = ()>>(sink: &StatSink, f: F) -> u64 {
        crate::track_rounds(f).await;
        sink.snapshot().rounds
    }

    /// Two independent parts, one waiting (a permit, a budget: not an
    /// answer) before its request: by arrival order its request would
    /// follow the other's answer (2 rounds); by dependency it is 1, and a
    /// request after both is 2, whichever part is slow.
    #[tokio::test]
    async fn depth_ignores_waiting_and_arrival_order() {
        for (wait, fast) in [(30, 1), (1, 30)] {
            let sink = StatSink::new(None);
            let s = &sink;
            let got = depth_of(s, async move {
                let waiting = crate::branch(async move {
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    s.measure(req(1, 1)).await.unwrap();
                });
                let other = crate::branch(async move {
                    s.measure(req(fast, 1)).await.unwrap();
                });
                futures::join!(waiting, other);
                assert_eq!(s.snapshot().rounds, 1);
                s.measure(req(1, 1)).await.unwrap();
            })
            .await;
            assert_eq!(got, 2, "wait {wait} ms, other {fast} ms");
        }
        // Untracked, the same parts count by arrival: 2 before the join.
        let sink = StatSink::new(None);
        let waiting = async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            sink.measure(req(1, 1)).await.unwrap();
        };
        futures::join!(waiting, sink.measure(req(1, 1))).1.unwrap();
        assert_eq!(sink.snapshot().rounds, 2);
    }

    /// Chains of known depth in branches of random delays: the depth is
    /// the longest chain, however the answers interleave; a branch made
    /// after another finished does not start deeper.
    #[tokio::test]
    async fn depth_is_the_longest_chain_whatever_the_timing() {
        for seed in 0..6u64 {
            let sink = StatSink::new(None);
            let s = &sink;
            let ms = move |i: u64| 1 + (seed * 7 + i * 13) % 11;
            let chain = move |n: u64, at: u64| async move {
                for k in 0..n {
                    s.measure(req(ms(at + k), 1)).await.unwrap();
                }
            };
            let got = depth_of(s, async move {
                s.measure(req(ms(0), 1)).await.unwrap(); // depth 1
                let parts: Vec<_> = [4, 1, 2, 3]
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| crate::branch(chain(n, i as u64 * 5)))
                    .collect();
                // One at a time: later parts start after earlier ones end.
                futures::stream::iter(parts)
                    .buffered(1)
                    .collect::<Vec<()>>()
                    .await;
                assert_eq!(s.snapshot().rounds, 5);
                s.measure(req(ms(9), 1)).await.unwrap();
            })
            .await;
            assert_eq!(got, 6, "seed {seed}");
        }
    }

    /// Bytes got without a request (a cache, another part's request in
    /// flight) carry their answer's depth.
    #[tokio::test]
    async fn cached_bytes_carry_their_depth() {
        let sink = StatSink::new(None);
        let s = &sink;
        let got = depth_of(s, async move {
            let (cached, ()) = futures::join!(
                crate::branch(async move {
                    s.measure(req(1, 1)).await.unwrap();
                    s.measure_stamped(req(1, 1)).await.1 // depth 2
                }),
                crate::branch(async move {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    s.measure(req(1, 1)).await.unwrap(); // depth 1
                })
            );
            crate::branch(async move {
                super::super::depth::depend_on(cached);
                s.measure(req(1, 1)).await.unwrap(); // depth 3
            })
            .await;
        })
        .await;
        assert_eq!(got, 3);
    }

    /// Waiting for another computation's request in flight (another shard
    /// sharing a cached file) costs a round; its own stamps count as they
    /// are.
    #[tokio::test]
    async fn waiting_for_another_roots_request_is_a_round() {
        let sink = StatSink::new(None);
        let s = &sink;
        let foreign = crate::track_rounds(async move {
            s.measure(req(1, 1)).await.unwrap();
            s.measure_stamped(req(1, 1)).await.1 // depth 2 in its own root
        })
        .await;
        let other = StatSink::new(None);
        let o = &other;
        crate::track_rounds(async move {
            o.measure(req(1, 1)).await.unwrap(); // depth 1
            super::super::depth::waited_for(foreign); // as if asked: 2
            o.measure(req(1, 1)).await.unwrap(); // 3
        })
        .await;
        assert_eq!(other.snapshot().rounds, 3);
        let mine = StatSink::new(None);
        let m = &mine;
        crate::track_rounds(async move {
            let st = m.measure_stamped(req(1, 1)).await.1; // 1
            super::super::depth::waited_for(st); // already there
            m.measure(req(1, 1)).await.unwrap(); // 2
        })
        .await;
        assert_eq!(mine.snapshot().rounds, 2);
    }
}
