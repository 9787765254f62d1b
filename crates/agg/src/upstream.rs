//! The upstream system's (zagg) config keys magg does not support, and why:
//! a config naming one is refused like any unknown key, with the reason
//! added to the message, so a user bringing an upstream config learns what
//! to change.

/// (key or variant, why it is refused).
const UNSUPPORTED: &[(&str, &str)] = &[
    ("level", MULTI_LEVEL),
    (
        "expression",
        "expression filters are not supported; write structured filters \
         (`dataset`, `column`, `op`, `value`)",
    ),
    ("kind", NON_SCALAR),
    ("trailing_shape", NON_SCALAR),
    ("inner_shape", NON_SCALAR),
    (
        "resolution",
        "per-chunk outputs (`resolution: chunk`) are not supported",
    ),
    ("temporal", NON_SCALAR),
    ("location", NON_SCALAR),
    (
        "chunk_precompute",
        "`chunk_precompute` is not supported: expressions reduce per cell",
    ),
    (
        "catalog",
        "give the shard map to `magg run --catalog` (made by `magg catalog`)",
    ),
    (
        "bounds",
        "temporal and spatial bounds are `magg catalog` options (`--cycle`, `--region`)",
    ),
    ("store", "give the store to `magg run --store`"),
    ("store_layout", STORE_LAYOUT),
    (
        "endpoint_url",
        "S3 endpoints come from the environment (`AWS_ENDPOINT_URL`)",
    ),
    (
        "region",
        "the S3 region comes from the environment (`AWS_REGION`)",
    ),
    ("chunk_inner", STORE_LAYOUT),
    ("sharded", STORE_LAYOUT),
    ("layout", STORE_LAYOUT),
    ("time_source", "temporal outputs are not supported"),
    ("location_source", NON_SCALAR),
    ("pyramid", "coarser orders are `magg run --pyramid`"),
];

const MULTI_LEVEL: &str = "a filter's `level` is not supported: coordinates, variables and \
     filters are read at the base level (`data_source.base_level`)";
const NON_SCALAR: &str = "non-scalar outputs (`kind: vector|ragged`, t-digests, located or \
     temporal fields) are not supported: each output is one value per cell";
const STORE_LAYOUT: &str = "magg's store layout is fixed (Zarr v3, one chunk per shard)";

/// `message` with the reason appended when it refuses an upstream key or
/// variant magg does not support (serde's "unknown field `X`" / "unknown
/// variant `X`").
pub(crate) fn explain(message: &str) -> String {
    let named = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|p| message.split_once(p))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name);
    match named.and_then(|n| UNSUPPORTED.iter().find(|(k, _)| *k == n)) {
        Some((_, why)) => format!("{message} ({why})"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_keys_get_a_reason() {
        let m = explain("unknown field `level`, expected one of `dataset`, `column`");
        assert!(m.contains("base level"), "{m}");
        assert_eq!(explain("unknown field `bogus`"), "unknown field `bogus`");
        assert_eq!(explain("invalid type: string"), "invalid type: string");
    }
}
