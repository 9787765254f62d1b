//! Building a shard map: region cells ∩ footprint cells, per granule.
//!
//! A shard is listed for a granule exactly when the granule may have an
//! observation there that counts under the [`RegionRule`]: some cell of the
//! rule's test order (the child order, or the shard order for
//! `all_observations`) inside that shard is touched both by the region
//! (its cover at the *match order*, default the child order) and by the
//! granule's footprint (covered at the match order, buffered by
//! `buffer_km`), or, for local files, holds one of the granule's points.
//! Testing child cells rather than whole shards keeps shards out where the
//! region and the footprint touch the same shard but not each other.

use std::collections::BTreeMap;

use magg_coverage::{Footprint, Moc, Region};
use magg_grid::RectilinearSpec;
use magg_morton as morton;
use rayon::prelude::*;

use crate::error::Error;
use crate::granule::GranuleRef;
use crate::rule::RegionRule;
use crate::shardmap::{Query, RegionInfo, ShardMap};
use crate::tiles;
use crate::window::Window;

/// Default margin around catalog footprints, km (measured in the crate
/// README: the sample granules need 0 km, real CMR footprints are
/// simplified, and 2 km costs few extra shards).
pub const DEFAULT_BUFFER_KM: f64 = 2.0;

/// Orders and margin of a build.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildSpec {
    /// Shard order (default 6).
    pub parent_order: u8,
    /// Finest output order (default 12).
    pub child_order: u8,
    /// Order at which region and footprints are intersected (default: the
    /// child order). Between `parent_order` and 29.
    pub match_order: u8,
    /// Margin around each footprint, km.
    pub buffer_km: f64,
    /// Which observations count, so which pairs are listed (a
    /// rectilinear grid's maps always use `all_observations`: its tiles
    /// are the unit).
    pub rule: RegionRule,
    /// A rectilinear output grid (`output.grid` with `type:
    /// rectilinear`): shards are its tiles ([`crate::tiles`]), and the
    /// orders above only set the match order's bounds. `None`: HEALPix
    /// shards at `parent_order`.
    pub grid: Option<RectilinearSpec>,
}

impl Default for BuildSpec {
    fn default() -> BuildSpec {
        BuildSpec {
            parent_order: 6,
            child_order: 12,
            match_order: 12,
            buffer_km: DEFAULT_BUFFER_KM,
            rule: RegionRule::default(),
            grid: None,
        }
    }
}

impl BuildSpec {
    /// Checks the orders and the buffer.
    pub fn validate(&self) -> Result<(), Error> {
        let max = morton::MAX_ORDER;
        if self.parent_order > self.child_order || self.child_order > max {
            return Err(Error::Parameter(format!(
                "orders must satisfy parent {} <= child {} <= {max}",
                self.parent_order, self.child_order
            )));
        }
        if self.match_order < self.parent_order || self.match_order > max {
            return Err(Error::Parameter(format!(
                "match order {} must be between the parent order {} and {max}",
                self.match_order, self.parent_order
            )));
        }
        if !self.buffer_km.is_finite() || self.buffer_km < 0.0 {
            return Err(Error::Parameter(format!(
                "buffer {} km must be a finite distance >= 0",
                self.buffer_km
            )));
        }
        if let Some(g) = &self.grid {
            tiles::grid_of(g)?;
        }
        Ok(())
    }

    /// The region's cover at the match order.
    pub fn region_moc(&self, region: &Region) -> Result<Moc, Error> {
        Ok(region.cover(self.match_order)?)
    }

    /// The order whose cells are tested against the region (the rule's:
    /// the child order, or the shard order).
    pub fn test_order(&self) -> u8 {
        self.rule.test_order(self.parent_order, self.child_order)
    }

    /// The rule the map records: the spec's, `all_observations` for a
    /// rectilinear grid.
    pub fn map_rule(&self) -> RegionRule {
        if self.grid.is_some() {
            RegionRule::AllObservations
        } else {
            self.rule
        }
    }

