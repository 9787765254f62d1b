//! The base level's summary of a linked read (ATL03's photons, found
//! through their ~20 m segments): the cells each block of base rows can
//! reach, from the linked level's coordinates and its first-linked-row
//! column alone. The base level's own coordinates (hundreds of MB per
//! ATL03 beam) are never read to build it.
//!
//! A base row lies within the margin of its linked row's coordinates (the
//! linked read's model, `magg-agg`'s `levels.rs`), and links to it through
//! `index_beg`: the segment's rows run from its beginning to the next
//! non-empty segment's. So the cells a disc of the margin around a segment
//! overlaps hold every base row it links to, and a block of base rows can
//! only hold points of the cells its segments' discs overlap. As in the
//! reader, each segment's reach is widened by `pad` segments on each side.
//!
//! Only when the beginnings strictly increase (photons stored in segment
//! order, as ATL03's are): otherwise no summary is made and the reader
//! finds the rows through the link itself, which checks and reports what
//! it reads. An index never decides a value.

use std::ops::Range;

use crate::Summary;
use crate::build::IndexLink;

/// Mean Earth radius less 1 %, so a margin's chord (metres over this)
/// errs wide (geodetic latitude taken as spherical), here and in the
/// linked reader.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8 * 0.99;

/// Segments whose discs are covered by one cone (their enclosing disc):
/// one cone coverage per group instead of one per segment.
const GROUP: usize = 32;

/// Widest enclosing disc (radians) a group may have before its segments
/// get a cone each (6 km: a few cells' worth only at order 10).
const MAX_GROUP_ANGLE: f64 = 1e-3;

/// The nested ids at `order` of the HEALPix cells that a disc of chord
/// `chord` (on the unit sphere) around a point (degrees, geodetic) may
/// overlap: every cell it overlaps, and perhaps a few it only nears
/// (`cdshealpix`'s approximate cone coverage). The disc lies on the
/// authalic sphere the hash works on, its radius widened by 1 % for the
/// authalic latitude's distortion of distances (under 0.4 %). Empty for a
/// point off the globe (a fill value).
#[must_use]
pub fn cells_near(lat: f64, lon: f64, order: u8, chord: f64) -> Vec<u64> {
    if on_globe(lat, lon) {
        cone(order, lat, lon, chord_angle(chord))
    } else {
        Vec::new()
    }
}

/// Whether a point (degrees) is on the globe (not a fill value).
fn on_globe(lat: f64, lon: f64) -> bool {
    lat.abs() <= 90.0 && lon.is_finite()
}

/// The angle (radians) of a chord on the unit sphere.
fn chord_angle(chord: f64) -> f64 {
    2.0 * (chord / 2.0).clamp(0.0, 1.0).asin()
}

/// Cells of the cone of `angle` around a point on the globe, widened 1 %.
fn cone(order: u8, lat: f64, lon: f64, angle: f64) -> Vec<u64> {
    let beta = magg_morton::geodetic_to_authalic(lat).to_radians();
    let angle = (angle * 1.01).min(std::f64::consts::FRAC_PI_2);
    cdshealpix::nested::cone_coverage_approx(order, lon.to_radians(), beta, angle)
        .flat_iter()
        .collect()
}

/// The point as a unit vector on the authalic sphere, if on the globe.
fn unit(lat: f64, lon: f64) -> Option<[f64; 3]> {
    if !on_globe(lat, lon) {
        return None;
    }
    let (sb, cb) = magg_morton::geodetic_to_authalic(lat)
        .to_radians()
        .sin_cos();
    let (sl, cl) = lon.to_radians().sin_cos();
    Some([cb * cl, cb * sl, sb])
}

/// The angle (radians) between two unit vectors.
fn angle(a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
    chord_angle(d)
}

/// Each linked row's base rows from its first-linked-row value
/// (`index_beg`, `index_base`-based; below `index_base`: no rows): from
/// its beginning to the next non-empty row's, the last to `base_rows`.
/// `None` unless every value is an integer, the non-empty beginnings
/// strictly increase and none passes `base_rows`.
fn linked_ranges(beg: &[f64], index_base: u64, base_rows: u64) -> Option<Vec<Option<Range<u64>>>> {
    let mut out = vec![None; beg.len()];
    let mut next = base_rows;
    for (i, &b) in beg.iter().enumerate().rev() {
        if !(b.is_finite() && b.fract() == 0.0) {
            return None;
        }
        if b < index_base as f64 {
            continue; // links to no row
        }
        let at = b as u64 - index_base;
        if at >= next {
            return None; // not increasing, or past the base level's end
        }
        out[i] = Some(at..next);
        next = at;
    }
    Some(out)
}

