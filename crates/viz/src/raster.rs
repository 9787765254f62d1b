//! Cells → pixels. Each cell's true boundary ([`cell_ring`]) is projected
//! and filled (pixels whose centres fall inside). A cell smaller than
//! `min_px` pixels across is drawn as a `min_px` square on its centre so a
//! track of fine cells on a continental map stays visible. A pixel reached
//! by several cells shows their mean.

use crate::canvas::{Canvas, Rect, scan_polygon};
use crate::cell::cell_ring;
use crate::cmap::ColorScale;
use crate::error::VizError;
use crate::view::View;

/// Per-pixel sums of the values of the cells covering each pixel.
#[derive(Debug, Clone)]
pub struct Raster {
    width: usize,
    sum: Vec<f64>,
    count: Vec<u32>,
}

impl Raster {
    /// An empty raster the size of a canvas.
    pub fn new(width: u32, height: u32) -> Raster {
        let n = width as usize * height as usize;
        Raster {
            width: width as usize,
            sum: vec![0.0; n],
            count: vec![0; n],
        }
    }

    fn add(&mut self, x: i64, y: i64, v: f64) {
        let i = y as usize * self.width + x as usize;
        self.sum[i] += v;
        self.count[i] += 1;
    }

    /// The mean value at a pixel, if any cell covers it.
    pub fn value(&self, x: u32, y: u32) -> Option<f64> {
        if x as usize >= self.width {
            return None;
        }
        let i = y as usize * self.width + x as usize;
        (self.count.get(i).copied().unwrap_or(0) > 0)
            .then(|| self.sum[i] / f64::from(self.count[i]))
    }

    /// Number of pixels covered.
    pub fn covered(&self) -> usize {
        self.count.iter().filter(|&&c| c > 0).count()
    }

    /// Adds the cells (`words`, `values`; non-finite values skipped) seen
    /// through `view`. Returns how many cells reached the panel.
    pub fn add_cells(
        &mut self,
        view: &View,
        words: &[u64],
        values: &[f64],
        min_px: f64,
    ) -> Result<usize, VizError> {
        let clip = view.panel;
        let mut drawn = 0;
        for (&w, &v) in words.iter().zip(values) {
            if !v.is_finite() {
                continue;
            }
            let Some(ring) = project_cell(view, w)? else {
                continue;
            };
            if add_ring(self, &ring, clip, v, min_px) {
                drawn += 1;
            }
        }
        Ok(drawn)
    }

    /// Adds one cell, its outline `ring` in pixels (clipped to `clip`;
    /// smaller than `min_px` across: a `min_px` square on its centre);
    /// false when it is outside `clip`.
    pub fn add_ring(&mut self, ring: &[(f64, f64)], clip: Rect, v: f64, min_px: f64) -> bool {
        add_ring(self, ring, clip, v, min_px)
    }

    /// Paints every covered pixel with its mean value's colour.
    pub fn paint(&self, canvas: &mut Canvas, scale: &ColorScale) {
        for (i, (&s, &n)) in self.sum.iter().zip(&self.count).enumerate() {
            if n > 0 {
                let [r, g, b] = scale.color(s / f64::from(n));
                canvas.set(
                    (i % self.width) as i64,
                    (i / self.width) as i64,
                    [r, g, b, 255],
                );
            }
        }
    }
}

/// The cell's boundary in pixels, or `None` when it lies (partly) in the
/// other hemisphere, where the projection cannot show it.
pub fn project_cell(view: &View, word: u64) -> Result<Option<Vec<(f64, f64)>>, VizError> {
    let sign = view.proj.hemisphere().sign();
    let ring = cell_ring(word)?;
    if ring.iter().any(|p| p.0 * sign < 0.0) {
        return Ok(None);
    }
    Ok(Some(
        ring.iter()
            .map(|&(lat, lon)| view.geo_to_px(lat, lon))
            .collect(),
    ))
}

