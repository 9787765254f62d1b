//! [`File`]: open an HDF5 object in any `object_store`, walk its groups,
//! open datasets. Parsed headers and group link tables are cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use object_store::ObjectStore;
use object_store::path::Path;
use tokio::sync::Semaphore;

use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, KResult, Result};
use crate::format::cursor::Sizes;
use crate::format::link::{Link, Target};
use crate::format::object_header::{self, ObjectHeader};
use crate::format::superblock::{self, Superblock};
use crate::group::{self, ObjectKind};
use crate::io::budget::Budget;
use crate::io::depth::{Stamp, branch, depend_on, stamp_now};
use crate::io::source::{IoConfig, Source};
use crate::io::stats::{Counters, IoStats, StatSink};

/// How to open a file.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Bytes read from the start of the file at open (metadata usually sits there).
    pub first_block: u64,
    /// Bytes fetched from the address of a metadata structure not yet
    /// cached (more when the structure is longer; fewer when cached bytes
    /// follow): the structures read next usually sit just after it. Cached
    /// for the file's lifetime.
    pub read_ahead: u64,
    /// Bytes also fetched before an object header (or its continuation
    /// block) not yet cached: libhdf5 writes a group's B-tree node and
    /// local heap just before its header, so they come in the same
    /// request instead of one more round each.
    pub read_behind: u64,
    /// Data ranges closer than this are fetched in one request.
    pub max_gap: u64,
    /// Upper bound of one coalesced request.
    pub max_request: u64,
    /// Range requests in flight per file (ignored when `limiter` is set).
    pub concurrency: usize,
    /// A request limiter shared between files (e.g. one per worker).
    pub limiter: Option<Arc<Semaphore>>,
    /// Counters shared between files (the worker's aggregate).
    pub stats: Option<Arc<IoStats>>,
    /// Bytes row reads may hold in flight, shared between files (`None`:
    /// unbounded).
    pub budget: Option<Arc<Budget>>,
    /// The object size, when known (saves a HEAD request).
    pub size: Option<u64>,
    /// Cap on the bytes of one decoded chunk (guards against absurd sizes).
    pub max_chunk_bytes: u64,
    /// Cap on the stored bytes one read may cover (guards the output
    /// allocation against absurd dataset shapes).
    pub max_read_bytes: u64,
    /// Store configuration for [`File::open_url`] (e.g. `aws_endpoint`,
    /// `aws_allow_http`), applied over the environment.
    pub store_options: Vec<(String, String)>,
    /// Retries and timeouts of remote requests (for [`File::open_url`]).
    pub io: magg_objects::IoPolicy,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            // Measured on 40 full-density ATL06 granules (BENCHMARKS.md):
            // object headers and chunk indexes are spread through the file
            // (each next to its data), so reads of metadata fetch little
            // beyond it; 512 KiB / 64 KiB blocks fetched 1.5× the bytes, and
            // 32 KiB / 4 KiB read-ahead fetch less than 64 KiB / 8 KiB
            // aligned blocks did, in fewer requests.
            first_block: 32 << 10,
            read_ahead: 4 << 10,
            read_behind: 1 << 10,
            max_gap: 64 << 10,
            max_request: 16 << 20,
            concurrency: 16,
            limiter: None,
            stats: None,
            budget: None,
            size: None,
            max_chunk_bytes: 1 << 30,
            max_read_bytes: 16 << 30,
            store_options: Vec::new(),
            io: magg_objects::IoPolicy::default(),
        }
    }
}

impl OpenOptions {
    /// Makes every file opened with these options (or their clones) share
    /// one request limiter of `requests` in flight and one [`Budget`] of
    /// `bytes` (each only where none is set yet): a worker's bound however
    /// many files it reads at once.
    pub fn share_limits(&mut self, requests: usize, bytes: u64) {
        self.limiter
            .get_or_insert_with(|| Arc::new(Semaphore::new(requests.max(1))));
        self.budget.get_or_insert_with(|| Budget::new(bytes));
    }
}

