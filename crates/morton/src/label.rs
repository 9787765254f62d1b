//! mortie's decimal label (display form) and the legacy signed integer.
//!
//! Label: `[-]B d1 … dk [p]`. The head is `base+1` for bases 0..5 and `-`
//! followed by `base−5` for bases 6..11; each path digit is printed plus
//! one (alphabet 1..4); a trailing `p` marks an order-29 point. The minus
//! sign does not mean "southern": bases 6 and 7 are equatorial.

use crate::word::{decode, pack};
use crate::{Error, MAX_ORDER};

/// Renders a word as mortie's decimal label.
pub fn to_label(word: u64) -> Result<String, Error> {
    let cell = decode(word)?;
    let k = u32::from(cell.order);
    let base = cell.nested >> (2 * k);
    let mut s = String::with_capacity(k as usize + 3);
    if base < 6 {
        s.push(char::from(b'1' + base as u8));
    } else {
        s.push('-');
        s.push(char::from(b'1' + (base - 6) as u8));
    }
    for j in (0..k).rev() {
        let digit = (cell.nested >> (2 * j)) & 3;
        s.push(char::from(b'1' + digit as u8));
    }
    if cell.is_point {
        s.push('p');
    }
    Ok(s)
}

/// Parses mortie's decimal label back to the word (an unmarked order-29
/// label is the *area* word, as in mortie's `decimal_to_word`).
pub fn parse_label(label: &str) -> Result<u64, Error> {
    let bad = |reason| Error::MalformedLabel {
        label: label.chars().take(64).collect(),
        reason,
    };
    let (neg, rest) = match label.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, label),
    };
    let (point, rest) = match rest.strip_suffix('p') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let bytes = rest.as_bytes();
    let (&head, digits) = bytes.split_first().ok_or_else(|| bad("empty label"))?;
    if !(b'1'..=b'6').contains(&head) {
        return Err(bad("head must be 1..6 or -1..-6"));
    }
    let base = u64::from(head - b'1') + if neg { 6 } else { 0 };
    if digits.len() > usize::from(MAX_ORDER) {
        return Err(bad("more than 29 path digits"));
    }
    let order = digits.len() as u8;
    if point && order != MAX_ORDER {
        return Err(bad("a point label ('p') must have 29 path digits"));
    }
    let mut nested = base;
    for &d in digits {
        if !(b'1'..=b'4').contains(&d) {
            return Err(bad("path digits must be 1..4"));
        }
        nested = (nested << 2) | u64::from(d - b'1');
    }
    Ok(pack(order, nested, point))
}

/// The legacy signed form (mortie's `to_legacy_i64`): the label read as a
/// decimal integer. Defined for area words of order ≤ 18 only.
pub fn to_legacy_i64(word: u64) -> Result<i64, Error> {
    let cell = decode(word)?;
    if cell.order > 18 || cell.is_point {
        return Err(Error::MalformedWord {
            word,
            reason: "legacy i64 form exists only for area words of order <= 18",
        });
    }
    let label = to_label(word)?;
    Ok(label.parse().expect("a label of <= 20 digits is an i64"))
}
