//! What makes a map readable besides the data: the colour bar (with its
//! label and units, and arrows when data run past the range), the scale bar,
//! and "nice" tick values.

use crate::canvas::{BLACK, Canvas, Rect, Rgba, WHITE};
use crate::cmap::ColorScale;
use crate::text::{Anchor, VAlign, text_width};
use crate::view::View;

/// 1-2-5 steps: the step whose tick count in `[lo, hi]` is nearest
/// `target`, and those ticks.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (f64, Vec<f64>) {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let raw = span / target.max(1) as f64;
    let ticks = |step: f64| -> Vec<f64> {
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    };
    let (a, b) = (nice_floor(raw), nice_step(raw));
    let (ta, tb) = (ticks(a), ticks(b));
    if ta.len().abs_diff(target) < tb.len().abs_diff(target) {
        (a, ta)
    } else {
        (b, tb)
    }
}

/// The 1-2-5 × 10^n value nearest above `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let n = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * mag
}

/// The 1-2-5 × 10^n value at or below `raw`.
pub(crate) fn nice_floor(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let n = if f >= 5.0 {
        5.0
    } else if f >= 2.0 {
        2.0
    } else {
        1.0
    };
    n * mag
}

/// `v` printed with as many decimals as `step` needs, with a real minus.
pub fn format_tick(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
    let s = format!("{v:.decimals$}");
    s.replacen('-', "\u{2212}", 1)
}

/// How a colour bar is annotated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BarStyle<'a> {
    /// Label above the bar, with units.
    pub(crate) label: &'a str,
    /// Draw the low arrow: data run below the range.
    pub extend_low: bool,
    /// Draw the high arrow: data run above the range.
    pub extend_high: bool,
    /// Values are integers: ticks at least 1 apart.
    pub integer: bool,
}

/// Draws a vertical colour bar in `bar` with its label above and tick
/// labels on the right, and arrow ends when data run past the range.
pub(crate) fn colour_bar(canvas: &mut Canvas, bar: Rect, scale: &ColorScale, style: &BarStyle<'_>) {
    let BarStyle {
        label,
        extend_low,
        extend_high,
        integer,
    } = *style;
    let h = bar.height();
    for row in 0..h.round() as i64 {
        let t = 1.0 - (row as f64 + 0.5) / h;
        let [r, g, b] = scale.cmap.at(t);
        let y = bar.y0 + row as f64;
        canvas.fill_rect(
            Rect {
                x0: bar.x0,
                y0: y,
                x1: bar.x1,
                y1: y + 1.0,
            },
            [r, g, b, 255],
        );
    }
    let tri = bar.width() * 0.9;
    let ends = [
        (extend_high, bar.y0, -tri, scale.cmap.at(1.0)),
        (extend_low, bar.y1, tri, scale.cmap.at(0.0)),
    ];
    for (on, base, dir, [r, g, b]) in ends {
        if on {
            let poly = vec![
                (bar.x0, base),
                (bar.x1, base),
                (f64::midpoint(bar.x0, bar.x1), base + dir),
            ];
            canvas.fill_polygon(std::slice::from_ref(&poly), canvas.bounds(), [r, g, b, 255]);
            let mut closed = poly;
            closed.push(closed[0]);
            canvas.polyline(&closed, 1.0, BLACK, canvas.bounds());
        }
    }
    canvas.stroke_rect(bar, BLACK);
    let (mut step, mut ticks) = nice_ticks(scale.vmin, scale.vmax, 6);
    if integer && step < 1.0 {
        step = 1.0;
        ticks = (scale.vmin.ceil() as i64..=scale.vmax.floor() as i64)
            .map(|i| i as f64)
            .collect();
    }
    for v in ticks {
        let y = bar.y1 - scale.fraction(v) * h;
        let clip = canvas.bounds();
        canvas.line((bar.x1, y), (bar.x1 + 5.0, y), 1.0, BLACK, clip);
        canvas.line((bar.x0, y), (bar.x0 + 3.0, y), 1.0, BLACK, clip);
        canvas.text(
            &format_tick(v, step),
            (bar.x1 + 8.0, y),
            13.0,
            BLACK,
            Anchor::LEFT.with_v(VAlign::Middle),
        );
    }
    let above = bar.y0 - if extend_high { tri } else { 0.0 } - 10.0;
    // Centred over the bar; wrapped onto two lines when too wide.
    let room = 2.0 * (f64::from(canvas.width()) - f64::midpoint(bar.x0, bar.x1)) - 8.0;
    let lines: Vec<String> = if text_width(label, 15.0) <= room {
        vec![label.to_string()]
    } else {
        wrap_two(label)
    };
    let size = lines
        .iter()
        .map(|l| {
            let mut s = 15.0;
            while s > 10.0 && text_width(l, s) > room {
                s -= 1.0;
            }
            s
        })
        .fold(15.0f64, f64::min);
    let x = f64::midpoint(bar.x0, bar.x1);
    for (i, line) in lines.iter().rev().enumerate() {
        canvas.text(
            line,
            (x, above - i as f64 * (size + 3.0)),
            size,
            BLACK,
            Anchor::CENTER,
        );
    }
}