/// What a group member is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
    /// A committed datatype or other object.
    Other,
    /// A soft link (target path) that does not resolve.
    Dangling(String),
    /// A link to another file (not followed).
    External {
        /// File name.
        file: String,
        /// Object path in that file.
        path: String,
    },
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Link name.
    pub name: String,
    /// Full path (`/gt1l/land_ice_segments`).
    pub path: String,
    /// What it is.
    pub kind: EntryKind,
}

/// Parsed structures by address, each with the stamp of what parsing it
/// used (`io/depth.rs`).
type Parsed<T> = Arc<Mutex<HashMap<u64, (Arc<T>, Stamp)>>>;

/// An open HDF5 file (cheap to clone; clones share caches and counters).
#[derive(Debug, Clone)]
pub struct File {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) name: String,
    pub(crate) src: Source,
    pub(crate) sizes: Sizes,
    pub(crate) sb: Superblock,
    pub(crate) opts: OpenOptions,
    /// This view's budget for row reads (from the options it was opened
    /// or rebound with).
    pub(crate) budget: Option<Arc<Budget>>,
    /// Parsed object headers, with the stamp of what parsing them used
    /// (a later user depends on those answers: `io/depth.rs`).
    headers: Parsed<ObjectHeader>,
    groups: Parsed<Vec<Link>>,
}

const MAX_SOFT_LINKS: usize = 16;

impl File {
    /// Opens `path` in `store`: the first block, the superblock and the root
    /// group header (usually one request, two when the size is unknown).
    pub async fn open(store: Arc<dyn ObjectStore>, path: Path, opts: &OpenOptions) -> Result<File> {
        let name = format!("{store}/{path}");
        Self::open_named(store, path, name, opts).await
    }

    /// Opens a URL: `s3://bucket/key`, `https://host/path`, `file:///path`
    /// or a local path. S3 credentials and region come from the environment
    /// (`AWS_*`), overridden by `opts.store_options`.
    pub async fn open_url(url: &str, opts: &OpenOptions) -> Result<File> {
        let (store, path) = crate::url::store_with(url, &opts.store_options, &opts.io)
            .map_err(|k| Error::new(url, "/", k))?;
        Self::open_named(store, path, url.to_string(), opts).await
    }

    async fn open_named(
        store: Arc<dyn ObjectStore>,
        path: Path,
        name: String,
        opts: &OpenOptions,
    ) -> Result<File> {
        let wrap = |k| Error::new(&name, "/", k);
        let src = Source::open(
            store,
            path,
            opts.size,
            limiter_of(opts),
            StatSink::new(opts.stats.clone()),
            io_config(opts),
        )
        .await
        .map_err(wrap)?;
        let sb = superblock::read(&src).await.map_err(wrap)?;
        let file = File::over(name.clone(), src, sb, opts);
        file.header(file.inner.sb.root).await.map_err(wrap)?;
        Ok(file)
    }

    /// A file whose superblock facts and identity are known (an index's
    /// [`crate::FileDesc`]): no request is made.
    pub(crate) fn assemble(
        name: String,
        store: Arc<dyn ObjectStore>,
        path: Path,
        identity: &crate::Identity,
        sb: Superblock,
        opts: &OpenOptions,
    ) -> File {
        let src = Source::described(
            store,
            path,
            identity,
            limiter_of(opts),
            StatSink::new(opts.stats.clone()),
            io_config(opts),
        );
        File::over(name, src, sb, opts)
    }

    /// A file over `src` with superblock `sb` (empty header and group caches).
    fn over(name: String, src: Source, sb: Superblock, opts: &OpenOptions) -> File {
        src.set_base(sb.base);
        File {
            inner: Arc::new(Inner {
                sizes: sb.sizes,
                name,
                src,
                sb,
                opts: opts.clone(),
                budget: opts.budget.clone(),
                headers: Arc::default(),
                groups: Arc::default(),
            }),
        }
    }

