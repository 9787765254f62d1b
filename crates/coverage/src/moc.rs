//! [`Moc`]: a multi-order coverage, the set algebra regions and footprints
//! are combined with.
//!
//! A MOC is a set of HEALPix nested cells of mixed orders, stored the way
//! the IVOA MOC standard and the `moc` crate do: sorted, disjoint,
//! non-adjacent half-open ranges of order-29 nested indices. Union,
//! intersection and difference are linear merges; listing the cells at one
//! order, or the compact mixed-order mortie words, is a walk over the
//! ranges.

use std::ops::Range;

use cdshealpix::nested::bmoc::BMOC;
use magg_morton as morton;

use crate::error::Error;

const MAX: u8 = morton::MAX_ORDER;

/// Number of order-29 indices in one cell of `order`, as a shift.
fn shift(order: u8) -> u32 {
    2 * u32::from(MAX - order)
}

/// A multi-order coverage (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moc {
    ranges: Vec<Range<u64>>,
}

impl Moc {
    /// The empty coverage.
    pub fn new() -> Moc {
        Moc::default()
    }

    /// All cells of `order` listed by nested id (any order, duplicates fine).
    pub fn from_cells(order: u8, cells: impl IntoIterator<Item = u64>) -> Result<Moc, Error> {
        check_order(order)?;
        let n = 12u64 << (2 * u32::from(order));
        let s = shift(order);
        let mut ranges = Vec::new();
        for c in cells {
            if c >= n {
                return Err(morton::Error::NestedOutOfRange { order, nested: c }.into());
            }
            ranges.push((c << s)..((c + 1) << s));
        }
        Ok(Moc::from_ranges(ranges))
    }

    /// Mixed-order mortie morton words (area cells, or order-29 points).
    pub fn from_words(words: &[u64]) -> Result<Moc, Error> {
        let mut ranges = Vec::with_capacity(words.len());
        for &w in words {
            let cell = morton::decode(w)?;
            let s = shift(cell.order);
            ranges.push((cell.nested << s)..((cell.nested + 1) << s));
        }
        Ok(Moc::from_ranges(ranges))
    }

    /// Every cell of a cdshealpix BMOC (partial and full).
    pub(crate) fn from_bmoc(bmoc: &BMOC) -> Moc {
        let s = shift(bmoc.get_depth_max());
        let ranges = bmoc
            .to_ranges()
            .iter()
            .map(|r| (r.start << s)..(r.end << s))
            .collect();
        Moc::from_sorted(ranges)
    }

    /// Only the cells a BMOC flags as fully inside.
    pub(crate) fn from_bmoc_full(bmoc: &BMOC) -> Moc {
        let s = shift(bmoc.get_depth_max());
        let ranges = bmoc
            .to_flagged_ranges()
            .into_iter()
            .filter(|(_, full)| *full)
            .map(|(r, _)| (r.start << s)..(r.end << s))
            .collect();
        Moc::from_sorted(ranges)
    }

    /// Sorts and merges arbitrary order-29 ranges.
    fn from_ranges(mut ranges: Vec<Range<u64>>) -> Moc {
        ranges.sort_unstable_by_key(|r| r.start);
        Moc::from_sorted(ranges)
    }

