//! Typed errors of the coverage layer; each names the ring, feature or
//! value at fault.

/// What can be wrong with a coverage input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A vertex that is not a finite geodetic (lat, lon) with |lat| ≤ 90.
    #[error("ring {ring}: vertex {index} is not a valid (lat, lon): ({lat}, {lon})")]
    BadVertex {
        /// The ring's name.
        ring: String,
        /// Index of the vertex in the ring as given.
        index: usize,
        /// Latitude as given.
        lat: f64,
        /// Longitude as given.
        lon: f64,
    },
    /// Fewer than three distinct vertices once repeats and spikes are gone.
    #[error("ring {ring} has {distinct} distinct vertices; a ring needs at least 3")]
    DegenerateRing {
        /// The ring's name.
        ring: String,
        /// Distinct vertices left.
        distinct: usize,
    },
    /// A control point that is not a valid coordinate, or lies on the ring.
    #[error("control point ({lat}, {lon}) is not a valid point off the ring")]
    BadControlPoint {
        /// Latitude as given.
        lat: f64,
        /// Longitude as given.
        lon: f64,
    },
    /// An order above 29.
    #[error("order {0} is outside 0..=29")]
    Order(u8),
    /// A negative or non-finite buffer.
    #[error("buffer {0} km is not a finite distance >= 0")]
    Buffer(f64),
    /// A bounding rectangle with south > north or a bad coordinate.
    #[error(
        "bounding rectangle {0} is invalid (want finite west/east, -90 <= south <= north <= 90)"
    )]
    Rectangle(String),
    /// A line with fewer than two points or a bad coordinate.
    #[error("line {0}")]
    Line(String),
    /// GeoJSON that is not a (Multi)Polygon, Feature or FeatureCollection
    /// of them, or is malformed.
    #[error("GeoJSON {what}: {reason}")]
    GeoJson {
        /// Where in the document (e.g. `features[3].geometry`).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A morton word that is not valid, or a range that is not a cell.
    #[error("morton: {0}")]
    Morton(#[from] magg_morton::Error),
}
