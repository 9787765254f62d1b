//! [`OutputStore`]: create the template once, open it anywhere by URL.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{Map, Value};
use zarrs_object_store::AsyncObjectStore;

use crate::error::{Result, StoreError};
use crate::location::Location;
use crate::shards::ShardChunks;
use crate::spec::StoreSpec;
use crate::template::{self, OrderArrays, RootProblem, Storage};

/// What [`OutputStore::create`] does when something is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateMode {
    /// Create; fail with [`StoreError::AlreadyExists`] if a store is there.
    New,
    /// Delete an existing magg store under the prefix (chunks, status
    /// records, metadata) and create a fresh one.
    Overwrite,
    /// Open an existing store if its layout and fingerprint match the spec
    /// (else [`StoreError::Mismatch`]); create it if absent. For `--resume`.
    OpenExisting,
}

/// A magg Zarr v3 store: the template plus per-shard chunk writes, reads and
/// status records. Cheap to share behind an `Arc`; every method takes `&self`
/// and workers writing different shards never touch the same key.
pub struct OutputStore {
    pub(crate) url: String,
    pub(crate) objects: Arc<dyn ObjectStore>,
    pub(crate) spec: StoreSpec,
    pub(crate) chunks: ShardChunks,
    pub(crate) orders: Vec<OrderArrays>,
}

impl std::fmt::Debug for OutputStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputStore")
            .field("url", &self.url)
            .field("orders", &self.spec.orders)
            .field("shards", &self.chunks.len())
            .finish_non_exhaustive()
    }
}

/// What is under a prefix before creating or opening.
enum Existing {
    Empty,
    Store(Box<StoreSpec>),
    /// A magg store of another layout version.
    OtherLayout(u64),
}

impl OutputStore {
    /// Creates (or, per `mode`, reopens) the store at a local path or
    /// `s3://` URL. See [`Location::parse`] for the accepted forms.
    pub async fn create(url: &str, spec: &StoreSpec, mode: CreateMode) -> Result<Self> {
        Self::create_at(&Location::parse(url)?, spec, mode).await
    }

    /// [`create`](Self::create) at an explicit [`Location`].
    pub async fn create_at(
        location: &Location,
        spec: &StoreSpec,
        mode: CreateMode,
    ) -> Result<Self> {
        let spec = spec.clone().normalized()?;
        let url = location.url().to_string();
        let objects = location.connect(true)?;
        match (inspect(&objects, &url).await?, mode) {
            (Existing::Store(_), CreateMode::New) => Err(StoreError::AlreadyExists { url }),
            (Existing::Store(stored), CreateMode::OpenExisting) => {
                if let Some((field, stored_v, requested)) = stored.layout_difference(&spec) {
                    return Err(StoreError::Mismatch {
                        url,
                        field,
                        stored: stored_v,
                        requested,
                    });
                }
                Self::assemble(url, objects, *stored)
            }
            (Existing::Store(_) | Existing::OtherLayout(_), CreateMode::Overwrite) => {
                wipe(&objects, &url).await?;
                Self::write_new(url, objects, spec).await
            }
            (Existing::OtherLayout(found), CreateMode::New | CreateMode::OpenExisting) => {
                Err(layout_error(url, found))
            }
            (Existing::Empty, _) => Self::write_new(url, objects, spec).await,
        }
    }

