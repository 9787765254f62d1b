//! The packed morton word (MORTON.md §1–3): encode, decode, hierarchy.
//!
//! ```text
//!  bit 63..60   59 .. 6                          5 .. 0
//!  [ base+1 ] [ 27 two-bit path digits d1..d27 ] [ suffix ]
//! ```
//! The suffix is the order (0..=27), or for orders 28/29 carries the last
//! digits: 28..=47 area cells of order 28/29, 48..=63 order-29 points.
//!
//! magg is stricter than mortie's `validate_morton` in one place: a word
//! with stray body bits below its order (e.g. `0x1000000000100005`) is
//! rejected, because two different u64 values would otherwise name one
//! cell (mortie never produces such a word, but accepts it).

use std::ops::Range;

use crate::{Error, MAX_ORDER};

/// The most orders of children [`children`] lists in one call (4^12 words).
pub const MAX_CHILD_DEPTH: u8 = 12;

const BODY_MASK: u64 = (1 << 54) - 1;

/// A decoded morton word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cell {
    /// HEALPix order (depth), 0..=29.
    pub order: u8,
    /// NESTED pixel id at that order.
    pub nested: u64,
    /// An order-29 *point* word (mortie's `points=True`), not an area cell.
    pub is_point: bool,
}

#[inline]
pub(crate) fn check_order(order: u8) -> Result<(), Error> {
    if order > MAX_ORDER {
        Err(Error::OrderOutOfRange(u32::from(order)))
    } else {
        Ok(())
    }
}

/// Number of cells at an order: 12·4^order.
#[inline]
pub const fn n_cells(order: u8) -> u64 {
    12 << (2 * order as u32)
}

/// Packs a nested id at `order` into a morton word, without range checks.
#[inline]
pub(crate) fn pack(order: u8, nested: u64, point: bool) -> u64 {
    let k = u32::from(order);
    let base = nested >> (2 * k);
    let sub = nested & ((1u64 << (2 * k)) - 1);
    let head = (base + 1) << 60;
    match order {
        0..=27 => head | (sub << (60 - 2 * k)) | u64::from(order),
        28 => head | ((sub >> 2) << 6) | (28 + 5 * (sub & 3)),
        _ if point => head | ((sub >> 4) << 6) | (48 + 4 * ((sub >> 2) & 3) + (sub & 3)),
        _ => head | ((sub >> 4) << 6) | (28 + 5 * ((sub >> 2) & 3) + (sub & 3) + 1),
    }
}

/// Encodes a nested id at `order` as an area word (`mortie` storage form).
pub fn encode(order: u8, nested: u64) -> Result<u64, Error> {
    check_order(order)?;
    if nested >= n_cells(order) {
        return Err(Error::NestedOutOfRange { order, nested });
    }
    Ok(pack(order, nested, false))
}

/// Encodes an order-29 nested id as a *point* word.
pub fn encode_point(nested29: u64) -> Result<u64, Error> {
    if nested29 >= n_cells(MAX_ORDER) {
        return Err(Error::NestedOutOfRange {
            order: MAX_ORDER,
            nested: nested29,
        });
    }
    Ok(pack(MAX_ORDER, nested29, true))
}

/// Decodes and validates a morton word.
///
/// Rejects 0 (mortie's null word), prefixes 13..15, and stray body bits
/// below the word's order.
pub fn decode(word: u64) -> Result<Cell, Error> {
    let malformed = |reason| Error::MalformedWord { word, reason };
    let prefix = word >> 60;
    if word == 0 {
        return Err(malformed("0 is the null word"));
    }
    if !(1..=12).contains(&prefix) {
        return Err(malformed("base-cell prefix must be 1..=12"));
    }
    let base = prefix - 1;
    let s = (word & 63) as u8;
    let body = (word >> 6) & BODY_MASK;
    let (order, sub, is_point) = match s {
        0..=27 => {
            let k = u32::from(s);
            let low = 54 - 2 * k;
            if k < 27 && body & ((1u64 << low) - 1) != 0 {
                return Err(malformed("path bits set below the word's order"));
            }
            (s, if k == 0 { 0 } else { body >> low }, false)
        }
        28..=47 => {
            let (t, r) = (u64::from(s - 28) / 5, u64::from(s - 28) % 5);
            if r == 0 {
                (28, (body << 2) | t, false)
            } else {
                (29, (body << 4) | (t << 2) | (r - 1), false)
            }
        }
        _ => (29, (body << 4) | u64::from(s - 48), true),
    };
    Ok(Cell {
        order,
        nested: (base << (2 * u32::from(order))) | sub,
        is_point,
    })
}

/// The order of a valid word.
pub fn order_of(word: u64) -> Result<u8, Error> {
    decode(word).map(|c| c.order)
}

/// The ancestor of `word` at the coarser (or equal) `order`.
///
/// Equal order returns `word` itself; a finer order is an error (mortie's
/// `clip2order` silently returns the input then: see [`clip_to_order`]).
/// A point word's ancestor at order < 29 is an area word.
pub fn parent(word: u64, order: u8) -> Result<u64, Error> {
    let cell = decode(word)?;
    check_order(order)?;
    if order > cell.order {
        return Err(Error::WrongDirection {
            order: cell.order,
            target: order,
            relation: "finer",
        });
    }
    if order == cell.order {
        return Ok(word);
    }
    Ok(pack(
        order,
        cell.nested >> (2 * u32::from(cell.order - order)),
        false,
    ))
}

/// mortie's `clip2order(order, word)`: the ancestor at `order`, or `word`
/// unchanged when `order` is not coarser than the word's own (any `order`,
/// even > 29, is accepted, as in mortie).
pub fn clip_to_order(word: u64, order: u8) -> Result<u64, Error> {
    let own = order_of(word)?;
    if order >= own {
        Ok(word)
    } else {
        parent(word, order)
    }
}

/// The nested ids of `word`'s descendants at `child_order` (a contiguous
/// range: nested ids are hierarchical).
pub fn child_nested_range(word: u64, child_order: u8) -> Result<Range<u64>, Error> {
    let cell = decode(word)?;
    check_order(child_order)?;
    if child_order < cell.order {
        return Err(Error::WrongDirection {
            order: cell.order,
            target: child_order,
            relation: "coarser",
        });
    }
    let shift = 2 * u32::from(child_order - cell.order);
    let first = cell.nested << shift;
    Ok(first..first + (1u64 << shift))
}

/// The words of `word`'s descendants at `child_order`, ascending (which is
/// also nested order). Equal order returns `[word]`; the children of an
/// order-29 point are `[word]`. At most [`MAX_CHILD_DEPTH`] orders down.
pub fn children(word: u64, child_order: u8) -> Result<Vec<u64>, Error> {
    let cell = decode(word)?;
    let range = child_nested_range(word, child_order)?;
    if child_order == cell.order {
        return Ok(vec![word]);
    }
    let depth = child_order - cell.order;
    if depth > MAX_CHILD_DEPTH {
        return Err(Error::TooManyChildren { depth });
    }
    Ok(range.map(|n| pack(child_order, n, false)).collect())
}