    /// The same open file for another user: parsed headers, group tables
    /// and cached metadata are shared; the request limiter, budget and
    /// counters come from `opts` (`limiter` or `concurrency`, `budget`,
    /// `stats`), and
    /// this view's counters start at zero. The other options stay those of
    /// the first open.
    #[must_use]
    pub fn rebind(&self, opts: &OpenOptions) -> File {
        let sem = opts
            .limiter
            .clone()
            .unwrap_or_else(|| Arc::new(Semaphore::new(opts.concurrency.max(1))));
        let i = &self.inner;
        File {
            inner: Arc::new(Inner {
                name: i.name.clone(),
                src: i.src.rebind(sem, StatSink::new(opts.stats.clone())),
                sizes: i.sizes,
                sb: i.sb.clone(),
                opts: i.opts.clone(),
                budget: opts.budget.clone(),
                headers: Arc::clone(&i.headers),
                groups: Arc::clone(&i.groups),
            }),
        }
    }

    /// Bytes of metadata this file holds in memory.
    pub fn cached_bytes(&self) -> u64 {
        self.inner.src.cached_bytes()
    }

    /// The file's name (path or URL) as used in error messages.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The superblock version (0, 1, 2 or 3).
    pub fn superblock_version(&self) -> u8 {
        self.inner.sb.version
    }

    /// This file's I/O counters.
    pub fn counters(&self) -> Counters {
        self.inner.src.stats().snapshot()
    }

    pub(crate) fn err(&self, object: &str, kind: ErrorKind) -> Error {
        Error::new(&self.inner.name, object, kind)
    }

    pub(crate) async fn header(&self, addr: u64) -> KResult<Arc<ObjectHeader>> {
        if let Some((h, stamp)) = self.inner.headers.lock().expect("header cache").get(&addr) {
            depend_on(*stamp);
            return Ok(h.clone());
        }
        let h = Arc::new(object_header::read(&self.inner.src, self.inner.sizes, addr).await?);
        self.inner
            .headers
            .lock()
            .expect("header cache")
            .insert(addr, (h.clone(), stamp_now()));
        Ok(h)
    }

    async fn group_links(&self, addr: u64) -> KResult<Arc<Vec<Link>>> {
        if let Some((l, stamp)) = self.inner.groups.lock().expect("group cache").get(&addr) {
            depend_on(*stamp);
            return Ok(l.clone());
        }
        let h = self.header(addr).await?;
        if group::classify(&h) != ObjectKind::Group {
            return Err(ErrorKind::WrongKind("not a group".into()));
        }
        let links = Arc::new(group::links(&self.inner.src, self.inner.sizes, &h).await?);
        self.inner
            .groups
            .lock()
            .expect("group cache")
            .insert(addr, (links.clone(), stamp_now()));
        Ok(links)
    }

    /// Resolves an absolute path to an object header address, following
    /// soft links (bounded, so cycles end in an error).
    pub(crate) async fn resolve(&self, path: &str) -> KResult<u64> {
        let mut hops = 0;
        let mut todo: Vec<String> = components(path);
        todo.reverse();
        let mut addr = self.inner.sb.root;
        let mut here: Vec<String> = Vec::new();
        while let Some(name) = todo.pop() {
            let links = self.group_links(addr).await.map_err(|e| match e {
                ErrorKind::WrongKind(_) => {
                    ErrorKind::WrongKind(format!("/{} is not a group", here.join("/")))
                }
                e => e,
            })?;
            let link = links
                .binary_search_by(|l| l.name.as_str().cmp(&name))
                .ok()
                .map(|i| &links[i])
                .ok_or(ErrorKind::NotFound)?;
            match &link.target {
                Target::Hard(a) => {
                    addr = *a;
                    here.push(name);
                }
                Target::Soft(t) => {
                    hops += 1;
                    if hops > MAX_SOFT_LINKS {
                        return Err(ErrorKind::Cycle {
                            what: "soft links",
                            addr,
                        });
                    }
                    // Restart from the root (absolute) or the current group.
                    let mut rest: Vec<String> = if t.starts_with('/') {
                        components(t)
                    } else {
                        here.iter().cloned().chain(components(t)).collect()
                    };
                    rest.reverse();
                    todo.extend(rest);
                    addr = self.inner.sb.root;
                    here.clear();
                }
                Target::External { file, path } => {
                    return Err(ErrorKind::unsupported(format!(
                        "external link to {file}:{path}"
                    )));
                }
            }
        }
        Ok(addr)
    }

