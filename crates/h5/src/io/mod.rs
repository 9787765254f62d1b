//! Bytes in: the per-file source (cache, coalescing, limits) and counters.

pub(crate) mod source;
pub(crate) mod stats;
