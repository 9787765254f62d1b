//! Typed errors of the grid layer, naming the key, shard or point concerned.

/// What can be wrong with a grid, a shard or a point.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    /// A grid definition (`output.grid`) that cannot be built.
    #[error("output.grid.{key}: {reason}")]
    Spec {
        /// The key under `output.grid` (`bounds`, `crs`, ...).
        key: &'static str,
        /// Why.
        reason: String,
    },
    /// A shard id that is not a shard of this grid.
    #[error("shard {shard}: {reason}")]
    Shard {
        /// The shard id as given.
        shard: u64,
        /// Why.
        reason: String,
    },
    /// A point that cannot be located (NaN/∞ coordinates, |lat| > 90).
    #[error("point {index} (lat {lat}, lon {lon}): {reason}")]
    Point {
        /// Its index in the batch.
        index: usize,
        /// Latitude as given.
        lat: f64,
        /// Longitude as given.
        lon: f64,
        /// Why.
        reason: String,
    },
    /// Batch slices of different lengths.
    #[error("batch slices differ in length (lats {lats}, lons {lons}, out {out})")]
    LengthMismatch {
        /// Length of the latitudes.
        lats: usize,
        /// Length of the longitudes.
        lons: usize,
        /// Length of the output.
        out: usize,
    },
    /// A cell word could not be used.
    #[error(transparent)]
    Morton(#[from] magg_morton::Error),
    /// A shard's cover could not be computed.
    #[error("shard {shard}: cover: {source}")]
    Cover {
        /// The shard.
        shard: u64,
        /// Why.
        source: magg_coverage::Error,
    },
}

/// Checks that three batch slices have one length.
pub(crate) fn check_lengths(lats: usize, lons: usize, out: usize) -> Result<(), GridError> {
    if lats == lons && lons == out {
        Ok(())
    } else {
        Err(GridError::LengthMismatch { lats, lons, out })
    }
}
