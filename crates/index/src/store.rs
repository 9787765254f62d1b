//! Writing and loading an index at a location: a local path or any URL
//! `magg-objects` opens (`s3://`, `https://` for reading). gzip when the
//! name ends in `.gz`.

use std::io::{Read, Write};

use object_store::{ObjectStoreExt, PutPayload};

use crate::{ChunkIndex, IndexError};

/// Bytes of a decompressed index at most (guards against a gzip bomb).
const MAX_INDEX_BYTES: u64 = 4 << 30;

/// Whether the index at `location` is gzip-compressed (its name ends in
/// `.gz`, any case).
fn gzipped(location: &str) -> bool {
    std::path::Path::new(location)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// The file path of a local `location` (a path or `file://` URL); `None`
/// for an object store URL.
fn local_path(location: &str) -> Option<&str> {
    if !location.contains("://") || location.starts_with("file://") {
        Some(location.strip_prefix("file://").unwrap_or(location))
    } else {
        None
    }
}

/// An I/O error at `location`, from its reason.
fn io_error(location: &str) -> impl Fn(String) -> IndexError + '_ {
    move |reason| IndexError::Io {
        location: location.to_string(),
        reason,
    }
}

impl ChunkIndex {
    /// The index as stored at `location` (gzip when it ends in `.gz`).
    pub fn to_bytes(&self, location: &str) -> Vec<u8> {
        let json = serde_json::to_vec(self).expect("an index serializes");
        if !gzipped(location) {
            return json;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        gz.write_all(&json).expect("writing to memory");
        gz.finish().expect("writing to memory")
    }

    /// Parses stored bytes (gunzipped when `location` ends in `.gz`).
    pub fn from_bytes(location: &str, bytes: &[u8]) -> Result<ChunkIndex, IndexError> {
        if !gzipped(location) {
            return ChunkIndex::from_json(location, bytes);
        }
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(MAX_INDEX_BYTES)
            .read_to_end(&mut json)
            .map_err(|e| IndexError::Format {
                location: location.to_string(),
                reason: format!("gzip: {e}"),
            })?;
        ChunkIndex::from_json(location, &json)
    }

    /// Writes the index to `location` (object stores configured from the
    /// environment, default I/O policy).
    pub async fn write(&self, location: &str) -> Result<(), IndexError> {
        self.write_with(location, &[], &magg_objects::IoPolicy::default())
            .await
    }

    /// Writes the index to `location` with object store `options`
    /// (`object_store` keys such as `aws_endpoint`) and `policy`.
    pub async fn write_with(
        &self,
        location: &str,
        options: &[(String, String)],
        policy: &magg_objects::IoPolicy,
    ) -> Result<(), IndexError> {
        let io = io_error(location);
        let bytes = self.to_bytes(location);
        if let Some(p) = local_path(location) {
            let p = std::path::Path::new(p);
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| io(e.to_string()))?;
            }
            return std::fs::write(p, bytes).map_err(|e| io(e.to_string()));
        }
        let (store, path) =
            magg_objects::open(location, options, policy).map_err(|e| io(e.to_string()))?;
        store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| io(e.to_string()))?;
        Ok(())
    }

    /// Loads the index at `location` (object stores configured from the
    /// environment, default I/O policy).
    pub async fn load(location: &str) -> Result<ChunkIndex, IndexError> {
        ChunkIndex::load_with(location, &[], &magg_objects::IoPolicy::default()).await
    }

    /// Loads the index at `location` with object store `options` and
    /// `policy` (a worker reads it as it reads its granules).
    pub async fn load_with(
        location: &str,
        options: &[(String, String)],
        policy: &magg_objects::IoPolicy,
    ) -> Result<ChunkIndex, IndexError> {
        let io = io_error(location);
        let bytes = if let Some(p) = local_path(location) {
            bytes::Bytes::from(std::fs::read(p).map_err(|e| io(e.to_string()))?)
        } else {
            let (store, path) =
                magg_objects::open(location, options, policy).map_err(|e| io(e.to_string()))?;
            store
                .get(&path)
                .await
                .map_err(|e| io(e.to_string()))?
                .bytes()
                .await
                .map_err(|e| io(e.to_string()))?
        };
        ChunkIndex::from_bytes(location, &bytes)
    }

    /// Deletes the index (or part) at `location`, as [`Self::write_with`]
    /// wrote it.
    pub async fn delete_with(
        location: &str,
        options: &[(String, String)],
        policy: &magg_objects::IoPolicy,
    ) -> Result<(), IndexError> {
        let io = io_error(location);
        if let Some(p) = local_path(location) {
            return std::fs::remove_file(p).map_err(|e| io(e.to_string()));
        }
        let (store, path) =
            magg_objects::open(location, options, policy).map_err(|e| io(e.to_string()))?;
        store.delete(&path).await.map_err(|e| io(e.to_string()))
    }
}
