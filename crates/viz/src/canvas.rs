//! An RGBA pixel buffer with the few drawing primitives maps need:
//! even-odd polygon fill sampled at pixel centres (cells tile without seams
//! or overlaps), anti-aliased lines, rectangles, and PNG output.

use std::path::Path;

use crate::error::VizError;

/// An sRGB colour with alpha.
pub type Rgba = [u8; 4];

/// Opaque white.
pub const WHITE: Rgba = [255, 255, 255, 255];
/// Opaque black.
pub const BLACK: Rgba = [0, 0, 0, 255];

/// A pixel rectangle `[x0, x1) × [y0, y1)` (pixel edges, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// Width in pixels.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height in pixels.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// Whether a point lies inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// An RGBA image.
#[derive(Debug, Clone)]
pub struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<Rgba>,
}

impl Canvas {
    /// A canvas filled with `background`.
    pub fn new(width: u32, height: u32, background: Rgba) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![background; width as usize * height as usize],
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The whole canvas as a rectangle.
    pub fn bounds(&self) -> Rect {
        Rect {
            x0: 0.0,
            y0: 0.0,
            x1: f64::from(self.width),
            y1: f64::from(self.height),
        }
    }

    /// The pixel at (x, y), if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgba> {
        (x < self.width && y < self.height)
            .then(|| self.pixels[y as usize * self.width as usize + x as usize])
    }

    /// Sets a pixel (ignored outside).
    pub fn set(&mut self, x: i64, y: i64, c: Rgba) {
        if let Some(i) = self.index(x, y) {
            self.pixels[i] = c;
        }
    }

    /// Composites `c` over the pixel with extra coverage `alpha` in 0..=1.
    pub fn blend(&mut self, x: i64, y: i64, c: Rgba, alpha: f64) {
        let Some(i) = self.index(x, y) else { return };
        let a = (f64::from(c[3]) / 255.0 * alpha).clamp(0.0, 1.0);
        if a <= 0.0 {
            return;
        }
        let dst = &mut self.pixels[i];
        let da = f64::from(dst[3]) / 255.0;
        let out_a = a + da * (1.0 - a);
        for k in 0..3 {
            let v = (f64::from(c[k]) * a + f64::from(dst[k]) * da * (1.0 - a)) / out_a;
            dst[k] = v.round() as u8;
        }
        dst[3] = (out_a * 255.0).round() as u8;
    }

    fn index(&self, x: i64, y: i64) -> Option<usize> {
        (x >= 0 && y >= 0 && x < i64::from(self.width) && y < i64::from(self.height))
            .then(|| y as usize * self.width as usize + x as usize)
    }

    /// Fills a rectangle (pixels whose centres are inside).
    pub fn fill_rect(&mut self, r: Rect, c: Rgba) {
        let xs = (r.x0 - 0.5).ceil().max(0.0) as i64..(r.x1 - 0.5).ceil() as i64;
        for y in (r.y0 - 0.5).ceil().max(0.0) as i64..(r.y1 - 0.5).ceil() as i64 {
            for x in xs.clone() {
                self.blend(x, y, c, 1.0);
            }
        }
    }

    /// Outlines a rectangle with a 1-pixel line along its edges.
    pub fn stroke_rect(&mut self, r: Rect, c: Rgba) {
        let (x0, y0) = (r.x0.round() as i64, r.y0.round() as i64);
        let (x1, y1) = (r.x1.round() as i64 - 1, r.y1.round() as i64 - 1);
        for x in x0..=x1 {
            self.blend(x, y0, c, 1.0);
            self.blend(x, y1, c, 1.0);
        }
        for y in y0 + 1..y1 {
            self.blend(x0, y, c, 1.0);
            self.blend(x1, y, c, 1.0);
        }
    }

    /// Fills the even-odd interior of `rings` (pixel coordinates) within
    /// `clip` with `c`.
    pub fn fill_polygon(&mut self, rings: &[Vec<(f64, f64)>], clip: Rect, c: Rgba) {
        scan_polygon(rings, clip, |x, y| self.blend(x, y, c, 1.0));
    }

    /// Draws an anti-aliased line of `width` pixels, only inside `clip`.
    pub fn line(&mut self, a: (f64, f64), b: (f64, f64), width: f64, c: Rgba, clip: Rect) {
        let r = width / 2.0;
        let lo_x = (a.0.min(b.0) - r - 1.0).max(clip.x0).floor() as i64;
        let hi_x = (a.0.max(b.0) + r + 1.0).min(clip.x1).ceil() as i64;
        let lo_y = (a.1.min(b.1) - r - 1.0).max(clip.y0).floor() as i64;
        let hi_y = (a.1.max(b.1) + r + 1.0).min(clip.y1).ceil() as i64;
        for y in lo_y..hi_y {
            for x in lo_x..hi_x {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                if !clip.contains(px, py) {
                    continue;
                }
                let cover = (r + 0.5 - segment_distance((px, py), a, b)).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.blend(x, y, c, cover);
                }
            }
        }
    }

    /// Draws an open polyline (see [`Canvas::line`]).
    pub fn polyline(&mut self, points: &[(f64, f64)], width: f64, c: Rgba, clip: Rect) {
        for w in points.windows(2) {
            self.line(w[0], w[1], width, c, clip);
        }
    }

    /// The image as PNG bytes (RGBA, 8 bits per channel).
    pub fn to_png(&self) -> Result<Vec<u8>, VizError> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Best);
            let mut w = enc
                .write_header()
                .map_err(|e| VizError::Png(e.to_string()))?;
            let raw: Vec<u8> = self.pixels.iter().flatten().copied().collect();
            w.write_image_data(&raw)
                .map_err(|e| VizError::Png(e.to_string()))?;
        }
        Ok(out)
    }

    /// Writes the image as a PNG file.
    pub fn write_png(&self, path: &Path) -> Result<(), VizError> {
        let bytes = self.to_png()?;
        std::fs::write(path, bytes).map_err(|source| VizError::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Calls `visit(x, y)` for every pixel inside `clip` whose centre lies in
/// the even-odd interior of `rings` (pixel coordinates). Returns how many.
pub fn scan_polygon(
    rings: &[Vec<(f64, f64)>],
    clip: Rect,
    mut visit: impl FnMut(i64, i64),
) -> usize {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in rings.iter().flatten() {
        lo = lo.min(p.1);
        hi = hi.max(p.1);
    }
    let y_start = (lo.max(clip.y0) - 0.5).ceil() as i64;
    let y_end = (hi.min(clip.y1) - 0.5).ceil() as i64;
    let mut xs: Vec<f64> = Vec::new();
    let mut count = 0;
    for y in y_start..y_end {
        let cy = y as f64 + 0.5;
        xs.clear();
        for ring in rings {
            let n = ring.len();
            for i in 0..n {
                let (a, b) = (ring[i], ring[(i + 1) % n]);
                // Half-open rule: an edge counts when cy is in [min, max).
                if (a.1 <= cy) != (b.1 <= cy) {
                    xs.push(a.0 + (cy - a.1) / (b.1 - a.1) * (b.0 - a.0));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            let x0 = (pair[0].max(clip.x0) - 0.5).ceil() as i64;
            let x1 = (pair[1].min(clip.x1) - 0.5).ceil() as i64;
            for x in x0..x1 {
                visit(x, y);
                count += 1;
            }
        }
    }
    count
}

/// Distance from `p` to the segment `a`–`b`.
fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.0 - (a.0 + t * dx)).hypot(p.1 - (a.1 + t * dy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Vec<(f64, f64)> {
        vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)]
    }

    #[test]
    fn adjacent_polygons_tile_exactly() {
        let mut c = Canvas::new(20, 20, WHITE);
        let clip = c.bounds();
        let mut hits = vec![0u8; 400];
        for (x0, y0) in [(2.3, 2.3), (7.3, 2.3), (2.3, 7.3), (7.3, 7.3)] {
            scan_polygon(&[square(x0, y0, 5.0)], clip, |x, y| {
                hits[(y * 20 + x) as usize] += 1;
            });
        }
        assert!(hits.iter().all(|&h| h <= 1), "overlap");
        assert_eq!(hits.iter().map(|&h| usize::from(h)).sum::<usize>(), 100);
        c.fill_polygon(&[square(2.3, 2.3, 10.0)], clip, BLACK);
        assert_eq!(c.pixel(5, 5), Some(BLACK));
        assert_eq!(c.pixel(15, 15), Some(WHITE));
    }

    #[test]
    fn holes_and_clipping() {
        let clip = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let n = scan_polygon(
            &[square(-5.0, -5.0, 30.0), square(2.0, 2.0, 4.0)],
            clip,
            |x, y| assert!((0..10).contains(&x) && (0..10).contains(&y)),
        );
        assert_eq!(n, 100 - 16);
    }

    #[test]
    fn lines_cover_their_path_only() {
        let mut c = Canvas::new(30, 30, WHITE);
        let clip = c.bounds();
        c.line((2.0, 15.5), (28.0, 15.5), 1.0, BLACK, clip);
        assert_eq!(c.pixel(10, 15), Some(BLACK));
        assert_eq!(c.pixel(10, 12), Some(WHITE));
        let png = c.to_png().unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
