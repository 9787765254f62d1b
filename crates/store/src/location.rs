//! Where a store lives: a local directory or an `s3://bucket/prefix`,
//! turned into an [`ObjectStore`] rooted at the store's own prefix, so no key
//! the store writes can land outside it.

use std::path::PathBuf;
use std::sync::Arc;

use magg_objects::{IoPolicy, Target};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;

use crate::error::{Result, StoreError};

/// A store location: a local directory, an S3 prefix, or any
/// [`ObjectStore`] the caller built (already rooted at the store).
#[derive(Clone)]
pub struct Location {
    url: String,
    target: Backing,
}

#[derive(Clone)]
enum Backing {
    Dir(PathBuf),
    Object(Arc<dyn ObjectStore>),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Location")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Location {
    /// Parses a local path (`out.zarr`, `/data/out.zarr`, `file:///data/out.zarr`)
    /// or `s3://bucket/prefix`. S3 settings come from the environment the way
    /// AWS tools read them (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`,
    /// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...); an `http://` endpoint is allowed.
    pub fn parse(url: &str) -> Result<Self> {
        Self::parse_with(url, std::iter::empty::<(&str, &str)>())
    }

    /// Like [`parse`](Self::parse), with extra S3 settings applied after the
    /// environment, keyed as `object_store`'s `AmazonS3ConfigKey` names
    /// (`aws_endpoint`, `aws_access_key_id`, `aws_secret_access_key`,
    /// `aws_region`, ...). Settings are refused for local paths.
    pub fn parse_with<K, V>(url: &str, options: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        Self::parse_with_policy(url, options, &IoPolicy::default())
    }

    /// Like [`parse_with`](Self::parse_with), with the retries and timeouts
    /// of S3 requests set by `policy`. The store object comes from
    /// `magg-objects`; the key prefix is checked here: no `.` or `..`
    /// segment, so no key the store writes lands outside it.
    pub fn parse_with_policy<K, V>(
        url: &str,
        options: impl IntoIterator<Item = (K, V)>,
        policy: &IoPolicy,
    ) -> Result<Self>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let bad = |reason: String| StoreError::Location {
            url: url.to_string(),
            reason,
        };
        let options: Vec<(String, String)> = options
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.into()))
            .collect();
        match Target::parse(url).map_err(|e| bad(e.reason))? {
            Target::S3 { bucket, key } => {
                // The raw text, before any URL normalisation.
                let prefix = Path::parse(key.trim_end_matches('/'))
                    .map_err(|e| bad(format!("bad key prefix: {e}")))?;
                if prefix
                    .parts()
                    .any(|p| p.as_ref() == "." || p.as_ref() == "..")
                {
                    return Err(bad("'.' and '..' are not allowed in the key prefix".into()));
                }
                let s3 = magg_objects::s3_bucket(&bucket, &options, policy)
                    .map_err(|e| bad(e.reason))?;
                let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
                    s3
                } else {
                    Arc::new(PrefixStore::new(s3, prefix))
                };
                Ok(Location {
                    url: url.trim_end_matches('/').to_string(),
                    target: Backing::Object(store),
                })
            }
            Target::Http(_) => Err(bad(
                "unsupported scheme (use a local path, file:// or s3://)".into(),
            )),
            Target::Local(path) => {
                if !options.is_empty() {
                    return Err(bad("store settings apply to s3:// URLs only".into()));
                }
                if path.is_file() {
                    return Err(bad("is a file, not a directory".into()));
                }
                Ok(Location {
                    url: path.display().to_string(),
                    target: Backing::Dir(path),
                })
            }
        }
    }

    /// Wraps an object store already rooted at the store prefix (e.g. a
    /// `PrefixStore`); `url` is only used in messages.
    pub fn from_object_store(store: Arc<dyn ObjectStore>, url: impl Into<String>) -> Self {
        Location {
            url: url.into(),
            target: Backing::Object(store),
        }
    }

    /// The URL or absolute path, as shown in messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The local directory, for local stores.
    pub fn local_path(&self) -> Option<&std::path::Path> {
        match &self.target {
            Backing::Dir(p) => Some(p),
            Backing::Object(_) => None,
        }
    }

    /// The object store rooted at the store. A local directory is created
    /// when `create` is set; otherwise a missing one is [`StoreError::NotFound`].
    pub(crate) fn connect(&self, create: bool) -> Result<Arc<dyn ObjectStore>> {
        match &self.target {
            Backing::Object(store) => Ok(Arc::clone(store)),
            Backing::Dir(dir) => {
                if create {
                    std::fs::create_dir_all(dir).map_err(|e| StoreError::Storage {
                        url: self.url.clone(),
                        key: "(creating the directory)".into(),
                        source: e.into(),
                    })?;
                } else if !dir.is_dir() {
                    return Err(StoreError::NotFound {
                        url: self.url.clone(),
                        key: crate::ROOT_KEY.into(),
                    });
                }
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| StoreError::Storage {
                        url: self.url.clone(),
                        key: "(opening the directory)".into(),
                        source: e.into(),
                    })?
                    .with_automatic_cleanup(true);
                Ok(Arc::new(fs))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_local_and_s3() {
        let l = Location::parse("some/dir.zarr").unwrap();
        assert!(l.local_path().unwrap().is_absolute());
        let l = Location::parse("file:///tmp/x.zarr").unwrap();
        assert_eq!(l.url(), "/tmp/x.zarr");
        let l = Location::parse_with(
            "s3://bucket/a/b.zarr/",
            [
                ("aws_endpoint", "http://127.0.0.1:1"),
                ("aws_region", "us-east-1"),
            ],
        )
        .unwrap();
        assert_eq!(l.url(), "s3://bucket/a/b.zarr");
        assert!(l.local_path().is_none());
    }

    #[test]
    fn refuses_bad_locations() {
        for bad in ["", "gs://b/x", "http://host/x", "s3:///x", "s3://b/a/../x"] {
            assert!(Location::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Location::parse_with("x.zarr", [("aws_region", "x")]).is_err());
        assert!(Location::parse_with("s3://b/x", [("no_such_key", "x")]).is_err());
    }
}
