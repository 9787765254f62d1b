//! URL → object store + path.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;

use crate::IoPolicy;

/// Why a location could not be turned into a store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {reason}")]
pub struct LocationError {
    /// The location as given.
    pub location: String,
    /// What is wrong with it.
    pub reason: String,
}

impl LocationError {
    fn new(location: &str, reason: impl std::fmt::Display) -> Self {
        LocationError {
            location: location.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// What a location names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A local path or `file://` URL (made absolute, `..` kept).
    Local(PathBuf),
    /// An `s3://` or `s3a://` URL: the bucket and the key (may be empty).
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key, as written after the bucket (no leading `/`).
        key: String,
    },
    /// An `http://` or `https://` URL.
    Http(url::Url),
}

impl Target {
    /// Classifies `location`: a local path, `file://`, `s3://`/`s3a://` or
    /// `http(s)://`; any other scheme is refused.
    pub fn parse(location: &str) -> Result<Target, LocationError> {
        let bad = |reason: &str| LocationError::new(location, reason);
        let local = if location.contains("://") {
            location.strip_prefix("file://")
        } else {
            Some(location)
        };
        if let Some(path) = local {
            if path.is_empty() {
                return Err(bad("empty path"));
            }
            let abs = std::path::absolute(path).map_err(|e| bad(&e.to_string()))?;
            return Ok(Target::Local(abs));
        }
        for scheme in ["s3://", "s3a://"] {
            if let Some(rest) = location.strip_prefix(scheme) {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(bad("no bucket name"));
                }
                return Ok(Target::S3 {
                    bucket: bucket.to_string(),
                    key: key.to_string(),
                });
            }
        }
        let url = url::Url::parse(location).map_err(|e| bad(&e.to_string()))?;
        match url.scheme() {
            "http" | "https" => Ok(Target::Http(url)),
            s => Err(bad(&format!(
                "unsupported scheme {s} (use a local path, file://, s3:// or http(s)://)"
            ))),
        }
    }
}

/// Opens the object at `location`: the store that holds it and its path in
/// that store. Local paths and `file://` URLs use the local file system
/// (`options` are ignored); `s3://` takes its settings from the environment
/// (`AWS_*`) and then `options` (see [`s3_bucket`]); `http(s)://` applies
/// the `options` that are object_store client keys (`timeout`, ...).
/// Remote stores follow `policy`.
pub fn open(
    location: &str,
    options: &[(String, String)],
    policy: &IoPolicy,
) -> Result<(Arc<dyn ObjectStore>, Path), LocationError> {
    let bad = |e: &dyn std::fmt::Display| LocationError::new(location, e);
    match Target::parse(location)? {
        Target::Local(abs) => {
            // Canonical form when it exists: object_store paths refuse `..`.
            let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
            let path = Path::from_absolute_path(&abs).map_err(|e| bad(&e))?;
            Ok((Arc::new(LocalFileSystem::new()), path))
        }
        Target::S3 { bucket, key } => {
            let store = s3_bucket(&bucket, options, policy).map_err(|e| bad(&e.reason))?;
            let path = Path::from_url_path(&key).map_err(|e| bad(&e))?;
            Ok((store, path))
        }
        Target::Http(url) => {
            let path = Path::from_url_path(url.path()).map_err(|e| bad(&e))?;
            Ok((http_site(&url, options, policy)?, path))
        }
    }
}

/// The store for a whole S3 bucket. Settings, later ones winning: `policy`
/// (retries, timeouts), the `AWS_*` environment variables (as
/// `AmazonS3Builder::from_env` reads them), then `options`, keyed as
/// object_store's `AmazonS3ConfigKey` names (`aws_endpoint`,
/// `aws_access_key_id`, `aws_region`, client keys such as `timeout`, ...).
/// An `http://` endpoint is allowed.
#[cfg(feature = "s3")]
pub fn s3_bucket(
    bucket: &str,
    options: &[(String, String)],
    policy: &IoPolicy,
) -> Result<Arc<dyn ObjectStore>, LocationError> {
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
    let bad = |e: &dyn std::fmt::Display| LocationError::new(&format!("s3://{bucket}"), e);
    let mut builder = AmazonS3Builder::new()
        .with_retry(policy.retry_config())
        .with_client_options(policy.client_options());
    for (key, value) in std::env::vars() {
        if key.starts_with("AWS_")
            && let Ok(config_key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>()
        {
            builder = builder.with_config(config_key, value);
        }
    }
    for (key, value) in options {
        let config_key: AmazonS3ConfigKey = key
            .parse()
            .map_err(|e| bad(&format!("unknown S3 setting {key}: {e}")))?;
        builder = builder.with_config(config_key, value);
    }
    let http = |key| {
        builder
            .get_config_value(&key)
            .is_some_and(|e| e.starts_with("http://"))
    };
    if http(AmazonS3ConfigKey::Endpoint) || http(AmazonS3ConfigKey::S3Endpoint) {
        builder = builder.with_allow_http(true);
    }
    let store = builder
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| bad(&e))?;
    Ok(Arc::new(store))
}

