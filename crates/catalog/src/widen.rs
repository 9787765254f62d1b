//! Shards of observations known only to lie near some points: a
//! granule's coordinates at a coarser rate than its observations (ATL03's
//! ~20 m geolocation segments, whose photons lie within a margin of their
//! segment's reference point). Each point's cell at a *widening order*
//! (cells at least four times the margin across, nominally) and that
//! cell's neighbours hold every point within the margin of it; those
//! cells' shards are listed (under the region rule, at the test order, or
//! at the widening order when that is coarser). So no shard where only
//! observations, not the points, fall is missed; a shard may be listed
//! where the neighbourhood reaches but no observation does (an extra, not
//! a miss: the reader finds nothing there).

use magg_coverage::Moc;
use magg_morton as morton;

use crate::build::BuildSpec;
use crate::error::Error;

/// Mean Earth radius (m).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The finest order whose cells are nominally at least four times
/// `margin_m` across (`R·√(π/3) / 2^order`).
pub fn widening_order(margin_m: f64) -> u8 {
    let nominal = EARTH_RADIUS_M * (std::f64::consts::PI / 3.0).sqrt();
    let mut order = 0u8;
    while order < 29 && nominal / f64::from(1u32 << (order + 1)) >= 4.0 * margin_m {
        order += 1;
    }
    order
}

/// The shards (morton words at the parent order, sorted) whose cells under
/// the region rule may hold an observation within `margin_m` metres of a
/// point. Points with invalid coordinates (fill values) are skipped.
pub fn widened_shards(
    lats: &[f64],
    lons: &[f64],
    margin_m: f64,
    region_moc: &Moc,
    spec: &BuildSpec,
) -> Result<Vec<u64>, Error> {
    let w = widening_order(margin_m);
    let parent = spec.parent_order;
    if w < parent {
        return Err(Error::Parameter(format!(
            "a margin of {margin_m} m is too wide for shards of order {parent}"
        )));
    }
    let (la, lo): (Vec<f64>, Vec<f64>) = lats
        .iter()
        .zip(lons)
        .filter(|(la, lo)| la.abs() <= 90.0 && lo.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip();
    let mut cells = vec![0u64; la.len()];
    morton::geo_to_nested_batch(&la, &lo, w, &mut cells)
        .map_err(|e| Error::Parameter(format!("point {}: {}", e.index, e.error)))?;
    cells.sort_unstable();
    cells.dedup();
    let mut near: Vec<u64> = Vec::with_capacity(cells.len() * 3);
    for c in cells {
        near.extend(cdshealpix::nested::neighbours(w, c, true).values_vec());
    }
    near.sort_unstable();
    near.dedup();
    let test = spec.test_order();
    let (order, mut tested): (u8, Vec<u64>) = if w >= test {
        let shift = 2 * u32::from(w - test);
        let mut t: Vec<u64> = near.into_iter().map(|c| c >> shift).collect();
        t.dedup();
        (test, t)
    } else {
        (w, near)
    };
    tested.retain(|&c| region_moc.touches(order, c));
    let shift = 2 * u32::from(order - parent);
    let mut shards: Vec<u64> = tested.into_iter().map(|c| c >> shift).collect();
    shards.dedup();
    let mut words = shards
        .into_iter()
        .map(|s| morton::encode(parent, s))
        .collect::<Result<Vec<u64>, _>>()?;
    words.sort_unstable();
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_for_margins() {
        // Order 13 cells are ~800 m across, order 14 ~400 m.
        assert_eq!(widening_order(100.0), 13);
        assert_eq!(widening_order(40.0), 15);
        assert_eq!(widening_order(1e9), 0);
    }

    /// The point `d` metres from (lat, lon) at bearing `b` (radians), on a
    /// sphere.
    fn destination(lat: f64, lon: f64, d: f64, b: f64) -> (f64, f64) {
        let (p1, l1, a) = (lat.to_radians(), lon.to_radians(), d / EARTH_RADIUS_M);
        let p2 = (p1.sin() * a.cos() + p1.cos() * a.sin() * b.cos()).asin();
        let l2 = l1 + (b.sin() * a.sin() * p1.cos()).atan2(a.cos() - p1.sin() * p2.sin());
        (
            p2.to_degrees(),
            (l2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0,
        )
    }

    #[test]
    fn every_point_within_the_margin_is_in_a_listed_shard() {
        // Shards at order 11 (~3 km), tested at 12, widened at 13: many
        // points `margin` away cross a shard edge, at every latitude.
        let spec = BuildSpec {
            parent_order: 11,
            child_order: 12,
            match_order: 12,
            ..BuildSpec::default()
        };
        let sky = Moc::from_cells(0, 0..12).unwrap();
        let margin = 100.0;
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut crossed, mut tried) = (0, 0);
        for _ in 0..20_000 {
            let lat = (2.0 * uniform() - 1.0).asin().to_degrees();
            let lon = 360.0 * uniform() - 180.0;
            let listed = widened_shards(&[lat], &[lon], margin, &sky, &spec).unwrap();
            let own = morton::geo_to_morton(lat, lon, 11).unwrap();
            assert!(listed.contains(&own));
            for k in 0..8 {
                let b = (f64::from(k) + uniform()) * std::f64::consts::FRAC_PI_4;
                let (la, lo) = destination(lat, lon, margin * uniform().sqrt(), b);
                let there = morton::geo_to_morton(la, lo, 11).unwrap();
                tried += 1;
                crossed += usize::from(there != own);
                assert!(
                    listed.contains(&there),
                    "({lat}, {lon}) -> ({la}, {lo}) in {there}, not in {listed:?}"
                );
            }
        }
        assert!(crossed > 1000, "{crossed} of {tried} crossed a shard edge");
    }
}
