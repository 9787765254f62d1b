//! [`FileCache`]: opened files kept for reuse within a process, so a worker
//! that reads the same granule for many shards opens and parses it once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Result;
use crate::file::{File, OpenOptions};

/// A bounded cache of opened files, keyed by URL and store options.
///
/// It holds what opening and walking a file parsed (superblock, object
/// headers, group tables) and the metadata bytes read (including the
/// first read), never the data chunks read through it. Each
/// [`open_url`](FileCache::open_url) returns a view with the caller's
/// request limiter and counters ([`File::rebind`]), so per-shard I/O
/// figures stay per shard. At most `capacity` files are kept; the least
/// recently used is dropped first. Files are assumed not to change while
/// cached (granules are immutable objects).
#[derive(Debug)]
pub struct FileCache {
    capacity: usize,
    entries: Mutex<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
}

type Key = (String, Vec<(String, String)>);

#[derive(Debug, Default)]
struct Entries {
    files: HashMap<Key, (File, u64)>,
    tick: u64,
}

impl FileCache {
    /// A cache keeping at most `capacity` files (0 keeps none).
    pub fn new(capacity: usize) -> FileCache {
        FileCache {
            capacity,
            entries: Mutex::new(Entries::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Opens `url` as [`File::open_url`] does, or reuses the file cached
    /// for the same URL and `opts.store_options`.
    pub async fn open_url(&self, url: &str, opts: &OpenOptions) -> Result<File> {
        let key = (url.to_string(), opts.store_options.clone());
        let cached = {
            let mut e = self.entries.lock().expect("file cache lock");
            e.tick += 1;
            let tick = e.tick;
            e.files.get_mut(&key).map(|(f, used)| {
                *used = tick;
                f.clone()
            })
        };
        if let Some(f) = cached {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(f.rebind(opts));
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let file = File::open_url(url, opts).await?;
        if self.capacity > 0 {
            let mut e = self.entries.lock().expect("file cache lock");
            e.tick += 1;
            let tick = e.tick;
            if !e.files.contains_key(&key) && e.files.len() >= self.capacity {
                let oldest = e
                    .files
                    .iter()
                    .min_by_key(|(_, (_, used))| *used)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    e.files.remove(&k);
                }
            }
            // The cached copy is a view of its own, so the caller's counters
            // are not kept alive by the cache.
            e.files
                .insert(key, (file.rebind(&OpenOptions::default()), tick));
        }
        Ok(file)
    }

    /// Files held.
    pub fn len(&self) -> usize {
        self.entries.lock().expect("file cache lock").files.len()
    }

    /// Whether no file is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Opens served from the cache.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Opens that had to open the file.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// Bytes of metadata held by the cached files.
    pub fn cached_bytes(&self) -> u64 {
        let e = self.entries.lock().expect("file cache lock");
        e.files.values().map(|(f, _)| f.cached_bytes()).sum()
    }
}
