//! Dependency depth: which answers a request needed, so that rounds count
//! the longest chain of *dependent* requests, not the order answers
//! happened to arrive in (see the module docs of `stats`).
//!
//! A tracked computation ([`track_rounds`]) carries a depth: the deepest
//! answer it has used so far. A request asked in it has depth `1 + that`;
//! its answer raises the computation's depth to the request's. Concurrent
//! parts that do not need each other's answers are [`branch`]es: each
//! starts at the depth of its parent when it was made and, once finished,
//! raises its parent's depth to its own (whatever follows a join needs
//! every branch joined). Bytes a part gets without a request of its own —
//! from a cache, or from another part's request in flight — carry the
//! [`Stamp`] of the answer they came in, and raise the depth to it.
//!
//! Parts of one task that are not made branches share one depth, so a
//! request can only be counted deeper than it is, never shallower: the
//! count is exact where the reader marks its independent parts, and an
//! upper bound elsewhere.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

/// The depth of a tracked computation, shared by whoever runs in it.
#[derive(Debug, Clone)]
pub(crate) struct Depth {
    /// Which [`track_rounds`] it belongs to (never 0).
    root: u64,
    depth: Arc<AtomicU64>,
}

tokio::task_local! {
    static CURRENT: Depth;
}

/// Roots handed out so far (0 means "untracked").
static ROOTS: AtomicU64 = AtomicU64::new(1);

/// Where an answer stands: the tracked computation it was answered in and
/// its depth there (`root` 0: untracked).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stamp {
    root: u64,
    depth: u64,
}

impl Depth {
    /// The computation the caller runs in, if tracked.
    pub(crate) fn current() -> Option<Depth> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// The depth a request asked now has.
    pub(crate) fn next(&self) -> u64 {
        self.depth.load(Ordering::Acquire) + 1
    }

    /// A request of depth `d` was answered.
    pub(crate) fn answered(&self, d: u64) -> Stamp {
        self.depth.fetch_max(d, Ordering::AcqRel);
        Stamp {
            root: self.root,
            depth: d,
        }
    }
}

/// What the caller's computation has used so far, as a stamp for bytes it
/// keeps for others (a parsed structure).
pub(crate) fn stamp_now() -> Stamp {
    Depth::current().map_or(Stamp::default(), |d| Stamp {
        root: d.root,
        depth: d.depth.load(Ordering::Acquire),
    })
}

/// The caller used bytes answered at `s`.
pub(crate) fn depend_on(s: Stamp) {
    if let Some(d) = Depth::current()
        && d.root == s.root
        && s.root != 0
    {
        d.depth.fetch_max(s.depth, Ordering::AcqRel);
    }
}

/// The caller waited for a request in flight, answered at `s`: it depends
/// on it. A request of another tracked computation (another shard reading
/// the same cached file) is, for the caller, as deep as one it would have
/// asked itself now.
pub(crate) fn waited_for(s: Stamp) {
    match Depth::current() {
        Some(d) if d.root != s.root || s.root == 0 => {
            d.depth.fetch_max(d.next(), Ordering::AcqRel);
        }
        Some(_) => depend_on(s),
        None => {}
    }
}

/// A future that runs in a depth of its own (see [`track_rounds`] and
/// [`branch`]).
#[must_use = "futures do nothing unless awaited"]
pub struct Tracked<F> {
    inner: Pin<Box<F>>,
    /// Its depth (none: untracked, runs as is).
    own: Option<Depth>,
    /// The depth raised to its own when it finishes (a branch's parent).
    parent: Option<Depth>,
}

impl<F> std::fmt::Debug for Tracked<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked")
            .field("own", &self.own)
            .finish_non_exhaustive()
    }
}

/// Runs `f` as a tracked computation starting at depth 0: the requests it
/// makes (through files opened with any options) get rounds by dependency
/// depth, and every [`IoStats`](crate::IoStats) they count into records the
/// deepest. A shard reader wraps its whole read in one.
pub fn track_rounds<F: Future>(f: F) -> Tracked<F> {
    Tracked {
        inner: Box::pin(f),
        own: Some(Depth {
            root: ROOTS.fetch_add(1, Ordering::Relaxed),
            depth: Arc::new(AtomicU64::new(0)),
        }),
        parent: None,
    }
}

/// Marks `f` as independent of the parts running beside it: it starts at
/// the depth its caller has reached *now* (when `branch` is called; make
/// branches before handing them to a bounded stream, so a part started
/// later does not seem to need the answers of those that finished first)
/// and, when it finishes, raises the caller's depth to its own. Made
/// outside a [`track_rounds`] future (not merely polled inside one), it
/// runs `f` as is.
pub fn branch<F: Future>(f: F) -> Tracked<F> {
    let parent = Depth::current();
    Tracked {
        inner: Box::pin(f),
        own: parent.as_ref().map(|p| Depth {
            root: p.root,
            depth: Arc::new(AtomicU64::new(p.depth.load(Ordering::Acquire))),
        }),
        parent,
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let polled = match &this.own {
            Some(d) => CURRENT.sync_scope(d.clone(), || this.inner.as_mut().poll(cx)),
            None => this.inner.as_mut().poll(cx),
        };
        if polled.is_ready()
            && let (Some(p), Some(d)) = (&this.parent, &this.own)
        {
            p.depth
                .fetch_max(d.depth.load(Ordering::Acquire), Ordering::AcqRel);
        }
        polled
    }
}