    /// Merges ranges already sorted by start.
    fn from_sorted(ranges: Vec<Range<u64>>) -> Moc {
        let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            if r.start >= r.end {
                continue;
            }
            match out.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => out.push(r),
            }
        }
        Moc { ranges: out }
    }

    /// The order-29 nested ranges (sorted, disjoint, non-adjacent).
    pub fn ranges(&self) -> &[Range<u64>] {
        &self.ranges
    }

    /// Whether the coverage is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Cells in both.
    #[must_use]
    pub fn intersection(&self, other: &Moc) -> Moc {
        let (a, b) = (&self.ranges, &other.ranges);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            let start = a[i].start.max(b[j].start);
            let end = a[i].end.min(b[j].end);
            if start < end {
                out.push(start..end);
            }
            if a[i].end < b[j].end {
                i += 1;
            } else {
                j += 1;
            }
        }
        Moc { ranges: out }
    }

    /// Cells in either.
    #[must_use]
    pub fn union(&self, other: &Moc) -> Moc {
        let mut all = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        let (a, b) = (&self.ranges, &other.ranges);
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if j >= b.len() || (i < a.len() && a[i].start <= b[j].start) {
                all.push(a[i].clone());
                i += 1;
            } else {
                all.push(b[j].clone());
                j += 1;
            }
        }
        Moc::from_sorted(all)
    }

    /// Cells in `self` and not in `other`.
    #[must_use]
    pub fn difference(&self, other: &Moc) -> Moc {
        let mut out = Vec::new();
        let mut j = 0;
        for r in &self.ranges {
            let mut start = r.start;
            while j < other.ranges.len() && other.ranges[j].end <= start {
                j += 1;
            }
            let mut k = j;
            while k < other.ranges.len() && other.ranges[k].start < r.end {
                let o = &other.ranges[k];
                if o.start > start {
                    out.push(start..o.start);
                }
                start = start.max(o.end);
                k += 1;
            }
            if start < r.end {
                out.push(start..r.end);
            }
        }
        Moc { ranges: out }
    }

    /// Nested ids of every cell of `order` that the coverage touches
    /// (overlaps at all), sorted. A cell of a finer order inside a coarser
    /// one makes the coarser one touched.
    pub fn cells(&self, order: u8) -> Result<Vec<u64>, Error> {
        check_order(order)?;
        let s = shift(order);
        let mut out: Vec<u64> = Vec::new();
        for r in &self.ranges {
            let first = r.start >> s;
            let last = (r.end - 1) >> s;
            let from = match out.last() {
                Some(&l) if l >= first => l + 1,
                _ => first,
            };
            out.extend(from..=last);
        }
        Ok(out)
    }

    /// Morton words (mortie encoding) of [`Moc::cells`], sorted as u64.
    pub fn words(&self, order: u8) -> Result<Vec<u64>, Error> {
        let mut w = self
            .cells(order)?
            .into_iter()
            .map(|c| morton::encode(order, c))
            .collect::<Result<Vec<u64>, _>>()?;
        w.sort_unstable();
        Ok(w)
    }

    /// Number of cells of `order` the coverage touches (no allocation).
    pub fn count(&self, order: u8) -> Result<u64, Error> {
        check_order(order)?;
        let s = shift(order);
        let mut n = 0;
        let mut prev: Option<u64> = None;
        for r in &self.ranges {
            let mut first = r.start >> s;
            let last = (r.end - 1) >> s;
            if prev.is_some_and(|p| p >= first) {
                first += 1;
            }
            if last >= first {
                n += last - first + 1;
            }
            prev = Some(last);
        }
        Ok(n)
    }

    /// Whether the coverage touches the cell `nested` of `order`.
    pub fn touches(&self, order: u8, nested: u64) -> bool {
        if order > MAX {
            return false;
        }
        let s = shift(order);
        let Some(start) = nested.checked_shl(s) else {
            return false;
        };
        let end = (nested + 1) << s;
        let i = self.ranges.partition_point(|r| r.end <= start);
        i < self.ranges.len() && self.ranges[i].start < end
    }

    /// The coverage widened to whole cells of `order` (every touched cell).
    pub fn degrade(&self, order: u8) -> Result<Moc, Error> {
        check_order(order)?;
        let s = shift(order);
        let ranges = self
            .ranges
            .iter()
            .map(|r| ((r.start >> s) << s)..((((r.end - 1) >> s) + 1) << s))
            .collect();
        Ok(Moc::from_sorted(ranges))
    }

    /// The compact mixed-order form: the fewest cells, each as a mortie
    /// morton word, sorted as u64 (mortie's `polygons_to_morton_mocs`
    /// canonical form for the same set).
    pub fn to_words(&self) -> Result<Vec<u64>, Error> {
        let mut out = Vec::new();
        for r in &self.ranges {
            let mut s = r.start;
            while s < r.end {
                // Coarsest order whose cell starts at s and fits in the range.
                let mut order = MAX;
                while order > 0 {
                    let sh = shift(order - 1);
                    let aligned = s & ((1u64 << sh) - 1) == 0;
                    if !aligned || s + (1u64 << sh) > r.end {
                        break;
                    }
                    order -= 1;
                }
                let sh = shift(order);
                out.push(morton::encode(order, s >> sh)?);
                s += 1u64 << sh;
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}

fn check_order(order: u8) -> Result<(), Error> {
    if order > MAX {
        Err(Error::Order(order))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra_on_cells() {
        let a = Moc::from_cells(3, [1, 2, 3, 10]).unwrap();
        let b = Moc::from_cells(4, [8, 9, 40]).unwrap(); // 8, 9 ⊂ cell 2 of order 3; 40 ⊂ 10
        assert_eq!(a.intersection(&b), b);
        assert_eq!(a.union(&b), a);
        let d = a.difference(&b);
        assert_eq!(d.cells(4).unwrap().len(), 16 - 3);
        assert_eq!(d.cells(3).unwrap(), vec![1, 2, 3, 10]);
        assert_eq!(d.count(3).unwrap(), 4);
        assert!(d.touches(3, 10) && !d.touches(4, 40) && d.touches(4, 41));
        assert_eq!(b.degrade(3).unwrap().cells(3).unwrap(), vec![2, 10]);
    }

    #[test]
    fn compact_words_round_trip() {
        // All four children of order-2 cell 5, plus one order-3 cell.
        let m = Moc::from_cells(3, [20, 21, 22, 23, 30]).unwrap();
        let w = m.to_words().unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(Moc::from_words(&w).unwrap(), m);
    }

    #[test]
    fn out_of_range_cells_are_errors() {
        assert!(Moc::from_cells(0, [12]).is_err());
        assert!(Moc::from_cells(30, [0]).is_err());
    }
}
