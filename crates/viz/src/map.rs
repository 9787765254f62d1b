//! A whole map: the field's cells on a polar stereographic panel, over the
//! region outline, with graticule, scale bar, colour bar and title.

use crate::canvas::{BLACK, Canvas, Rect, Rgba, WHITE};
use crate::cmap::{ColorScale, Colormap};
use crate::error::VizError;
use crate::grid_field::MapField;
use crate::legend;
use crate::outline::Outline;
use crate::proj::{Hemisphere, PolarStereo};
use crate::raster::{Raster, project_cell};
use crate::text::{Anchor, text_width};
use crate::view::{BoxM, LatLonBox, View};
use crate::{graticule, text};

/// Colour of the panel outside the region (open ocean, other land).
pub const OCEAN: Rgba = [226, 236, 244, 255];
/// Colour of the region where there is no data (empty cells, the pole
/// hole beyond the satellite's reach).
pub const NO_DATA: Rgba = [200, 200, 200, 255];
/// Colour of the region outline.
const OUTLINE: Rgba = [70, 70, 70, 255];

/// Cells to draw: mortie words (all at one order) and their values;
/// non-finite values are empty cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellField {
    /// Cell order (for the title and the cell-size note).
    pub order: u8,
    /// Morton words.
    pub words: Vec<u64>,
    /// One value per word.
    pub values: Vec<f64>,
}

/// Which part of the world the map shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Extent {
    /// The cells with data, plus a margin.
    Data,
    /// The region outline.
    Outline,
    /// A lat/lon box.
    Box(LatLonBox),
}

/// How to draw a map.
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Colour map.
    pub cmap: Colormap,
    /// Value at the low end of the colour bar (default: 2nd percentile).
    pub vmin: Option<f64>,
    /// Value at the high end (default: 98th percentile).
    pub vmax: Option<f64>,
    /// What the window shows.
    pub extent: Extent,
    /// Region drawn under the data (filled grey where no data) and outlined.
    pub outline: Option<Outline>,
    /// Projection hemisphere (default: from the extent, outline or data).
    pub hemisphere: Option<Hemisphere>,
    /// First title line.
    pub title: String,
    /// Second title line.
    pub subtitle: String,
    /// Colour bar label, with units (`h_mean (m)`).
    pub label: String,
    /// Cells smaller than this many pixels are drawn this size.
    pub min_cell_px: f64,
    /// Outline every cell in this colour (for coarse cells such as shards).
    pub cell_edges: Option<Rgba>,
    /// The values are counts: colour-bar ticks at integers.
    pub integer_values: bool,
    /// Legend text for the grey of the region without data.
    pub no_data_label: String,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            width: 1100,
            height: 950,
            cmap: Colormap::Viridis,
            vmin: None,
            vmax: None,
            extent: Extent::Data,
            outline: None,
            hemisphere: None,
            title: String::new(),
            subtitle: String::new(),
            label: String::new(),
            min_cell_px: 2.0,
            cell_edges: None,
            integer_values: false,
            no_data_label: "no data".into(),
        }
    }
}

/// A drawn map, with what tests and callers need to find things on it.
#[derive(Debug, Clone)]
pub struct RenderedMap {
    /// The image.
    pub canvas: Canvas,
    /// Projected window → pixels.
    pub view: View,
    /// Value → colour.
    pub scale: ColorScale,
    /// Cells that reached the panel.
    pub cells_drawn: usize,
}

impl MapField for CellField {
    fn values(&self) -> &[f64] {
        &self.values
    }

    fn centre(&self, i: usize) -> Result<(f64, f64), VizError> {
        magg_morton::center(self.words[i]).map_err(|source| VizError::Cell {
            word: self.words[i],
            source,
        })
    }

    fn ring_px(&self, view: &View, i: usize) -> Result<Option<Vec<(f64, f64)>>, VizError> {
        project_cell(view, self.words[i])
    }

    fn cell_note(&self) -> String {
        format!(
            "order {} cells (~{})",
            self.order,
            crate::load::format_km(crate::load::cell_size_km(self.order))
        )
    }

    fn check(&self) -> Result<(), VizError> {
        if self.words.len() == self.values.len() {
            Ok(())
        } else {
            Err(VizError::Invalid(format!(
                "{} cells but {} values",
                self.words.len(),
                self.values.len()
            )))
        }
    }
}

