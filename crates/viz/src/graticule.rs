//! Parallels and meridians, with labels where they leave the map panel.
//! Spacing adapts to the window (1°…10° of latitude, 1°…45° of longitude);
//! meridians stop at the last parallel before the pole so they do not
//! crowd it.

use crate::canvas::{Canvas, Rect, Rgba};
use crate::text::{Anchor, VAlign, text_width};
use crate::view::View;

const LINE: Rgba = [90, 90, 90, 110];
const LABEL: Rgba = [60, 60, 60, 255];
const LABEL_SIZE: f64 = 12.0;

/// The latitude range (hemisphere-signed: `lo` toward the equator) and
/// longitude span the panel shows, by sampling its border.
fn visible_ranges(view: &View) -> (f64, f64, f64, bool) {
    let p = view.panel;
    let s = view.proj.hemisphere().sign();
    let n = 64;
    let mut border = Vec::with_capacity(4 * n);
    for i in 0..n {
        let f = i as f64 / n as f64;
        border.push((p.x0 + f * p.width(), p.y0));
        border.push((p.x1, p.y0 + f * p.height()));
        border.push((p.x1 - f * p.width(), p.y1));
        border.push((p.x0, p.y1 - f * p.height()));
    }
    let (x, y) = view.proj.forward(s * 90.0, 0.0);
    let (px, py) = view.to_px(x, y);
    let pole_in = p.contains(px, py);
    let (mut lo, mut hi) = (90.0f64, 0.0f64);
    let (_, lon_c) = view.px_to_geo(f64::midpoint(p.x0, p.x1), f64::midpoint(p.y0, p.y1));
    let mut dl_max = 0.0f64;
    for (bx, by) in border {
        let (lat, lon) = view.px_to_geo(bx, by);
        lo = lo.min(lat * s);
        hi = hi.max(lat * s);
        let dl = ((lon - lon_c + 540.0).rem_euclid(360.0) - 180.0).abs();
        dl_max = dl_max.max(dl);
    }
    if pole_in {
        hi = 90.0;
        dl_max = 180.0;
    }
    (lo, hi, dl_max * 2.0, pole_in)
}

fn pick(span: f64, steps: &[f64], max_lines: f64) -> f64 {
    steps
        .iter()
        .copied()
        .find(|s| span / s <= max_lines)
        .unwrap_or(*steps.last().unwrap_or(&10.0))
}

/// A degree label: `70°S`, `45°W`, `0°`, `180°`.
pub fn degree_label(v: f64, is_lat: bool) -> String {
    let v = if is_lat {
        v
    } else {
        (v + 540.0).rem_euclid(360.0) - 180.0
    };
    let a = v.abs();
    let num = if (a - a.round()).abs() < 1e-9 {
        format!("{a:.0}")
    } else {
        format!("{a:.1}")
    };
    if a < 1e-9 || (!is_lat && (a - 180.0).abs() < 1e-9) {
        return format!("{num}°");
    }
    let hemi = match (is_lat, v < 0.0) {
        (true, true) => 'S',
        (true, false) => 'N',
        (false, true) => 'W',
        (false, false) => 'E',
    };
    format!("{num}°{hemi}")
}

/// A label waiting for a place on the panel border.
struct Pending {
    text: String,
    at: (f64, f64),
    edge: Edge,
}

#[derive(Clone, Copy, PartialEq)]
enum Edge {
    Top,
    Bottom,
    Left,
    Right,
}

/// Graticule labels, drawn after the data ([`Labels::draw`]).
pub(crate) struct Labels {
    /// Border labels, most wanted first.
    border: Vec<Pending>,
    /// Parallels entirely inside the panel, labelled along one meridian:
    /// for each candidate meridian, the labels and their positions.
    inline: Vec<Vec<(String, (f64, f64))>>,
}