/// Without the `s3` feature, `s3://` is refused.
#[cfg(not(feature = "s3"))]
pub fn s3_bucket(
    bucket: &str,
    _options: &[(String, String)],
    _policy: &IoPolicy,
) -> Result<Arc<dyn ObjectStore>, LocationError> {
    Err(LocationError::new(
        &format!("s3://{bucket}"),
        "s3:// support is not built in (cargo feature `s3`)",
    ))
}

#[cfg(feature = "http")]
fn http_site(
    url: &url::Url,
    options: &[(String, String)],
    policy: &IoPolicy,
) -> Result<Arc<dyn ObjectStore>, LocationError> {
    use object_store::ClientConfigKey;
    use object_store::http::HttpBuilder;
    let base = &url[..url::Position::BeforePath];
    let mut client = policy
        .client_options()
        .with_allow_http(url.scheme() == "http");
    for (k, v) in options {
        if let Ok(key) = k.parse::<ClientConfigKey>() {
            client = client.with_config(key, v);
        }
    }
    let store = HttpBuilder::new()
        .with_url(base)
        .with_retry(policy.retry_config())
        .with_client_options(client)
        .build()
        .map_err(|e| LocationError::new(url.as_str(), e))?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "http"))]
fn http_site(
    url: &url::Url,
    _options: &[(String, String)],
    _policy: &IoPolicy,
) -> Result<Arc<dyn ObjectStore>, LocationError> {
    Err(LocationError::new(
        url.as_str(),
        "http(s):// support is not built in (cargo feature `http`)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_locations() {
        let Target::Local(p) = Target::parse("some/dir").unwrap() else {
            panic!()
        };
        assert!(p.is_absolute() && p.ends_with("some/dir"));
        assert_eq!(
            Target::parse("file:///tmp/x.h5").unwrap(),
            Target::Local("/tmp/x.h5".into())
        );
        assert_eq!(
            Target::parse("s3://b/a/c.h5").unwrap(),
            Target::S3 {
                bucket: "b".into(),
                key: "a/c.h5".into()
            }
        );
        assert_eq!(
            Target::parse("s3a://b").unwrap(),
            Target::S3 {
                bucket: "b".into(),
                key: String::new()
            }
        );
        assert!(matches!(
            Target::parse("https://h/x").unwrap(),
            Target::Http(_)
        ));
        for bad in ["", "s3:///x", "gs://b/x", "ftp://h/x"] {
            let e = Target::parse(bad).unwrap_err();
            assert_eq!(e.location, bad);
        }
    }

    #[test]
    fn refuses_unknown_s3_settings_naming_them() {
        let opts = vec![("no_such_key".to_string(), "x".to_string())];
        let e = open("s3://b/k", &opts, &IoPolicy::default()).unwrap_err();
        assert!(e.to_string().contains("no_such_key"), "{e}");
        assert!(e.to_string().starts_with("s3://b/k: "), "{e}");
    }

    #[test]
    fn local_paths_resolve_to_the_file_system() {
        use object_store::ObjectStoreExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.bin");
        std::fs::write(&f, b"abc").unwrap();
        let url = format!("file://{}", f.display());
        let ugly = format!(
            "{}/../{}/x.bin",
            dir.path().display(),
            dir.path().file_name().unwrap().to_string_lossy()
        );
        for loc in [f.to_str().unwrap(), url.as_str(), ugly.as_str()] {
            let (store, path) = open(loc, &[], &IoPolicy::default()).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let bytes = rt
                .block_on(async { store.get(&path).await?.bytes().await })
                .unwrap();
            assert_eq!(&bytes[..], b"abc", "{loc}");
        }
    }
}
