//! [`Budget`]: bytes that reads may hold at once, shared between files.

use std::sync::Arc;

use tokio::sync::{Semaphore, SemaphorePermit};

/// Bytes that row reads ([`crate::File::read_many`] and the reads built on
/// it) may hold at once while in flight: the stored bytes being fetched
/// plus the chunks being decoded. A read takes its share before its first
/// data request and gives it back once its values are placed; a read
/// larger than the whole budget takes all of it (and runs alone). Share
/// one between files ([`crate::OpenOptions::share_limits`]) to bound a
/// worker's reads however many files it opens at once. Metadata reads are
/// small and not counted.
#[derive(Debug)]
pub struct Budget {
    sem: Semaphore,
    kib: usize,
}

impl Budget {
    /// A budget of `bytes` (at least 1 KiB).
    pub fn new(bytes: u64) -> Arc<Budget> {
        let kib = usize::try_from(bytes.div_ceil(1024))
            .unwrap_or(usize::MAX)
            .clamp(1, u32::MAX as usize);
        Arc::new(Budget {
            sem: Semaphore::new(kib),
            kib,
        })
    }

    /// The budget, bytes.
    pub fn bytes(&self) -> u64 {
        self.kib as u64 * 1024
    }

    /// Bytes not taken now.
    pub fn available(&self) -> u64 {
        self.sem.available_permits() as u64 * 1024
    }

    /// Waits until `bytes` (at most the whole budget) are free and takes them.
    pub(crate) async fn take(&self, bytes: u64) -> crate::error::KResult<SemaphorePermit<'_>> {
        let kib = usize::try_from(bytes.div_ceil(1024))
            .unwrap_or(usize::MAX)
            .clamp(1, self.kib);
        self.sem
            .acquire_many(u32::try_from(kib).unwrap_or(u32::MAX))
            .await
            .map_err(|e| crate::error::ErrorKind::Task(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_wait_for_their_share_and_give_it_back() {
        let b = Budget::new(10 << 10);
        assert_eq!(b.bytes(), 10 << 10);
        let first = b.take(6 << 10).await.unwrap();
        assert_eq!(b.available(), 4 << 10);
        // A second read of 6 KiB waits until the first is done.
        let waiting = b.take(6 << 10);
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), &mut waiting)
                .await
                .is_err()
        );
        drop(first);
        let second = waiting.await.unwrap();
        // More than the budget takes all of it.
        drop(second);
        let all = b.take(1 << 30).await.unwrap();
        assert_eq!(b.available(), 0);
        drop(all);
        assert_eq!(b.available(), 10 << 10);
    }
}