    /// A [`Query`] skeleton describing the region and this spec.
    pub fn query(&self, source: &str, region: &Region, region_moc: &Moc) -> Result<Query, Error> {
        Ok(Query {
            source: source.to_string(),
            short_name: None,
            version: None,
            temporal: None,
            cmr_url: None,
            region: RegionInfo {
                name: region.name.clone(),
                moc_order: self.match_order,
                moc: region_moc.to_words()?,
            },
            match_order: self.match_order,
            buffer_km: self.buffer_km,
            region_rule: self.map_rule(),
        })
    }
}

/// A granule with the footprint a catalog gave it.
#[derive(Debug, Clone)]
pub struct FootprintGranule {
    /// The record listed in the map.
    pub granule: GranuleRef,
    /// Its footprint.
    pub footprint: Footprint,
}

/// Shard words (parent order) where a cell of the test order touches both
/// the buffered footprint (covered at the match order) and the region.
/// `region_at_test_order` is the region's cover widened to whole cells of
/// [`BuildSpec::test_order`]: a child cell may meet the footprint and the
/// region in different match-order cells of its own, and still count.
fn footprint_shards(
    fp: &Footprint,
    region_at_test_order: &Moc,
    spec: &BuildSpec,
) -> Result<Vec<u64>, Error> {
    let cover = fp
        .cover(spec.match_order, spec.buffer_km)?
        .degrade(spec.test_order())?;
    Ok(cover
        .intersection(region_at_test_order)
        .words(spec.parent_order)?)
}

/// Shard words (parent order) holding at least one point whose cell at the
/// rule's test order ([`BuildSpec::test_order`]) touches the region: the
/// shards where the points give an observation under the rule.
///
/// With a rectilinear grid: the tiles holding a point that meet the region
/// ([`tiles::point_tiles`]).
pub fn point_shards(
    lats: &[f64],
    lons: &[f64],
    region_moc: &Moc,
    spec: &BuildSpec,
) -> Result<Vec<u64>, Error> {
    if let Some(g) = &spec.grid {
        let grid = tiles::grid_of(g)?;
        return tiles::point_tiles(&grid, lats, lons, region_moc, spec.match_order);
    }
    let order = spec.test_order();
    let mut cells = vec![0u64; lats.len()];
    morton::geo_to_nested_batch(lats, lons, order, &mut cells)
        .map_err(|e| Error::Parameter(format!("point {}: {}", e.index, e.error)))?;
    cells.sort_unstable();
    cells.dedup();
    let shift = 2 * u32::from(order - spec.parent_order);
    let mut shards: Vec<u64> = cells
        .into_iter()
        .filter(|&c| region_moc.touches(order, c))
        .map(|c| c >> shift)
        .collect();
    shards.dedup();
    let mut words = shards
        .into_iter()
        .map(|s| morton::encode(spec.parent_order, s))
        .collect::<Result<Vec<u64>, _>>()?;
    words.sort_unstable();
    Ok(words)
}