/// Splits a label at the space nearest its middle.
fn wrap_two(label: &str) -> Vec<String> {
    let mid = label.len() / 2;
    let cut = label
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(mid));
    match cut {
        Some(i) => vec![label[..i].to_string(), label[i + 1..].to_string()],
        None => vec![label.to_string()],
    }
}

/// Draws a scale bar at the bottom-left of the view's panel, true at the
/// latitude of the panel centre (polar stereographic scale varies with
/// latitude); returns that latitude.
pub(crate) fn scale_bar(canvas: &mut Canvas, view: &View) -> f64 {
    let p = view.panel;
    let (lat_c, _) = view.px_to_geo(f64::midpoint(p.x0, p.x1), f64::midpoint(p.y0, p.y1));
    let k = view.proj.scale_factor(lat_c);
    let ground_per_px = view.metres_per_px() / k;
    let km = nice_floor(0.22 * p.width() * ground_per_px / 1000.0);
    let len = km * 1000.0 / ground_per_px;
    let (x0, y) = (p.x0 + 18.0, p.y1 - 22.0);
    let hemi = if lat_c < 0.0 { 'S' } else { 'N' };
    let label = format!("{} km (at {:.0}°{hemi})", format_tick(km, km), lat_c.abs());
    let box_w = len.max(text_width(&label, 12.0)) + 16.0;
    canvas.fill_rect(
        Rect {
            x0: x0 - 8.0,
            y0: y - 22.0,
            x1: x0 - 8.0 + box_w,
            y1: y + 12.0,
        },
        [255, 255, 255, 210],
    );
    let half: Rgba = WHITE;
    for i in 0..4 {
        let a = x0 + len * f64::from(i) / 4.0;
        let b = x0 + len * f64::from(i + 1) / 4.0;
        let fill = if i % 2 == 0 { BLACK } else { half };
        let seg = Rect {
            x0: a,
            y0: y,
            x1: b,
            y1: y + 5.0,
        };
        canvas.fill_rect(seg, fill);
    }
    canvas.stroke_rect(
        Rect {
            x0: x0.round(),
            y0: y,
            x1: (x0 + len).round() + 1.0,
            y1: y + 6.0,
        },
        BLACK,
    );
    canvas.text(&label, (x0, y - 5.0), 12.0, BLACK, Anchor::LEFT);
    lat_c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        let (step, t) = nice_ticks(36.4, 3504.1, 6);
        assert_eq!(step, 500.0);
        assert_eq!(
            t,
            vec![500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 3500.0]
        );
        let (step, t) = nice_ticks(-0.27, 0.27, 6);
        assert_eq!(step, 0.1);
        assert_eq!(t.len(), 5);
        assert_eq!(format_tick(t[0], step), "\u{2212}0.2");
        assert_eq!(format_tick(-1e-17, 0.1), "0.0");
        assert_eq!(nice_floor(730.0), 500.0);
        assert_eq!(nice_floor(0.19), 0.1);
        assert_eq!(nice_step(0.3), 0.5);
    }
}
