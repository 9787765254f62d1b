//! `magg-objects`: one place that turns a location into an
//! [`object_store`] store and a path, with magg's I/O policy.
//!
//! - [`Target::parse`]: a local path, `file://`, `s3://` / `s3a://` or
//!   `http(s)://` (anything else is refused, naming the location);
//! - [`open`]: the store holding an object and its path (what the HDF5
//!   reader needs); [`s3_bucket`]: the store of a whole bucket (what the
//!   Zarr writer roots under its prefix);
//! - [`IoPolicy`]: bounded retries with backoff and timeouts for every
//!   remote request, mapped onto object_store's `RetryConfig` and
//!   `ClientOptions`; the defaults bound one request to about two minutes.
//!
//! S3 settings come from the `AWS_*` environment variables, then from
//! explicit options keyed as object_store's `AmazonS3ConfigKey` names; an
//! `http://` endpoint (a local S3-compatible server) is allowed. Credentials
//! never appear in errors: messages carry the location and the reason.
//!
//! Cargo features `s3` and `http` (default on) enable those schemes.

mod policy;
mod resolve;

pub use object_store::ObjectStore;
pub use object_store::path::Path;
pub use policy::IoPolicy;
pub use resolve::{LocationError, Target, open, s3_bucket};