/// Draws `field` (HEALPix cells, a rectilinear grid's cells) as specified.
pub fn render_map<F: MapField + ?Sized>(
    field: &F,
    opts: &MapOptions,
) -> Result<RenderedMap, VizError> {
    field.check()?;
    let values = field.values();
    if opts.width < 400 || opts.height < 300 || opts.width > 5000 || opts.height > 5000 {
        return Err(VizError::Invalid(format!(
            "image size {}x{} outside 400x300..5000x5000",
            opts.width, opts.height
        )));
    }
    let finite: Vec<usize> = (0..values.len())
        .filter(|&i| values[i].is_finite())
        .collect();
    let centres = finite
        .iter()
        .map(|&i| field.centre(i))
        .collect::<Result<Vec<_>, _>>()?;
    let hemisphere = opts
        .hemisphere
        .or_else(|| field.hemisphere())
        .unwrap_or_else(|| self::hemisphere(opts, &centres));
    let proj = PolarStereo::for_hemisphere(hemisphere);
    let scale = colour_scale(values, opts)?;
    let (w, h) = (f64::from(opts.width), f64::from(opts.height));
    let panel = Rect {
        x0: 56.0,
        y0: 80.0,
        x1: w - 160.0,
        y1: h - 56.0,
    };
    let window = window(opts, &proj, &centres)?;
    let view = View::fit(proj, window, panel);

    let mut canvas = Canvas::new(opts.width, opts.height, WHITE);
    canvas.fill_rect(panel, OCEAN);
    if let Some(o) = &opts.outline {
        fill_outline(&mut canvas, &view, o);
    }
    let labels = graticule::draw(&mut canvas, &view);
    // The outline goes under the data: every observed cell stays visible.
    if let Some(o) = &opts.outline {
        for line in o.stroke_lines() {
            let pts: Vec<(f64, f64)> = line
                .iter()
                .filter(|p| p.0 * hemisphere.sign() > 0.0)
                .map(|&(la, lo)| view.geo_to_px(la, lo))
                .collect();
            canvas.polyline(&pts, 1.2, OUTLINE, panel);
        }
    }
    let mut raster = Raster::new(opts.width, opts.height);
    let mut cells_drawn = 0;
    for &i in &finite {
        if let Some(ring) = field.ring_px(&view, i)?
            && raster.add_ring(&ring, panel, values[i], opts.min_cell_px)
        {
            cells_drawn += 1;
        }
    }
    raster.paint(&mut canvas, &scale);
    if let Some(edge) = opts.cell_edges {
        for &i in &finite {
            if let Some(mut ring) = field.ring_px(&view, i)? {
                ring.push(ring[0]);
                canvas.polyline(&ring, 1.0, edge, panel);
            }
        }
    }
    canvas.stroke_rect(panel, BLACK);
    labels.draw(&mut canvas, |x, y| {
        x >= 0 && y >= 0 && raster.value(x as u32, y as u32).is_some()
    });
    legend::scale_bar(&mut canvas, &view);
    let (lo, hi) = finite
        .iter()
        .map(|&i| values[i])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let bar = Rect {
        x0: panel.x1 + 44.0,
        y0: panel.y0 + 70.0,
        x1: panel.x1 + 64.0,
        y1: panel.y1 - 60.0,
    };
    let style = legend::BarStyle {
        label: &opts.label,
        extend_low: lo < scale.vmin,
        extend_high: hi > scale.vmax,
        integer: opts.integer_values,
    };
    legend::colour_bar(&mut canvas, bar, &scale, &style);
    titles(&mut canvas, opts);
    let no_data = opts.outline.as_ref().map(|_| opts.no_data_label.as_str());
    footer(&mut canvas, &view, no_data);
    Ok(RenderedMap {
        canvas,
        view,
        scale,
        cells_drawn,
    })
}

fn hemisphere(opts: &MapOptions, centres: &[(f64, f64)]) -> Hemisphere {
    if let Some(h) = opts.hemisphere {
        return h;
    }
    if let Extent::Box(b) = &opts.extent {
        return Hemisphere::of_lat(b.mid_lat());
    }
    if let Some(o) = &opts.outline {
        return o.hemisphere();
    }
    let south = centres.iter().filter(|c| c.0 < 0.0).count();
    if south * 2 >= centres.len() && !centres.is_empty() {
        Hemisphere::South
    } else {
        Hemisphere::North
    }
}

