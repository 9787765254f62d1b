//! A cell's true boundary as a geodetic ring.
//!
//! HEALPix cell edges are neither great circles nor parallels, so a coarse
//! cell drawn from its 4 corners would be wrong by kilometres. The edges are
//! followed by [`magg_grid::cell_ring`] (cdshealpix's
//! `path_along_cell_edge`, the same HEALPix geometry the `healpix` crate
//! hashes with, in the authalic frame where magg's cells live, each vertex
//! converted to geodetic latitude). Fine cells (order ≥ 10, ≲ 6 km) need
//! only their corners.

use magg_morton as morton;

use crate::error::VizError;

/// Points per cell side: 1 at order ≥ 10, doubling per coarser order, at
/// most 64.
pub fn segments_per_side(order: u8) -> u32 {
    1u32 << (10u8.saturating_sub(order)).min(6)
}

/// The boundary of the cell `word` as geodetic (lat, lon) degrees, starting
/// at its north corner and running N → W → S → E (mortie's corner order),
/// `segments_per_side(order)` points per side, no closing repeat.
/// Longitudes are continuous along the ring (no jump at ±180°).
pub fn cell_ring(word: u64) -> Result<Vec<(f64, f64)>, VizError> {
    let cell = morton::decode(word).map_err(|source| VizError::Cell { word, source })?;
    if cell.is_point {
        return Err(VizError::Invalid(format!(
            "cell {word}: a point word, not a cell"
        )));
    }
    magg_grid::cell_ring(word, segments_per_side(cell.order))
        .map_err(|e| VizError::Invalid(format!("cell {word}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_lon(a: f64, b: f64) -> bool {
        let d = (a - b).rem_euclid(360.0);
        !(1e-7..=360.0 - 1e-7).contains(&d)
    }

    #[test]
    fn corners_match_morton_boundary() {
        for (lat, lon, order) in [
            (-75.0, 70.0, 12u8),
            (-89.9, 10.0, 6),
            (72.0, -45.0, 3),
            (-80.0, 179.99, 6),
            (10.0, 0.0, 1),
        ] {
            let w = morton::geo_to_morton(lat, lon, order).unwrap();
            let ring = cell_ring(w).unwrap();
            let n = segments_per_side(order) as usize;
            assert_eq!(ring.len(), 4 * n);
            let corners = morton::boundary(w).unwrap();
            for (k, c) in corners.iter().enumerate() {
                let p = ring[k * n];
                // cdshealpix and healpix agree to ~1e-9° (sub-millimetre).
                assert!((p.0 - c.0).abs() < 1e-7, "{w} corner {k}: {p:?} vs {c:?}");
                // Longitude is arbitrary at a pole.
                assert!(
                    c.0.abs() > 89.999_999 || same_lon(p.1, c.1),
                    "{w} {k}: {p:?} vs {c:?}"
                );
            }
        }
    }

    #[test]
    fn densified_edges_bulge_where_healpix_edges_do() {
        // An order-2 cell: its edges are not straight in (lat, lon), so the
        // midpoints of the densified sides differ from the corner chords.
        let w = morton::geo_to_morton(-60.0, 30.0, 2).unwrap();
        let ring = cell_ring(w).unwrap();
        let n = segments_per_side(2) as usize;
        let (a, m, b) = (ring[0], ring[n / 2], ring[n]);
        let chord = (f64::midpoint(a.0, b.0), f64::midpoint(a.1, b.1));
        assert!(
            (m.0 - chord.0).abs() + (m.1 - chord.1).abs() > 0.1,
            "{m:?} {chord:?}"
        );
        assert!(cell_ring(morton::geo_to_point(0.0, 0.0).unwrap()).is_err());
    }
}
