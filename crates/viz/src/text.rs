//! Text on a [`Canvas`], with the bundled Go Regular font (Bigelow & Holmes,
//! BSD-3-Clause; `fonts/Go-LICENSE.txt`), rasterized by `ab_glyph`: no
//! system fonts, no C libraries.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use crate::canvas::{Canvas, Rgba};

static FONT_BYTES: &[u8] = include_bytes!("../fonts/Go-Regular.ttf");

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(FONT_BYTES).expect("the bundled Go-Regular.ttf parses")
    })
}

/// Where a text's anchor point sits on the text box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    /// 0 = left edge, 0.5 = centre, 1 = right edge.
    pub h: f64,
    /// Vertical reference.
    pub v: VAlign,
}

/// Vertical text reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    /// The top of the tallest letters (ascent).
    Top,
    /// Half-way between baseline and cap height.
    Middle,
    /// The baseline.
    Baseline,
    /// The lowest descender.
    Bottom,
}

impl Anchor {
    /// Left edge, baseline.
    pub const LEFT: Anchor = Anchor {
        h: 0.0,
        v: VAlign::Baseline,
    };
    /// Centre, baseline.
    pub const CENTER: Anchor = Anchor {
        h: 0.5,
        v: VAlign::Baseline,
    };
    /// Right edge, baseline.
    pub const RIGHT: Anchor = Anchor {
        h: 1.0,
        v: VAlign::Baseline,
    };

    /// Same horizontal anchor, another vertical one.
    #[must_use]
    pub fn with_v(self, v: VAlign) -> Anchor {
        Anchor { v, ..self }
    }
}

/// Width of `s` at `size` pixels (advances and kerning).
pub fn text_width(s: &str, size: f64) -> f64 {
    let f = font().as_scaled(PxScale::from(size as f32));
    let mut w = 0.0f32;
    let mut prev = None;
    for c in s.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    f64::from(w)
}

/// Whether the bundled font has a glyph for every character of `s`.
pub fn has_glyphs(s: &str) -> bool {
    s.chars().all(|c| c == ' ' || font().glyph_id(c).0 != 0)
}

impl Canvas {
    /// Draws `s` with its `anchor` at `at` (pixels), `size` pixels tall
    /// (the em).
    pub fn text(&mut self, s: &str, at: (f64, f64), size: f64, color: Rgba, anchor: Anchor) {
        let scale = PxScale::from(size as f32);
        let f = font().as_scaled(scale);
        let cap = f64::from(f.ascent()) * 0.72;
        let dy = match anchor.v {
            VAlign::Top => f64::from(f.ascent()),
            VAlign::Middle => cap / 2.0,
            VAlign::Baseline => 0.0,
            VAlign::Bottom => f64::from(f.descent()),
        };
        let x0 = at.0 - anchor.h * text_width(s, size);
        let baseline = at.1 + dy;
        let mut x = x0 as f32;
        let mut prev = None;
        for c in s.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                x += f.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(x, baseline as f32));
            x += f.h_advance(id);
            prev = Some(id);
            let Some(outline) = font().outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cover| {
                self.blend(
                    i64::from(gx as i32 + b.min.x as i32),
                    i64::from(gy as i32 + b.min.y as i32),
                    color,
                    f64::from(cover),
                );
            });
        }
    }

    /// Like [`Canvas::text`], over a halo of `halo` colour so it stays
    /// readable on top of the map.
    pub fn text_with_halo(
        &mut self,
        s: &str,
        at: (f64, f64),
        size: f64,
        color: Rgba,
        halo: Rgba,
        anchor: Anchor,
    ) {
        for (dx, dy) in [
            (-1.0, -1.0),
            (0.0, -1.0),
            (1.0, -1.0),
            (-1.0, 0.0),
            (1.0, 0.0),
            (-1.0, 1.0),
            (0.0, 1.0),
            (1.0, 1.0),
        ] {
            self.text(s, (at.0 + dx, at.1 + dy), size, halo, anchor);
        }
        self.text(s, at, size, color, anchor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::{BLACK, WHITE};

    #[test]
    fn font_has_the_symbols_maps_use() {
        assert!(has_glyphs("h_mean (m) 71°S 45°W m² µs − · ± ≈ ×"));
    }

    #[test]
    fn text_is_drawn_where_anchored() {
        let mut c = Canvas::new(200, 40, WHITE);
        c.text("Hello", (100.0, 20.0), 16.0, BLACK, Anchor::CENTER);
        let w = text_width("Hello", 16.0);
        assert!(w > 25.0 && w < 60.0, "{w}");
        let inked: Vec<u32> = (0..200)
            .filter(|&x| (0..40).any(|y| c.pixel(x, y) != Some(WHITE)))
            .collect();
        let (lo, hi) = (inked[0], *inked.last().unwrap());
        assert!(f64::from(lo) >= 100.0 - w / 2.0 - 2.0 && f64::from(hi) <= 100.0 + w / 2.0 + 2.0);
        assert!((0..40).all(|y| (0..200).all(|x| y <= 21 || c.pixel(x, y) == Some(WHITE))));
    }
}