fn colour_scale(values: &[f64], opts: &MapOptions) -> Result<ColorScale, VizError> {
    let fitted = ColorScale::fit(opts.cmap, values);
    let vmin = opts.vmin.or(fitted.map(|s| s.vmin));
    let vmax = opts.vmax.or(fitted.map(|s| s.vmax));
    match (vmin, vmax) {
        (Some(vmin), Some(vmax)) if vmin < vmax => Ok(ColorScale {
            cmap: opts.cmap,
            vmin,
            vmax,
        }),
        (Some(vmin), Some(vmax)) => Err(VizError::Invalid(format!(
            "colour range: vmin {vmin} must be below vmax {vmax}"
        ))),
        _ => Err(VizError::Empty(
            "no cell has a value: nothing to scale the colours to (give --vmin and --vmax)".into(),
        )),
    }
}

fn window(opts: &MapOptions, proj: &PolarStereo, centres: &[(f64, f64)]) -> Result<BoxM, VizError> {
    let s = proj.hemisphere().sign();
    let here = |p: &&(f64, f64)| p.0 * s > 0.0;
    let project = |p: &(f64, f64)| proj.forward(p.0, p.1);
    let b = match &opts.extent {
        Extent::Data => BoxM::around(centres.iter().filter(here).map(project))
            .map(|b| b.padded(0.06, 150_000.0))
            .ok_or_else(|| {
                VizError::Empty(format!(
                    "no cell with data in the {} hemisphere: nothing to frame (give a region)",
                    if s < 0.0 { "southern" } else { "northern" }
                ))
            })?,
        Extent::Outline => {
            let o = opts.outline.as_ref().ok_or_else(|| {
                VizError::Invalid("extent is the outline, but there is no outline".into())
            })?;
            let v: Vec<(f64, f64)> = o.vertices().collect();
            BoxM::around(v.iter().filter(here).map(project))
                .map(|b| b.padded(0.03, 0.0))
                .ok_or_else(|| VizError::Outline {
                    name: o.name.clone(),
                    reason: "no vertex in the map's hemisphere".into(),
                })?
        }
        Extent::Box(bx) => {
            let v = bx.outline_points();
            BoxM::around(v.iter().filter(here).map(project))
                .ok_or_else(|| VizError::Invalid(format!("box {bx:?} is not in one hemisphere")))?
        }
    };
    Ok(b)
}

fn fill_outline(canvas: &mut Canvas, view: &View, o: &Outline) {
    let s = view.proj.hemisphere().sign();
    for poly in o.dense_polygons() {
        if poly.iter().flatten().any(|p| p.0 * s <= 0.0) {
            continue;
        }
        let rings: Vec<Vec<(f64, f64)>> = poly
            .iter()
            .map(|r| r.iter().map(|&(la, lo)| view.geo_to_px(la, lo)).collect())
            .collect();
        canvas.fill_polygon(&rings, view.panel, NO_DATA);
    }
}

fn titles(canvas: &mut Canvas, opts: &MapOptions) {
    let mut size = 22.0;
    let room = f64::from(canvas.width()) - 40.0;
    while size > 12.0 && text_width(&opts.title, size) > room {
        size -= 1.0;
    }
    canvas.text(&opts.title, (20.0, 34.0), size, BLACK, Anchor::LEFT);
    let mut size = 15.0;
    while size > 10.0 && text_width(&opts.subtitle, size) > room {
        size -= 1.0;
    }
    canvas.text(
        &opts.subtitle,
        (20.0, 58.0),
        size,
        [70, 70, 70, 255],
        Anchor::LEFT,
    );
}

fn footer(canvas: &mut Canvas, view: &View, no_data: Option<&str>) {
    let y = f64::from(canvas.height()) - 12.0;
    let grey = [90, 90, 90, 255];
    let crs = match view.proj.epsg() {
        Some(code) => format!(
            "EPSG:{code} polar stereographic, WGS84, true scale at {}",
            graticule::degree_label(view.proj.lat_ts(), true)
        ),
        None => "polar stereographic, WGS84".to_string(),
    };
    canvas.text(&crs, (20.0, y), 11.0, grey, Anchor::LEFT);
    if let Some(label) = no_data {
        let x1 = view.panel.x1;
        let w = text::text_width(label, 11.0);
        canvas.text(label, (x1, y), 11.0, grey, Anchor::RIGHT);
        let sw = Rect {
            x0: x1 - w - 22.0,
            y0: y - 10.0,
            x1: x1 - w - 6.0,
            y1: y + 1.0,
        };
        canvas.fill_rect(sw, NO_DATA);
        canvas.stroke_rect(sw, OUTLINE);
    }
}