/// Adds one projected cell; false when it is outside `clip`.
fn add_ring(r: &mut Raster, ring: &[(f64, f64)], clip: Rect, v: f64, min_px: f64) -> bool {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in ring {
        x0 = x0.min(p.0);
        y0 = y0.min(p.1);
        x1 = x1.max(p.0);
        y1 = y1.max(p.1);
    }
    if x1 < clip.x0 || x0 > clip.x1 || y1 < clip.y0 || y0 > clip.y1 {
        return false;
    }
    let (cx, cy) = (f64::midpoint(x0, x1), f64::midpoint(y0, y1));
    if (x1 - x0).max(y1 - y0) < min_px {
        let h = min_px / 2.0;
        let square = [
            (cx - h, cy - h),
            (cx + h, cy - h),
            (cx + h, cy + h),
            (cx - h, cy + h),
        ];
        scan_polygon(&[square.to_vec()], clip, |x, y| r.add(x, y, v));
    } else {
        // A cell a few pixels across may hold no pixel centre, or miss the
        // pixel under its own centre: that pixel is always the cell's.
        let (ix, iy) = (cx.floor() as i64, cy.floor() as i64);
        let mut centre_done = false;
        scan_polygon(&[ring.to_vec()], clip, |x, y| {
            centre_done |= (x, y) == (ix, iy);
            r.add(x, y, v);
        });
        if !centre_done && clip.contains(ix as f64 + 0.5, iy as f64 + 0.5) {
            r.add(ix, iy, v);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proj::PolarStereo;
    use crate::view::BoxM;
    use magg_morton as morton;

    fn view_around(lat: f64, lon: f64, half_m: f64, px: f64) -> View {
        let p = PolarStereo::antarctic();
        let (x, y) = p.forward(lat, lon);
        View::fit(
            p,
            BoxM {
                x0: x - half_m,
                y0: y - half_m,
                x1: x + half_m,
                y1: y + half_m,
            },
            Rect {
                x0: 0.0,
                y0: 0.0,
                x1: px,
                y1: px,
            },
        )
    }

    #[test]
    fn children_tile_their_parent_without_gaps_or_overlaps() {
        // 64 order-9 children of an order-6 cell, drawn at ~0.5 km/px:
        // every pixel inside the parent is covered exactly once.
        let parent = morton::geo_to_morton(-75.0, 70.0, 6).unwrap();
        let kids = morton::children(parent, 9).unwrap();
        let (lat, lon) = morton::center(parent).unwrap();
        let v = view_around(lat, lon, 70_000.0, 280.0);
        let mut r = Raster::new(280, 280);
        let vals: Vec<f64> = (0..kids.len()).map(|i| i as f64).collect();
        assert_eq!(r.add_cells(&v, &kids, &vals, 0.0).unwrap(), 64);
        assert!(r.count.iter().all(|&c| c <= 1), "overlapping fill");
        let mut whole = Raster::new(280, 280);
        whole.add_cells(&v, &[parent], &[1.0], 0.0).unwrap();
        let diff = (r.covered() as i64 - whole.covered() as i64).abs();
        assert!(
            diff <= (whole.covered() / 200) as i64,
            "{} vs {}",
            r.covered(),
            whole.covered()
        );
    }

    #[test]
    fn tiny_cells_get_a_minimum_footprint_and_the_other_hemisphere_is_skipped() {
        let w = morton::geo_to_morton(-75.0, 70.0, 12).unwrap();
        let v = view_around(-75.0, 70.0, 500_000.0, 200.0); // 5 km/px
        let mut r = Raster::new(200, 200);
        r.add_cells(&v, &[w], &[3.0], 0.0).unwrap();
        assert!(r.covered() <= 1);
        let mut r = Raster::new(200, 200);
        r.add_cells(&v, &[w], &[3.0], 2.0).unwrap();
        assert!((2..=9).contains(&r.covered()), "{}", r.covered());
        assert_eq!(r.value(100, 100), Some(3.0));
        let north = morton::geo_to_morton(75.0, 70.0, 12).unwrap();
        assert!(project_cell(&v, north).unwrap().is_none());
    }
}
