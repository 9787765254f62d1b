//! Turning a location (`s3://`, `http(s)://`, `file://`, local path) into an
//! `object_store` and a path inside it.

use std::sync::Arc;

use object_store::ObjectStore;
#[cfg(feature = "s3")]
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
#[cfg(feature = "http")]
use object_store::http::HttpBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
#[cfg(feature = "http")]
use object_store::{ClientConfigKey, ClientOptions};

use crate::error::{ErrorKind, KResult};

/// The store and path for `location`. S3 settings come from the
/// environment (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT`, …), then `options`
/// (object_store's S3 config keys such as `aws_endpoint`, `aws_allow_http`).
#[cfg_attr(not(all(feature = "s3", feature = "http")), allow(unused_variables))]
pub fn store_for(
    location: &str,
    options: &[(String, String)],
) -> KResult<(Arc<dyn ObjectStore>, Path)> {
    let bad = |e: &dyn std::fmt::Display| ErrorKind::Url(format!("{location}: {e}"));
    if !location.contains("://") {
        // Canonical form: object_store paths reject `..` segments.
        let abs = std::fs::canonicalize(location)
            .or_else(|_| std::path::absolute(location))
            .map_err(|e| bad(&e))?;
        let path = Path::from_absolute_path(&abs).map_err(|e| bad(&e))?;
        return Ok((Arc::new(LocalFileSystem::new()), path));
    }
    let url = url::Url::parse(location).map_err(|e| bad(&e))?;
    match url.scheme() {
        "file" => {
            let fs_path = url.to_file_path().map_err(|()| bad(&"not a file path"))?;
            let fs_path = std::fs::canonicalize(&fs_path).unwrap_or(fs_path);
            let path = Path::from_absolute_path(&fs_path).map_err(|e| bad(&e))?;
            Ok((Arc::new(LocalFileSystem::new()), path))
        }
        #[cfg(feature = "s3")]
        "s3" | "s3a" => {
            let bucket = url.host_str().ok_or_else(|| bad(&"no bucket"))?;
            let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
            for (k, v) in options {
                let key: AmazonS3ConfigKey = k.parse().map_err(|e| bad(&e))?;
                b = b.with_config(key, v);
            }
            let store = b.build().map_err(|e| bad(&e))?;
            let path = Path::from_url_path(url.path()).map_err(|e| bad(&e))?;
            Ok((Arc::new(store), path))
        }
        #[cfg(feature = "http")]
        "http" | "https" => {
            let base = &url[..url::Position::BeforePath];
            let mut client = ClientOptions::new().with_allow_http(url.scheme() == "http");
            for (k, v) in options {
                if let Ok(key) = k.parse::<ClientConfigKey>() {
                    client = client.with_config(key, v);
                }
            }
            let store = HttpBuilder::new()
                .with_url(base)
                .with_client_options(client)
                .build()
                .map_err(|e| bad(&e))?;
            let path = Path::from_url_path(url.path()).map_err(|e| bad(&e))?;
            Ok((Arc::new(store), path))
        }
        s => Err(bad(&format!(
            "unsupported scheme {s} (or its cargo feature is off)"
        ))),
    }
}