/// The base level's summary: for each block of `base.1` rows of the
/// `base.0` base rows, the cells at `order` within `link.margin_m` of the
/// linked rows (coordinates `lat`, `lon`; first-linked rows `beg`)
/// reaching it. `None` when the link's columns do not check
/// ([`linked_ranges`], or lengths that differ).
pub(crate) fn summarize_link(
    (lat, lon): (&[f64], &[f64]),
    beg: &[f64],
    link: &IndexLink,
    base: (u64, u64),
    order: u8,
) -> Option<Summary> {
    let (base_rows, block_rows) = (base.0, base.1.max(1));
    let n = lat.len();
    if lon.len() != n || beg.len() != n {
        return None;
    }
    let ranges = linked_ranges(beg, u64::from(link.index_base), base_rows)?;
    let margin = chord_angle(link.margin_m / EARTH_RADIUS_M);
    let pad = usize::try_from(link.pad).unwrap_or(usize::MAX);
    let blocks = base_rows.div_ceil(block_rows);
    let mut cells: Vec<Vec<u64>> = vec![Vec::new(); usize::try_from(blocks).ok()?];
    for g in (0..n).step_by(GROUP) {
        let end = (g + GROUP).min(n);
        // The base rows the group's segments reach, `pad` segments wider.
        let window = g.saturating_sub(pad)..end.saturating_add(pad).min(n);
        let mut reach = ranges[window].iter().flatten();
        let Some(first) = reach.next() else {
            continue;
        };
        let rows = first.start..reach.last().unwrap_or(first).end;
        if rows.is_empty() {
            continue;
        }
        let found = group_cells(&lat[g..end], &lon[g..end], margin, order);
        for k in rows.start / block_rows..=(rows.end - 1) / block_rows {
            cells[k as usize].extend_from_slice(&found);
        }
    }
    for c in &mut cells {
        c.sort_unstable();
        c.dedup();
    }
    Some(Summary {
        block_rows,
        rows: base_rows,
        cells,
    })
}

/// The cells within `margin` (radians) of any of the points: one cone
/// around the middle point enclosing them all, or, when they spread wider
/// than [`MAX_GROUP_ANGLE`], one cone per point.
fn group_cells(lat: &[f64], lon: &[f64], margin: f64, order: u8) -> Vec<u64> {
    let points: Vec<(f64, f64, [f64; 3])> = lat
        .iter()
        .zip(lon)
        .filter_map(|(&la, &lo)| unit(la, lo).map(|v| (la, lo, v)))
        .collect();
    let Some(&(clat, clon, centre)) = points.get(points.len() / 2) else {
        return Vec::new();
    };
    let spread = points
        .iter()
        .map(|p| angle(centre, p.2))
        .fold(0.0_f64, f64::max);
    let mut out = if spread <= MAX_GROUP_ANGLE {
        cone(order, clat, clon, margin + spread)
    } else {
        points
            .iter()
            .flat_map(|&(la, lo, _)| cone(order, la, lo, margin))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beginnings_give_each_segment_its_rows() {
        // 1-based: segment 1 empty, segment 3 empty (0 < index_base).
        let beg = [1.0, 0.0, 4.0, 0.0, 9.0];
        let r = linked_ranges(&beg, 1, 12).unwrap();
        assert_eq!(r, vec![Some(0..3), None, Some(3..8), None, Some(8..12)]);
        // Not increasing, past the end, not an integer: no ranges.
        assert!(linked_ranges(&[4.0, 1.0], 1, 12).is_none());
        assert!(linked_ranges(&[1.0, 13.0], 1, 12).is_none());
        assert!(linked_ranges(&[1.0, 2.5], 1, 12).is_none());
        assert!(linked_ranges(&[1.0, f64::NAN], 1, 12).is_none());
    }

    #[test]
    fn every_base_row_is_summarized_with_its_own_cell() {
        // Segments every ~20 m along a meridian near the pole; each links
        // to 7 base rows placed at the segment's point. Every base row's
        // own cell (at several orders) is in its block's summary.
        let n = 3_000;
        let lat: Vec<f64> = (0..n).map(|i| -86.0 - f64::from(i) * 1.8e-4).collect();
        let lon: Vec<f64> = (0..n).map(|i| 45.0 + f64::from(i) * 1e-3).collect();
        let beg: Vec<f64> = (0..n).map(|i| f64::from(i * 7 + 1)).collect();
        let base_rows = (n * 7) as u64;
        for order in [6, 9, 12] {
            for pad in [0, 1] {
                let link = IndexLink {
                    base_latitude: String::new(),
                    index_beg: String::new(),
                    index_base: 1,
                    pad,
                    margin_m: 100.0,
                };
                let s =
                    summarize_link((&lat, &lon), &beg, &link, (base_rows, 1000), order).unwrap();
                assert_eq!(s.cells.len(), 21);
                for row in 0..base_rows {
                    let seg = (row / 7) as usize;
                    let own = magg_morton::geo_to_nested(lat[seg], lon[seg], order).unwrap();
                    assert!(
                        s.cells[(row / 1000) as usize].binary_search(&own).is_ok(),
                        "order {order} row {row}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_disc_lists_the_cells_it_reaches() {
        // Centres every ~10 m across 3 km at 80°S (order-12 cells are
        // ~1.6 km): some 100 m discs cross a cell edge. Every point within
        // 100 m (sampled on circles) hashes to a listed cell.
        let order = 12;
        let mut crossing = 0;
        for step in 0..300 {
            let (lat, lon) = (-80.0, 10.0 + f64::from(step) * 5e-4);
            let near = cells_near(lat, lon, order, 100.0 / EARTH_RADIUS_M);
            crossing += usize::from(near.len() > 1);
            for k in 0..36 {
                let a = f64::from(k * 10).to_radians();
                for r in [50.0, 99.0] {
                    let dlat = r * a.cos() / 111_320.0;
                    let dlon = r * a.sin() / (111_320.0 * lat.to_radians().cos());
                    let c = magg_morton::geo_to_nested(lat + dlat, lon + dlon, order).unwrap();
                    assert!(near.contains(&c), "{step} {k} {r}");
                }
            }
        }
        assert!(crossing > 0);
        assert!(cells_near(f64::MAX, 0.0, order, 1e-5).is_empty());
    }
}