    /// Members of a group, sorted by name (like h5py).
    pub async fn list(&self, group: &str) -> Result<Vec<Entry>> {
        let path = normalize(group);
        let run = async {
            let addr = self.resolve(&path).await?;
            let links = self.group_links(addr).await?;
            let kinds =
                futures::future::join_all(links.iter().map(|l| branch(self.kind_of(&path, l))))
                    .await;
            Ok(links
                .iter()
                .zip(kinds)
                .map(|(l, kind)| Entry {
                    name: l.name.clone(),
                    path: join(&path, &l.name),
                    kind,
                })
                .collect())
        };
        run.await.map_err(|k| self.err(&path, k))
    }

    /// Names of a group's members, sorted, without reading their headers
    /// (cheaper than [`File::list`] when the kinds are not needed).
    pub async fn names(&self, group: &str) -> Result<Vec<String>> {
        let path = normalize(group);
        let run = async {
            let addr = self.resolve(&path).await?;
            let links = self.group_links(addr).await?;
            Ok(links.iter().map(|l| l.name.clone()).collect())
        };
        run.await.map_err(|k| self.err(&path, k))
    }

    async fn kind_of(&self, parent: &str, l: &Link) -> EntryKind {
        let addr = match &l.target {
            Target::Hard(a) => Ok(*a),
            Target::Soft(t) => {
                let full = if t.starts_with('/') {
                    t.clone()
                } else {
                    join(parent, t)
                };
                self.resolve(&full).await.map_err(|_| t.clone())
            }
            Target::External { file, path } => {
                return EntryKind::External {
                    file: file.clone(),
                    path: path.clone(),
                };
            }
        };
        match addr {
            Err(t) => EntryKind::Dangling(t),
            Ok(a) => match self.header(a).await.map(|h| group::classify(&h)) {
                Ok(ObjectKind::Group) => EntryKind::Group,
                Ok(ObjectKind::Dataset) => EntryKind::Dataset,
                _ => EntryKind::Other,
            },
        }
    }

    /// Every object under `group`, depth first, in name order (each group
    /// visited once, so hard-link cycles end).
    pub async fn walk(&self, group: &str) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![normalize(group)];
        while let Some(g) = stack.pop() {
            let addr = self.resolve(&g).await.map_err(|k| self.err(&g, k))?;
            if !seen.insert(addr) {
                continue;
            }
            let entries = self.list(&g).await?;
            let mut sub = Vec::new();
            for e in entries {
                if e.kind == EntryKind::Group {
                    sub.push(e.path.clone());
                }
                out.push(e);
            }
            stack.extend(sub.into_iter().rev());
        }
        // Depth-first order by path.
        out.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
        Ok(out)
    }

    /// Opens the dataset at `path`.
    pub async fn dataset(&self, path: &str) -> Result<Dataset> {
        let path = normalize(path);
        Dataset::open(self, &path)
            .await
            .map_err(|k| self.err(&path, k))
    }

    /// Attributes of the group or dataset at `path`.
    pub async fn attributes(&self, path: &str) -> Result<Vec<crate::Attribute>> {
        let path = normalize(path);
        let run = async {
            let addr = self.resolve(&path).await?;
            let h = self.header(addr).await?;
            crate::dataset::read_attributes(self, &h).await
        };
        run.await.map_err(|k| self.err(&path, k))
    }
}

/// The request limiter a file opened with `opts` uses.
fn limiter_of(opts: &OpenOptions) -> Arc<Semaphore> {
    opts.limiter
        .clone()
        .unwrap_or_else(|| Arc::new(Semaphore::new(opts.concurrency.max(1))))
}

/// The byte source's tuning from `opts`.
fn io_config(opts: &OpenOptions) -> IoConfig {
    IoConfig {
        first_block: opts.first_block,
        read_ahead: opts.read_ahead.max(512),
        read_behind: opts.read_behind,
        max_gap: opts.max_gap,
        max_request: opts.max_request.max(1),
        cache_limit: 256 << 20,
    }
}

fn components(p: &str) -> Vec<String> {
    p.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(str::to_string)
        .collect()
}

/// `/a/b` form of a path.
pub(crate) fn normalize(p: &str) -> String {
    format!("/{}", components(p).join("/"))
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}