/// Builds a shard map from catalog footprints (in parallel), each granule
/// in the window its [`GranuleRef::window`] says (an index into `windows`,
/// set by [`crate::WindowPlan::assign`]).
pub fn from_footprints(
    granules: &[FootprintGranule],
    windows: Vec<Window>,
    region_moc: &Moc,
    query: Query,
    spec: &BuildSpec,
) -> Result<ShardMap, Error> {
    spec.validate()?;
    let region = match &spec.grid {
        None => Sharding::Healpix(region_moc.degrade(spec.test_order())?),
        Some(g) => Sharding::Tiles(tiles::region_tiles(
            &tiles::grid_of(g)?,
            region_moc,
            spec.match_order,
        )?),
    };
    let per: Vec<Vec<u64>> = granules
        .par_iter()
        .map(|g| {
            let shards = match &region {
                Sharding::Healpix(region) => footprint_shards(&g.footprint, region, spec),
                Sharding::Tiles(t) => {
                    tiles::footprint_tiles(&g.footprint, t, spec.match_order, spec.buffer_km)
                }
            };
            shards.map_err(|e| Error::Granule {
                granule: g.granule.id.clone(),
                reason: e.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    let pairs = granules.iter().map(|g| &g.granule).zip(per);
    Ok(assemble(pairs, query, windows, spec))
}

/// What footprints are intersected with: the region at the test order
/// (HEALPix), or the tiles meeting it with their covers.
enum Sharding {
    Healpix(Moc),
    Tiles(Vec<(u64, Moc)>),
}

/// Assembles `(granule, its shard words)` pairs into a sorted map with
/// these windows (the granules' [`GranuleRef::window`] index them).
pub fn assemble<'a>(
    pairs: impl IntoIterator<Item = (&'a GranuleRef, Vec<u64>)>,
    query: Query,
    windows: Vec<Window>,
    spec: &BuildSpec,
) -> ShardMap {
    let mut shards: BTreeMap<u64, Vec<GranuleRef>> = BTreeMap::new();
    for (g, words) in pairs {
        for w in words {
            shards.entry(w).or_default().push(g.clone());
        }
    }
    let (parent_order, child_order) = match spec.grid {
        None => (spec.parent_order, spec.child_order),
        Some(_) => (0, 0),
    };
    let mut map = ShardMap {
        query,
        windows,
        parent_order,
        child_order,
        rectilinear: spec.grid,
        shards,
    };
    map.normalize();
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::granule::{BBox, GranuleUrls};

    fn listed(region: &Moc, rule: RegionRule, point: (f64, f64)) -> (Vec<u64>, Vec<u64>) {
        let spec = BuildSpec {
            match_order: 14,
            buffer_km: 0.0,
            rule,
            ..BuildSpec::default()
        };
        let granule = FootprintGranule {
            granule: GranuleRef {
                id: "g".into(),
                urls: GranuleUrls {
                    file: Some("g.h5".into()),
                    ..GranuleUrls::default()
                },
                bbox: BBox {
                    west: point.1,
                    south: point.0,
                    east: point.1,
                    north: point.0,
                },
                time_start: None,
                time_end: None,
                concept_id: None,
                window: 0,
            },
            footprint: Footprint::Points(vec![point]),
        };
        let query = spec
            .query("test", &Region::new("r", vec![]), region)
            .unwrap();
        let map = from_footprints(&[granule], vec![Window::all()], region, query, &spec).unwrap();
        let points = point_shards(&[point.0], &[point.1], region, &spec).unwrap();
        (map.shards.keys().copied().collect(), points)
    }

    /// With a match order finer than the child order, a footprint and a
    /// region meeting in one child cell but in different match-order cells
    /// still list the shard (the observation there counts); a region cell
    /// elsewhere in the shard lists it only for `all_observations`.
    #[test]
    fn both_rules_hold_at_a_match_order_finer_than_the_child_order() {
        let point = (-80.0, 120.0);
        let b = morton::geo_to_nested(point.0, point.1, 14).unwrap();
        let shard = morton::encode(6, b >> 16).unwrap();
        let sibling = Moc::from_cells(14, [b ^ 1]).unwrap();
        let far = Moc::from_cells(14, [(b ^ (1 << 10)) & !0xF]).unwrap();
        assert_eq!(far.words(6).unwrap(), vec![shard]);
        for rule in [RegionRule::ChildCells, RegionRule::AllObservations] {
            assert_eq!(listed(&sibling, rule, point), (vec![shard], vec![shard]));
        }
        assert_eq!(
            listed(&far, RegionRule::ChildCells, point),
            (vec![], vec![])
        );
        assert_eq!(
            listed(&far, RegionRule::AllObservations, point),
            (vec![shard], vec![shard])
        );
    }
}
