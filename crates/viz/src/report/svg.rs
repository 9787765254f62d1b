//! Small inline SVG charts for the run report: a scatter plot and a
//! histogram, with nice axis ticks and hover tooltips (`<title>`), no
//! scripts.

use std::fmt::Write as _;

use crate::legend::{format_tick, nice_ticks};

/// Chart size and margins, pixels.
const W: f64 = 640.0;
const H: f64 = 360.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 50.0;

/// One scatter point.
#[derive(Debug, Clone)]
pub struct Point {
    /// X value.
    pub x: f64,
    /// Y value.
    pub y: f64,
    /// Drawn in the alert colour (a failed shard).
    pub alert: bool,
    /// Tooltip text.
    pub tip: String,
}

/// Escapes text for HTML and SVG.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Axes {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Axes {
    fn new(x: (f64, f64), y: (f64, f64)) -> Axes {
        let widen = |(lo, hi): (f64, f64)| {
            let lo = lo.min(0.0);
            let hi = if hi > lo { hi * 1.05 } else { lo + 1.0 };
            (lo, hi)
        };
        let (x0, x1) = widen(x);
        let (y0, y1) = widen(y);
        Axes { x0, x1, y0, y1 }
    }

    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x0) / (self.x1 - self.x0) * (W - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        H - BOTTOM - (y - self.y0) / (self.y1 - self.y0) * (H - TOP - BOTTOM)
    }

    /// Grid, ticks, frame and axis labels; `x_log`: x values are log10 of
    /// what the labels show.
    fn frame(&self, out: &mut String, x_label: &str, y_label: &str, x_log: bool) {
        let (xs, xt) = if x_log {
            let ticks = (self.x0.ceil() as i32..=self.x1.floor() as i32)
                .map(f64::from)
                .collect();
            (1.0, ticks)
        } else {
            nice_ticks(self.x0, self.x1, 6)
        };
        let (ys, yt) = nice_ticks(self.y0, self.y1, 5);
        for v in xt {
            let x = self.px(v);
            let text = if x_log {
                power_of_ten(v as i32)
            } else {
                format_tick(v, xs)
            };
            let _ = write!(
                out,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{TOP}" stroke="#e3e3e3"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{text}</text>"##,
                H - BOTTOM,
                H - BOTTOM + 16.0,
            );
        }
        for v in yt {
            let y = self.py(v);
            let _ = write!(
                out,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                W - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                format_tick(v, ys)
            );
        }
        let _ = write!(
            out,
            r##"<rect x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}" fill="none" stroke="#555"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"##,
            W - LEFT - RIGHT,
            H - TOP - BOTTOM,
            (LEFT + W - RIGHT) / 2.0,
            H - 10.0,
            escape(x_label),
            (TOP + H - BOTTOM) / 2.0,
            escape(y_label)
        );
    }
}

fn open_svg(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}" font-family="sans-serif" font-size="12">"#,
        escape(title)
    );
}

/// A scatter plot of `points`.
pub fn scatter(points: &[Point], title: &str, x_label: &str, y_label: &str) -> String {
    let max = |f: fn(&Point) -> f64| points.iter().map(f).fold(0.0f64, f64::max);
    let axes = Axes::new((0.0, max(|p| p.x)), (0.0, max(|p| p.y)));
    let mut out = String::new();
    open_svg(&mut out, title);
    axes.frame(&mut out, x_label, y_label, false);
    for p in points {
        let (fill, r) = if p.alert {
            ("#d62728", 4.5)
        } else {
            ("#1f77b4", 3.5)
        };
        let _ = write!(
            out,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{fill}" fill-opacity="0.7"><title>{}</title></circle>"#,
            axes.px(p.x),
            axes.py(p.y),
            escape(&p.tip)
        );
    }
    out.push_str("</svg>");
    out
}

/// `10^k` for axis labels: `1`, `100`, `10k`, `1M`, `0.01`.
fn power_of_ten(k: i32) -> String {
    match k {
        k if k < 0 => format!("{}", 10f64.powi(k)),
        0..=2 => format!("{}", 10i64.pow(k as u32)),
        3..=5 => format!("{}k", 10i64.pow((k - 3) as u32)),
        6..=8 => format!("{}M", 10i64.pow((k - 6) as u32)),
        _ => format!("1e{k}"),
    }
}

/// A histogram of `values` in `bins` equal bins; in log10 bins when the
/// values are positive and span more than a factor of 20.
pub fn histogram(values: &[f64], bins: usize, title: &str, x_label: &str) -> String {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let mut out = String::new();
    open_svg(&mut out, title);
    if v.is_empty() {
        let axes = Axes::new((0.0, 1.0), (0.0, 1.0));
        axes.frame(&mut out, x_label, "shards", false);
        out.push_str("</svg>");
        return out;
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log = lo > 0.0 && hi / lo > 20.0;
    let (v, lo, hi) = if log {
        let l: Vec<f64> = v.iter().map(|x| x.log10()).collect();
        (l, lo.log10().floor(), hi.log10().ceil())
    } else {
        (v, lo, hi)
    };
    let bins = bins.max(1);
    let width = if hi > lo {
        (hi - lo) / bins as f64
    } else {
        1.0
    };
    let mut counts = vec![0u64; bins];
    for x in &v {
        let i = (((x - lo) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1) as f64;
    let mut axes = Axes::new((lo, lo + width * bins as f64), (0.0, top));
    axes.x0 = lo;
    axes.x1 = lo + width * bins as f64;
    let x_label = if log {
        format!("{x_label} (log scale)")
    } else {
        x_label.to_string()
    };
    axes.frame(&mut out, &x_label, "shards", log);
    let shown = |x: f64| if log { 10f64.powf(x) } else { x };
    for (i, &c) in counts.iter().enumerate() {
        let a = lo + i as f64 * width;
        let (x0, x1) = (axes.px(a), axes.px(a + width));
        let (y0, y1) = (axes.py(c as f64), axes.py(0.0));
        let _ = write!(
            out,
            r##"<rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="#4c9a6a"><title>{c} shards: {:.0} to {:.0}</title></rect>"##,
            (x1 - x0 - 1.0).max(0.5),
            y1 - y0,
            shown(a),
            shown(a + width)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_well_formed_and_escaped() {
        let pts = vec![
            Point {
                x: 100.0,
                y: 1.5,
                alert: false,
                tip: "a<b".into(),
            },
            Point {
                x: 50.0,
                y: 0.5,
                alert: true,
                tip: "x".into(),
            },
        ];
        let s = scatter(&pts, "t", "observations", "seconds");
        assert_eq!(s.matches("<circle").count(), 2);
        assert!(s.contains("a&lt;b") && !s.contains("a<b"));
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        let h = histogram(&[1.0, 2.0, 2.5, 10.0], 4, "t", "bytes");
        assert_eq!(h.matches("<rect").count(), 5); // frame + 4 bins
        assert!(h.contains("<title>3 shards: 1 to 3<"));
        assert!(histogram(&[], 4, "t", "x").ends_with("</svg>"));
        // Wide spans get log bins: 10 … 100000 in 4 bins of one decade.
        let l = histogram(&[10.0, 20.0, 900.0, 99_999.0], 4, "t", "bytes");
        assert!(l.contains("(log scale)") && l.contains(">10k<"), "{l}");
        assert!(l.contains("<title>2 shards: 10 to 100<"), "{l}");
        assert_eq!(power_of_ten(6), "1M");
        assert_eq!(power_of_ten(-2), "0.01");
    }
}