    /// Opens an existing store (one read: the root `zarr.json`, which holds
    /// the spec and the shard list, so any worker finds its chunk from it).
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_at(&Location::parse(url)?).await
    }

    /// [`open`](Self::open) at an explicit [`Location`].
    pub async fn open_at(location: &Location) -> Result<Self> {
        let url = location.url().to_string();
        let objects = location.connect(false)?;
        Self::load(url, objects).await
    }

    /// The same store read afresh (one read: the root `zarr.json`), over the
    /// same connection. A long-lived worker calls this before each shard, so
    /// a store overwritten since it was opened (another shard list) is never
    /// written with a stale mapping.
    pub async fn reopen(&self) -> Result<Self> {
        Self::load(self.url.clone(), Arc::clone(&self.objects)).await
    }

    /// The store whose root `zarr.json` is at `objects`' root.
    async fn load(url: String, objects: Arc<dyn ObjectStore>) -> Result<Self> {
        match read_root(&objects, &url).await? {
            Some(attrs) => match template::spec_from_root_attrs(&attrs, true) {
                Ok(spec) => Self::assemble(url, objects, spec),
                Err(RootProblem::Layout(found)) => Err(layout_error(url, found)),
                Err(RootProblem::Invalid(reason)) => Err(StoreError::Corrupt {
                    url,
                    key: crate::ROOT_KEY.into(),
                    reason,
                }),
            },
            None => Err(StoreError::NotFound {
                url,
                key: crate::ROOT_KEY.into(),
            }),
        }
    }

    /// The store's spec (as stored).
    pub fn spec(&self) -> &StoreSpec {
        &self.spec
    }

    /// The store's shards and their chunk indexes.
    pub fn chunks(&self) -> &ShardChunks {
        &self.chunks
    }

    /// The store URL or absolute path.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn write_new(
        url: String,
        objects: Arc<dyn ObjectStore>,
        spec: StoreSpec,
    ) -> Result<Self> {
        let store = Self::assemble(url, objects, spec)?;
        template::write_template(
            &store.storage(),
            &store.spec,
            &store.chunks,
            &store.orders,
            &store.url,
        )
        .await?;
        Ok(store)
    }

    fn assemble(url: String, objects: Arc<dyn ObjectStore>, spec: StoreSpec) -> Result<Self> {
        let storage: Storage = Arc::new(AsyncObjectStore::new(Arc::clone(&objects)));
        let chunks = ShardChunks::of(spec.parent_order, &spec.shards, spec.grid.as_ref())
            .map_err(StoreError::Spec)?;
        let orders = template::build_arrays(&storage, &spec, &chunks)?;
        Ok(OutputStore {
            url,
            objects,
            spec,
            chunks,
            orders,
        })
    }

    fn storage(&self) -> Storage {
        self.orders[0].variables[0].storage()
    }
}

fn layout_error(url: String, found: u64) -> StoreError {
    StoreError::Layout {
        url,
        found,
        supported: template::LAYOUT_VERSION,
    }
}

/// Reads the root `zarr.json` attributes; `None` when absent.
async fn read_root(
    objects: &Arc<dyn ObjectStore>,
    url: &str,
) -> Result<Option<Map<String, Value>>> {
    let key = Path::from(crate::ROOT_KEY);
    let bytes = match objects.get(&key).await {
        Ok(got) => got.bytes().await,
        Err(e) => Err(e),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => {
            return Err(StoreError::Storage {
                url: url.to_string(),
                key: crate::ROOT_KEY.into(),
                source: e.into(),
            });
        }
    };
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        url: url.to_string(),
        key: crate::ROOT_KEY.into(),
        reason: format!("not JSON: {e}"),
    })?;
    Ok(Some(match doc.get("attributes") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    }))
}

/// Says whether the prefix is empty or holds a magg store; anything else is
/// refused with [`StoreError::NotAStore`].
async fn inspect(objects: &Arc<dyn ObjectStore>, url: &str) -> Result<Existing> {
    if let Some(attrs) = read_root(objects, url).await? {
        return match template::spec_from_root_attrs(&attrs, false) {
            Ok(spec) => Ok(Existing::Store(Box::new(spec))),
            Err(RootProblem::Layout(found)) => Ok(Existing::OtherLayout(found)),
            Err(RootProblem::Invalid(reason)) => Err(StoreError::NotAStore {
                url: url.to_string(),
                example: format!("{} ({reason})", crate::ROOT_KEY),
            }),
        };
    }
    let listing = objects
        .list_with_delimiter(None)
        .await
        .map_err(|e| StoreError::Storage {
            url: url.to_string(),
            key: "(listing)".into(),
            source: e.into(),
        })?;
    let first = listing
        .objects
        .first()
        .map(|o| o.location.to_string())
        .or_else(|| listing.common_prefixes.first().map(|p| format!("{p}/")));
    match first {
        None => Ok(Existing::Empty),
        Some(example) => Err(StoreError::NotAStore {
            url: url.to_string(),
            example,
        }),
    }
}

/// Deletes a magg store: the root `zarr.json` first (so an interrupted wipe
/// leaves no store that looks valid), then every other key under the prefix.
async fn wipe(objects: &Arc<dyn ObjectStore>, url: &str) -> Result<()> {
    let failed = |key: &str| {
        let key = key.to_string();
        move |e: object_store::Error| StoreError::Storage {
            url: url.to_string(),
            key,
            source: e.into(),
        }
    };
    match objects.delete(&Path::from(crate::ROOT_KEY)).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(failed(crate::ROOT_KEY)(e)),
    }
    let keys = objects.list(None).map_ok(|m| m.location).boxed();
    objects
        .delete_stream(keys)
        .try_for_each(|_| futures::future::ready(Ok(())))
        .await
        .map_err(failed("(deleting the old store)"))
}
