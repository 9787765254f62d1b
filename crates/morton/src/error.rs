//! Typed errors of the morton layer.

/// What can be wrong with an input to the morton layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Latitude or longitude is NaN or infinite (mortie returns the null word 0).
    #[error("coordinate is not finite (lat {lat}, lon {lon})")]
    NonFinite {
        /// Latitude in degrees, as given.
        lat: f64,
        /// Longitude in degrees, as given.
        lon: f64,
    },
    /// |latitude| > 90 degrees (mortie hashes it anyway and returns junk).
    #[error("latitude {0} is outside [-90, 90] degrees")]
    LatitudeOutOfRange(f64),
    /// An order above [`MAX_ORDER`](crate::MAX_ORDER).
    #[error("order {0} is outside 0..=29")]
    OrderOutOfRange(u32),
    /// A nested pixel id too large for its order.
    #[error("nested id {nested} is out of range at order {order} (max {max})", max = 12 * (1u64 << (2 * u32::from(*order))) - 1)]
    NestedOutOfRange {
        /// The order.
        order: u8,
        /// The offending nested id.
        nested: u64,
    },
    /// A u64 that is not a valid mortie word.
    #[error("malformed morton word {word} ({word:#018x}): {reason}")]
    MalformedWord {
        /// The word.
        word: u64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A parent order finer than the word's own order, or a child order coarser.
    #[error("order {target} is {relation} than the word's order {order}")]
    WrongDirection {
        /// The word's order.
        order: u8,
        /// The requested order.
        target: u8,
        /// "finer" (asked a parent) or "coarser" (asked children).
        relation: &'static str,
    },
    /// Too many children requested at once (more than 4^MAX_CHILD_DEPTH).
    #[error("{depth} orders of children is too many to list (at most {max})", max = crate::word::MAX_CHILD_DEPTH)]
    TooManyChildren {
        /// Requested order difference.
        depth: u8,
    },
    /// A sampled boundary [`Hull::around`](crate::Hull::around) cannot
    /// bound.
    #[error("boundary cannot be bounded: {reason}")]
    BadBoundary {
        /// Why.
        reason: &'static str,
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
    /// A decimal label that does not parse.
    #[error("malformed morton label {label:?}: {reason}")]
    MalformedLabel {
        /// The label (truncated to 64 characters).
        label: String,
        /// Why it is rejected.
        reason: &'static str,
    },
}

/// An error in a batch call, with the index of the first bad element.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("element {index}: {error}")]
pub struct BatchError {
    /// Index of the first element that failed.
    pub index: usize,
    /// What was wrong with it.
    pub error: Error,
}
