//! The way one file view reaches its bytes, as layers: the backend (any
//! `object_store`: local disk, S3, HTTP), a bound on requests in flight
//! around it, and the meter around both (requests, bytes, rounds; see
//! `stats.rs`). Nothing else in the crate issues a request.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use tokio::sync::Semaphore;

use super::depth::Stamp;
use super::stats::{Asked, StatSink};
use crate::error::{ErrorKind, KResult};

/// The object: a store and a path in it (shared by every view of a file),
/// and, for a file described by an index instead of opened, the identity
/// every response must show (so bytes of a rewritten object are refused).
#[derive(Debug)]
pub(crate) struct Backend {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) path: Path,
    pub(crate) expect: Option<Identity>,
}

/// What identifies one version of an object: its size, and its ETag and
/// last-modified time when the store gives them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// Bytes.
    pub size: u64,
    /// The store's entity tag (S3's ETag; derived from inode, time and size
    /// on local disk), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Last modification time (RFC 3339), if the store gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Identity {
    /// An identity that is only a size.
    pub fn sized(size: u64) -> Identity {
        Identity {
            size,
            etag: None,
            last_modified: None,
        }
    }

    fn of(meta: &object_store::ObjectMeta) -> Identity {
        Identity {
            size: meta.size,
            etag: meta.e_tag.clone(),
            last_modified: Some(meta.last_modified.to_rfc3339()),
        }
    }

    /// Whether `got` can be the same object version: equal sizes, and equal
    /// ETags when both have one (else equal modification times when both
    /// have one).
    pub fn matches(&self, got: &Identity) -> bool {
        if self.size != got.size {
            return false;
        }
        match (&self.etag, &got.etag) {
            (Some(a), Some(b)) => a == b,
            _ => match (&self.last_modified, &got.last_modified) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            },
        }
    }
}

/// One view's request path: backend → limiter → meter. Cheap to clone;
/// the futures it returns own what they need.
#[derive(Debug, Clone)]
pub(crate) struct Reader {
    backend: Arc<Backend>,
    limit: Arc<Semaphore>,
    pub(crate) meter: StatSink,
}

impl Reader {
    pub(crate) fn new(backend: Arc<Backend>, limit: Arc<Semaphore>, meter: StatSink) -> Reader {
        Reader {
            backend,
            limit,
            meter,
        }
    }

    /// One range request: counted, bounded in flight, and checked to
    /// return exactly the bytes asked for.
    pub(crate) async fn read(&self, range: Range<u64>) -> KResult<Bytes> {
        Ok(self.read_stamped(range).await?.0)
    }

    /// [`Self::read`], with the stamp of the answer (see `depth.rs`); its
    /// depth is fixed now, when the future is made.
    pub(crate) fn read_stamped(
        &self,
        range: Range<u64>,
    ) -> impl Future<Output = KResult<(Bytes, Stamp)>> + Send + use<'_> {
        self.read_asked(self.meter.ask(), range)
    }

    /// [`Self::read_stamped`] asked at `asked`.
    pub(crate) async fn read_asked(
        &self,
        asked: Asked,
        range: Range<u64>,
    ) -> KResult<(Bytes, Stamp)> {
        let want = range.end - range.start;
        let start = range.start;
        let (bytes, stamp) = self
            .meter
            .measure_asked(asked, async {
                let _permit = self.permit().await?;
                let Some(expect) = &self.backend.expect else {
                    return Ok(self
                        .backend
                        .store
                        .get_range(&self.backend.path, range)
                        .await?);
                };
                // Checked against the identity the index recorded: the
                // response's size (Content-Range) and ETag come with it.
                let opts = GetOptions::new().with_range(Some(GetRange::Bounded(range)));
                let r = self
                    .backend
                    .store
                    .get_opts(&self.backend.path, opts)
                    .await?;
                let got = Identity::of(&r.meta);
                if !expect.matches(&got) {
                    return Err(ErrorKind::Stale(format!(
                        "the object is not the one indexed (indexed: {expect:?}; now: {got:?})"
                    )));
                }
                Ok(r.bytes().await?)
            })
            .await;
        let bytes = bytes?;
        if bytes.len() as u64 != want {
            return Err(ErrorKind::Truncated {
                what: "range response",
                addr: start,
            });
        }
        Ok((bytes, stamp))
    }

    /// The first `len` bytes of an object of unknown size, and its size,
    /// in one request (a ranged GET answers the object's size in its
    /// `Content-Range`): no HEAD round before the first read. (An empty
    /// object has no byte to read: the store's range error names it.)
    pub(crate) async fn first(&self, len: u64) -> KResult<(Bytes, Identity, Stamp)> {
        let opts = GetOptions::new().with_range(Some(GetRange::Bounded(0..len.max(1))));
        let (got, stamp) = self
            .meter
            .measure_stamped(async {
                let _permit = self.permit().await?;
                let r = self
                    .backend
                    .store
                    .get_opts(&self.backend.path, opts)
                    .await?;
                let (id, want) = (Identity::of(&r.meta), r.range.clone());
                let bytes = r.bytes().await?;
                if want.start != 0 || bytes.len() as u64 != want.end {
                    return Err(ErrorKind::Truncated {
                        what: "first read",
                        addr: 0,
                    });
                }
                Ok(Sized(bytes, id))
            })
            .await;
        let Sized(bytes, size) = got?;
        Ok((bytes, size, stamp))
    }

    async fn permit(&self) -> KResult<tokio::sync::SemaphorePermit<'_>> {
        self.limit
            .acquire()
            .await
            .map_err(|e| ErrorKind::Task(e.to_string()))
    }
}

/// Bytes with the identity of the object they come from.
struct Sized(Bytes, Identity);

impl super::stats::Fetched for Sized {
    fn fetched(&self) -> u64 {
        self.0.len() as u64
    }
}
