//! The dataspace message: rank, current and maximum dimensions.

use super::cursor::{Cursor, Sizes};
use crate::error::{ErrorKind, KResult};

/// Unlimited maximum dimension.
pub const UNLIMITED: u64 = u64::MAX;

/// Shape of a dataset or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dataspace {
    /// Current dimensions; empty for a scalar.
    pub(crate) dims: Vec<u64>,
    /// Maximum dimensions ([`UNLIMITED`] for unlimited).
    pub(crate) maxdims: Vec<u64>,
    /// The null dataspace (no elements).
    pub(crate) null: bool,
}

impl Dataspace {
    /// Number of elements (1 for a scalar, 0 for null), `None` on overflow.
    pub(crate) fn len(&self) -> Option<u64> {
        if self.null {
            return Some(0);
        }
        self.dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }
}

/// Parses a dataspace message body.
pub(crate) fn parse(data: &[u8], sizes: Sizes) -> KResult<Dataspace> {
    let mut c = Cursor::new(data, 0, sizes, "dataspace message");
    let version = c.u8()?;
    let rank = usize::from(c.u8()?);
    let flags = c.u8()?;
    if rank > 32 {
        return Err(ErrorKind::TooLarge {
            what: "dataspace rank",
            value: rank as u64,
            limit: 32,
        });
    }
    let null = match version {
        1 => {
            c.skip(5)?;
            false
        }
        2 => c.u8()? == 2,
        v => return Err(ErrorKind::corrupt(format!("dataspace version {v}"))),
    };
    let mut dims = Vec::with_capacity(rank);
    for _ in 0..rank {
        dims.push(c.length()?);
    }
    let maxdims = if flags & 1 != 0 {
        let mut m = Vec::with_capacity(rank);
        for _ in 0..rank {
            let v = c.length()?;
            let undefined = super::cursor::is_undefined(v, usize::from(sizes.length));
            m.push(if undefined { UNLIMITED } else { v });
        }
        m
    } else {
        dims.clone()
    };
    Ok(Dataspace {
        dims,
        maxdims,
        null,
    })
}
