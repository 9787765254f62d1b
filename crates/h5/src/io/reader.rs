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

use super::stats::StatSink;
use crate::error::{ErrorKind, KResult};

/// The object: a store and a path in it (shared by every view of a file).
#[derive(Debug)]
pub(crate) struct Backend {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) path: Path,
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
        let want = range.end - range.start;
        let start = range.start;
        let bytes = self
            .meter
            .measure(async {
                let _permit = self.permit().await?;
                Ok(self
                    .backend
                    .store
                    .get_range(&self.backend.path, range)
                    .await?)
            })
            .await?;
        if bytes.len() as u64 != want {
            return Err(ErrorKind::Truncated {
                what: "range response",
                addr: start,
            });
        }
        Ok(bytes)
    }

    /// The first `len` bytes of an object of unknown size, and its size,
    /// in one request (a ranged GET answers the object's size in its
    /// `Content-Range`): no HEAD round before the first read. (An empty
    /// object has no byte to read: the store's range error names it.)
    pub(crate) async fn first(&self, len: u64) -> KResult<(Bytes, u64)> {
        let opts = GetOptions::new().with_range(Some(GetRange::Bounded(0..len.max(1))));
        let Sized(bytes, size) = self
            .meter
            .measure(async {
                let _permit = self.permit().await?;
                let r = self
                    .backend
                    .store
                    .get_opts(&self.backend.path, opts)
                    .await?;
                let (size, want) = (r.meta.size, r.range.clone());
                let bytes = r.bytes().await?;
                if want.start != 0 || bytes.len() as u64 != want.end {
                    return Err(ErrorKind::Truncated {
                        what: "first read",
                        addr: 0,
                    });
                }
                Ok(Sized(bytes, size))
            })
            .await?;
        Ok((bytes, size))
    }

    async fn permit(&self) -> KResult<tokio::sync::SemaphorePermit<'_>> {
        self.limit
            .acquire()
            .await
            .map_err(|e| ErrorKind::Task(e.to_string()))
    }
}

/// Bytes with the size of the object they come from.
struct Sized(Bytes, u64);

impl super::stats::Fetched for Sized {
    fn fetched(&self) -> u64 {
        self.0.len() as u64
    }
}
