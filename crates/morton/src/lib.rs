//! mortie-compatible morton indices for HEALPix nested cells.
//!
//! magg addresses every cell by the packed unsigned 64-bit word of the
//! Python library [mortie] 1.0.0, so magg's catalogs and Zarr stores
//! interoperate with the Python ecosystem bit for bit. The full encoding is
//! specified in the project's `shared/golden/MORTON.md`; in short:
//!
//! - a word packs base cell, path digits and order (0..=29), or an order-29
//!   *point* ([`encode`], [`decode`], [`order_of`]);
//! - cells are hashed on the WGS84 *authalic* sphere: geodetic latitude is
//!   converted to authalic latitude first ([`geodetic_to_authalic`]), so
//!   cells are equal-area on the ellipsoid;
//! - the hash is the `healpix` crate pinned at 0.3.3, the crate mortie's
//!   compiled core uses, so results are bit-identical at every order
//!   ([`geo_to_morton`], [`geo_to_nested`] and their batch forms);
//! - hierarchy: [`parent`], [`children`], [`child_nested_range`];
//! - geometry for maps and coverage: [`center`], [`boundary`];
//! - display: [`to_label`] / [`parse_label`].
//!
//! Why this layer is written here rather than taken from a crate: no Rust
//! crate implements mortie's packed word; the HEALPix hash itself is not
//! re-implemented (it is `healpix`'s).
//!
//! Invalid input is a typed [`Error`], never a panic or a silently wrong
//! cell. Where mortie is laxer, magg refuses: NaN/∞ coordinates (mortie:
//! the null word 0), |lat| > 90 (mortie: a junk cell), and words with stray
//! bits below their order (mortie's `validate_morton` accepts them).
//!
//! ```
//! use magg_morton as morton;
//! let w = morton::geo_to_morton(-80.0, 120.0, 6).unwrap();
//! assert_eq!(w, 11570310392668225542);
//! assert_eq!(morton::to_label(w).unwrap(), "-4113213");
//! let cell = morton::decode(w).unwrap();
//! assert_eq!((cell.order, cell.nested), (6, 37010));
//! assert_eq!(morton::child_nested_range(w, 12).unwrap().start, 37010 << 12);
//! ```
//!
//! [mortie]: https://github.com/espg/mortie

mod authalic;
mod error;
mod geo;
mod label;
mod word;

pub use authalic::{authalic_to_geodetic, geodetic_to_authalic};
pub use error::{BatchError, Error};
pub use geo::{
    Cap, Hull, LonWindow, boundary, center, geo_to_morton, geo_to_morton_batch, geo_to_nested,
    geo_to_nested_batch, geo_to_point, lat_band,
};
pub use label::{parse_label, to_label, to_legacy_i64};
pub use word::{
    Cell, MAX_CHILD_DEPTH, child_nested_range, children, clip_to_order, decode, encode,
    encode_point, n_cells, order_of, parent,
};

/// The finest order (depth) of a morton word: order-29 cells are ~1.2 cm.
pub const MAX_ORDER: u8 = 29;