/// Draws the graticule lines (clipped to the panel) and returns their
/// labels: outside the panel where lines cross its border (skipping any that
/// would overlap another), and inside for parallels that never reach it.
pub(crate) fn draw(canvas: &mut Canvas, view: &View) -> Labels {
    let s = view.proj.hemisphere().sign();
    let (lo, hi, lon_span, _) = visible_ranges(view);
    let lat_step = pick(hi - lo, &[0.5, 1.0, 2.0, 5.0, 10.0], 7.0);
    let lon_step = pick(lon_span, &[1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 45.0], 12.0);
    let clip = view.panel;
    let mut first: Vec<Pending> = Vec::new();
    let mut second: Vec<Pending> = Vec::new();
    let mut inside: Vec<f64> = Vec::new();
    // Parallels.
    let mut lat = (lo / lat_step).ceil() * lat_step;
    let mut last_parallel = lo;
    while lat < hi.min(89.9) {
        let pts: Vec<(f64, f64)> = (0..=720)
            .map(|i| view.geo_to_px(s * lat, -180.0 + f64::from(i) * 0.5))
            .collect();
        canvas.polyline(&pts, 1.0, LINE, clip);
        let cross = crossings(&pts, clip);
        if cross.is_empty() {
            inside.push(lat);
        }
        for (at, edge) in cross {
            let p = Pending {
                text: degree_label(s * lat, true),
                at,
                edge,
            };
            if matches!(edge, Edge::Left | Edge::Right) {
                first.push(p);
            } else {
                second.push(p);
            }
        }
        last_parallel = lat;
        lat += lat_step;
    }
    // Meridians, from beyond the equator-side border to the last parallel.
    let stop = last_parallel.max(lo);
    let start = (lo - lat_step).max(0.0);
    let n = (360.0 / lon_step).round() as i32;
    for i in 0..n {
        let lon = -180.0 + f64::from(i) * lon_step;
        let steps = ((stop - start) / 0.25).ceil().max(1.0) as i32;
        let pts: Vec<(f64, f64)> = (0..=steps)
            .map(|k| {
                let l = start + (stop - start) * f64::from(k) / f64::from(steps);
                view.geo_to_px(s * l, lon)
            })
            .collect();
        canvas.polyline(&pts, 1.0, LINE, clip);
        for (at, edge) in crossings(&pts, clip) {
            let p = Pending {
                text: degree_label(lon, false),
                at,
                edge,
            };
            if matches!(edge, Edge::Top | Edge::Bottom) {
                first.push(p);
            } else {
                second.push(p);
            }
        }
    }
    // Inline labels along a meridian half-way between two drawn ones; the
    // one crossing the least data is picked when drawing.
    let inline = (0..n)
        .map(|i| {
            let lon = -180.0 + (f64::from(i) + 0.5) * lon_step;
            inside
                .iter()
                .map(|&lat| (degree_label(s * lat, true), view.geo_to_px(s * lat, lon)))
                .filter(|(_, p)| clip.contains(p.0, p.1))
                .collect::<Vec<_>>()
        })
        .filter(|v| v.len() == inside.len())
        .collect();
    first.extend(second);
    Labels {
        border: first,
        inline,
    }
}

impl Labels {
    /// Draws the labels; inline ones along the candidate meridian whose
    /// label boxes cover the fewest pixels for which `busy` is true.
    pub(crate) fn draw(self, canvas: &mut Canvas, busy: impl Fn(i64, i64) -> bool) {
        let mut placed: Vec<Rect> = Vec::new();
        for p in &self.border {
            place_label(canvas, p, &mut placed);
        }
        let cost = |labels: &[(String, (f64, f64))]| -> usize {
            let mut n = 0;
            for (text, at) in labels {
                let hw = text_width(text, LABEL_SIZE) / 2.0 + 2.0;
                let hh = LABEL_SIZE / 2.0 + 2.0;
                for y in (at.1 - hh) as i64..=(at.1 + hh) as i64 {
                    for x in (at.0 - hw) as i64..=(at.0 + hw) as i64 {
                        n += usize::from(busy(x, y));
                    }
                }
            }
            n
        };
        let best = self.inline.iter().min_by_key(|labels| cost(labels));
        for (text, at) in best.into_iter().flatten() {
            canvas.text_with_halo(
                text,
                *at,
                LABEL_SIZE,
                LABEL,
                [255, 255, 255, 200],
                Anchor::CENTER.with_v(VAlign::Middle),
            );
        }
    }
}

