//! Turning a location (`s3://`, `http(s)://`, `file://`, local path) into an
//! `object_store` and a path inside it: delegated to `magg-objects`, the one
//! place that does it (with the I/O policy: bounded retries, timeouts).

use std::sync::Arc;

use magg_objects::IoPolicy;
use object_store::ObjectStore;
use object_store::path::Path;

use crate::error::{ErrorKind, KResult};

/// The store and path for `location`, with the default [`IoPolicy`]. S3
/// settings come from the environment (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT`,
/// …), then `options` (object_store's S3 config keys such as
/// `aws_endpoint`, `aws_allow_http`).
pub fn store_for(
    location: &str,
    options: &[(String, String)],
) -> KResult<(Arc<dyn ObjectStore>, Path)> {
    store_with(location, options, &IoPolicy::default())
}

/// [`store_for`] with an explicit I/O policy.
pub fn store_with(
    location: &str,
    options: &[(String, String)],
    policy: &IoPolicy,
) -> KResult<(Arc<dyn ObjectStore>, Path)> {
    magg_objects::open(location, options, policy).map_err(|e| ErrorKind::Url(e.to_string()))
}
