//! Building a shard map: region cells ∩ footprint cells, per granule.
//!
//! A shard is listed for a granule only when some cell of the *match
//! order* (default: the child order) inside that shard is touched both by
//! the region and by the granule's footprint (buffered by `buffer_km`),
//! or, for local files, holds one of the granule's points. Intersecting at
//! the match order rather than the shard order keeps shards out where the
//! region and the footprint touch the same shard but not each other.

use std::collections::BTreeMap;

use magg_coverage::{Footprint, Moc, Region};
use magg_morton as morton;
use rayon::prelude::*;

use crate::error::Error;
use crate::granule::GranuleRef;
use crate::shardmap::{Query, RegionInfo, ShardMap};

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
}

impl Default for BuildSpec {
    fn default() -> BuildSpec {
        BuildSpec {
            parent_order: 6,
            child_order: 12,
            match_order: 12,
            buffer_km: DEFAULT_BUFFER_KM,
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
        Ok(())
    }

    /// The region's cover at the match order.
    pub fn region_moc(&self, region: &Region) -> Result<Moc, Error> {
        Ok(region.cover(self.match_order)?)
    }

    /// A [`Query`] skeleton describing the region and this spec.
    pub fn query(&self, source: &str, region: &Region, region_moc: &Moc) -> Result<Query, Error> {
        Ok(Query {
            source: source.to_string(),
            short_name: None,
            version: None,
            cycle: None,
            temporal: None,
            cmr_url: None,
            region: RegionInfo {
                name: region.name.clone(),
                moc_order: self.match_order,
                moc: region_moc.to_words()?,
            },
            match_order: self.match_order,
            buffer_km: self.buffer_km,
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

/// Shard words (parent order) where the buffered footprint meets the region.
pub fn footprint_shards(
    fp: &Footprint,
    region_moc: &Moc,
    spec: &BuildSpec,
) -> Result<Vec<u64>, Error> {
    let cover = fp.cover(spec.match_order, spec.buffer_km)?;
    Ok(cover.intersection(region_moc).words(spec.parent_order)?)
}

/// Shard words (parent order) holding at least one point whose
/// match-order cell the region touches.
pub fn point_shards(
    lats: &[f64],
    lons: &[f64],
    region_moc: &Moc,
    spec: &BuildSpec,
) -> Result<Vec<u64>, Error> {
    let mut cells = vec![0u64; lats.len()];
    morton::geo_to_nested_batch(lats, lons, spec.match_order, &mut cells)
        .map_err(|e| Error::Parameter(format!("point {}: {}", e.index, e.error)))?;
    cells.sort_unstable();
    cells.dedup();
    let shift = 2 * u32::from(spec.match_order - spec.parent_order);
    let mut shards: Vec<u64> = cells
        .into_iter()
        .filter(|&c| region_moc.touches(spec.match_order, c))
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

/// Builds a shard map from catalog footprints (in parallel).
pub fn from_footprints(
    granules: &[FootprintGranule],
    region_moc: &Moc,
    query: Query,
    spec: &BuildSpec,
) -> Result<ShardMap, Error> {
    spec.validate()?;
    let per: Vec<Vec<u64>> = granules
        .par_iter()
        .map(|g| {
            footprint_shards(&g.footprint, region_moc, spec).map_err(|e| Error::Granule {
                granule: g.granule.id.clone(),
                reason: e.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    let pairs = granules.iter().map(|g| &g.granule).zip(per);
    Ok(assemble(pairs, query, spec))
}

/// Assembles `(granule, its shard words)` pairs into a sorted map.
pub fn assemble<'a>(
    pairs: impl IntoIterator<Item = (&'a GranuleRef, Vec<u64>)>,
    query: Query,
    spec: &BuildSpec,
) -> ShardMap {
    let mut shards: BTreeMap<u64, Vec<GranuleRef>> = BTreeMap::new();
    for (g, words) in pairs {
        for w in words {
            shards.entry(w).or_default().push(g.clone());
        }
    }
    let mut map = ShardMap {
        query,
        parent_order: spec.parent_order,
        child_order: spec.child_order,
        shards,
    };
    map.normalize();
    map
}
