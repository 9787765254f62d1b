//! Regions: polygons with holes, and their exact cell cover.
//!
//! The cover of a polygon at an order is every cell whose area meets the
//! polygon (boundary included, so a cell touching it at one point counts,
//! the same tie rule as mortie and mocpy). Edges are great-circle arcs in
//! the kernel (authalic) frame: vertex latitudes are converted before the
//! HEALPix library sees them, because cells are hashed in that frame.
//!
//! The heavy lifting is cdshealpix's exact polygon coverage
//! (`custom_polygon_coverage` with `exact_solution = true`, the same call
//! mocpy's `MOC.from_polygon` makes), told explicitly whether the south
//! pole is inside (see [`Ring::south_pole_inside`]) so its own heuristic
//! never decides.

use cdshealpix::nested::bmoc::BMOC;
use cdshealpix::nested::custom_polygon_coverage;
use cdshealpix::sph_geom::ContainsSouthPoleMethod;

use crate::error::Error;
use crate::moc::Moc;
use crate::ring::Ring;

/// One polygon: an outer ring and any number of holes.
#[derive(Debug, Clone)]
pub struct Polygon {
    /// The outer boundary.
    pub outer: Ring,
    /// Holes carved out of it.
    pub holes: Vec<Ring>,
}

impl Polygon {
    /// A polygon with no holes.
    pub fn new(outer: Ring) -> Polygon {
        Polygon {
            outer,
            holes: Vec::new(),
        }
    }

    /// Cells meeting the polygon: the outer cover minus the cells lying
    /// entirely inside a hole.
    pub fn cover(&self, order: u8) -> Result<Moc, Error> {
        let mut moc = Moc::from_bmoc(&ring_bmoc(&self.outer, order)?);
        for hole in &self.holes {
            let inside = Moc::from_bmoc_full(&ring_bmoc(hole, order)?);
            moc = moc.difference(&inside);
        }
        Ok(moc)
    }

    /// Area of the polygon, steradians on the unit authalic sphere.
    pub fn area(&self) -> Result<f64, Error> {
        let mut a = self.outer.interior_area()?;
        for h in &self.holes {
            a -= h.interior_area()?;
        }
        Ok(a)
    }
}

/// A named region: the union of polygons (e.g. a GeoJSON MultiPolygon or a
/// FeatureCollection of them).
#[derive(Debug, Clone)]
pub struct Region {
    /// The region's name (for catalogs and messages).
    pub name: String,
    /// Its polygons.
    pub polygons: Vec<Polygon>,
}

impl Region {
    /// A region from polygons.
    pub fn new(name: impl Into<String>, polygons: Vec<Polygon>) -> Region {
        Region {
            name: name.into(),
            polygons,
        }
    }

    /// Every cell of `order` whose area meets the region, as a MOC.
    pub fn cover(&self, order: u8) -> Result<Moc, Error> {
        let mut moc = Moc::new();
        for p in &self.polygons {
            moc = moc.union(&p.cover(order)?);
        }
        Ok(moc)
    }

    /// Area of the region (sum over its polygons), km² on the authalic
    /// sphere (equal to the WGS84 ellipsoid's area).
    pub fn area_km2(&self) -> Result<f64, Error> {
        let mut sr = 0.0;
        for p in &self.polygons {
            sr += p.area()?;
        }
        Ok(sr * AUTHALIC_RADIUS_KM * AUTHALIC_RADIUS_KM)
    }
}

/// Radius of the WGS84 authalic sphere, km.
pub const AUTHALIC_RADIUS_KM: f64 = 6_371.007_180_918_475;

/// cdshealpix's exact cover of one ring's interior, with the pole decided
/// by the ring's own [`Interior`](crate::Interior) rule.
pub(crate) fn ring_bmoc(ring: &Ring, order: u8) -> Result<BMOC, Error> {
    if order > magg_morton::MAX_ORDER {
        return Err(Error::Order(order));
    }
    let method = if ring.south_pole_inside()? {
        ContainsSouthPoleMethod::ContainsSouthPole
    } else {
        ContainsSouthPoleMethod::DoNotContainsSouthPole
    };
    Ok(custom_polygon_coverage(
        order,
        &ring.lonlat_rad(),
        &method,
        true,
    ))
}