fn place_label(canvas: &mut Canvas, p: &Pending, placed: &mut Vec<Rect>) {
    let w = text_width(&p.text, LABEL_SIZE);
    let h = LABEL_SIZE;
    let gap = 4.0;
    let (x0, y0) = match p.edge {
        Edge::Top => (p.at.0 - w / 2.0, p.at.1 - gap - h),
        Edge::Bottom => (p.at.0 - w / 2.0, p.at.1 + gap),
        Edge::Left => (p.at.0 - gap - w, p.at.1 - h / 2.0),
        Edge::Right => (p.at.0 + gap, p.at.1 - h / 2.0),
    };
    let r = Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    };
    let pad = 6.0;
    let clash = placed
        .iter()
        .any(|q| r.x0 < q.x1 + pad && q.x0 < r.x1 + pad && r.y0 < q.y1 + pad && q.y0 < r.y1 + pad);
    let inside = r.x0 >= 0.0
        && r.y0 >= 0.0
        && r.x1 <= f64::from(canvas.width())
        && r.y1 <= f64::from(canvas.height());
    if clash || !inside {
        return;
    }
    canvas.text(
        &p.text,
        (x0, y0 + h / 2.0),
        LABEL_SIZE,
        LABEL,
        Anchor::LEFT.with_v(VAlign::Middle),
    );
    placed.push(r);
}

/// Where a polyline crosses the border of `r`, and which edge.
fn crossings(pts: &[(f64, f64)], r: Rect) -> Vec<((f64, f64), Edge)> {
    let mut out = Vec::new();
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (ia, ib) = (r.contains(a.0, a.1), r.contains(b.0, b.1));
        if ia == ib {
            continue;
        }
        // Bisect to the border crossing.
        let (mut lo, mut hi) = if ia { (a, b) } else { (b, a) };
        for _ in 0..40 {
            let m = (f64::midpoint(lo.0, hi.0), f64::midpoint(lo.1, hi.1));
            if r.contains(m.0, m.1) {
                lo = m;
            } else {
                hi = m;
            }
        }
        let p = lo;
        let d = [
            ((p.1 - r.y0).abs(), Edge::Top),
            ((p.1 - r.y1).abs(), Edge::Bottom),
            ((p.0 - r.x0).abs(), Edge::Left),
            ((p.0 - r.x1).abs(), Edge::Right),
        ];
        let edge = d
            .iter()
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map_or(Edge::Top, |x| x.1);
        out.push((p, edge));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_maps() {
        assert_eq!(degree_label(-70.0, true), "70°S");
        assert_eq!(degree_label(72.5, true), "72.5°N");
        assert_eq!(degree_label(-45.0, false), "45°W");
        assert_eq!(degree_label(180.0, false), "180°");
        assert_eq!(degree_label(-180.0, false), "180°");
        assert_eq!(degree_label(0.0, false), "0°");
        assert_eq!(degree_label(270.0, false), "90°W");
    }

    #[test]
    fn crossings_find_edges() {
        let r = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let c = crossings(
            &[
                (5.0, 5.0),
                (5.0, 15.0),
                (-5.0, 15.0),
                (-5.0, 5.0),
                (5.0, 5.0),
            ],
            r,
        );
        assert_eq!(c.len(), 2);
        assert!(c[0].1 == Edge::Bottom && (c[0].0.1 - 10.0).abs() < 1e-6);
        assert!(c[1].1 == Edge::Left);
    }
}
