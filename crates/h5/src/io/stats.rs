//! I/O counters: requests made, bytes fetched, bytes decompressed, chunks decoded.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of [`IoStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Range requests sent to the store.
    pub requests: u64,
    /// Bytes those requests returned.
    pub bytes_fetched: u64,
    /// Bytes produced by the filter pipeline (decoded chunk bytes).
    pub bytes_decompressed: u64,
    /// Chunks run through the filter pipeline.
    pub chunks_decoded: u64,
}

impl std::ops::Sub for Counters {
    type Output = Counters;
    fn sub(self, o: Counters) -> Counters {
        Counters {
            requests: self.requests - o.requests,
            bytes_fetched: self.bytes_fetched - o.bytes_fetched,
            bytes_decompressed: self.bytes_decompressed - o.bytes_decompressed,
            chunks_decoded: self.chunks_decoded - o.chunks_decoded,
        }
    }
}

/// Live counters, shareable between files (`Arc<IoStats>`): a worker passes
/// one to every [`crate::OpenOptions`] to get its aggregate.
#[derive(Debug, Default)]
pub struct IoStats {
    requests: AtomicU64,
    bytes_fetched: AtomicU64,
    bytes_decompressed: AtomicU64,
    chunks_decoded: AtomicU64,
}

impl IoStats {
    /// New zeroed counters, ready to share.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The current values.
    pub fn snapshot(&self) -> Counters {
        Counters {
            requests: self.requests.load(Ordering::Relaxed),
            bytes_fetched: self.bytes_fetched.load(Ordering::Relaxed),
            bytes_decompressed: self.bytes_decompressed.load(Ordering::Relaxed),
            chunks_decoded: self.chunks_decoded.load(Ordering::Relaxed),
        }
    }
}

/// The counters one file updates: its own, plus an optional shared aggregate.
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

    fn each(&self, f: impl Fn(&IoStats)) {
        f(&self.own);
        if let Some(s) = &self.shared {
            f(s);
        }
    }

    pub(crate) fn request(&self, bytes: u64) {
        self.each(|s| {
            s.requests.fetch_add(1, Ordering::Relaxed);
            s.bytes_fetched.fetch_add(bytes, Ordering::Relaxed);
        });
    }

    pub(crate) fn decoded(&self, bytes: u64) {
        self.each(|s| {
            s.chunks_decoded.fetch_add(1, Ordering::Relaxed);
            s.bytes_decompressed.fetch_add(bytes, Ordering::Relaxed);
        });
    }

    pub(crate) fn snapshot(&self) -> Counters {
        self.own.snapshot()
    }
}
