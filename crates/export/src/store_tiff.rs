//! `magg export --format geotiff`: one variable of a HEALPix store, at one
//! order, as a Cloud-Optimized GeoTIFF on a polar stereographic grid (a
//! rectilinear store's variable is written as it is: `rect_tiff`).
//!
//! Defaults, each overridable:
//! - **CRS**: from the hemisphere of the store's shards (its region's
//!   shard map): every shard centre south of the equator → EPSG:3031,
//!   every one north → EPSG:3413; shards on both sides → refused, name a
//!   CRS.
//! - **Resolution**: ¾ of the order's cell edge (√ of the mean cell area
//!   on the authalic sphere, R = 6,371,007.2 m), floored to two significant
//!   figures — order 12 (edge 1,592 m) → 1,100 m, order 10 → 4,700 m. Why
//!   ¾: HEALPix cells are rhombi, not pixel-aligned squares; on the demo
//!   store 1,500 m pixels leave 8 % of the order-12 cells without a pixel
//!   centre, 1,200 m and finer leave none.
//! - **Bounds**: the box of the projected corners of the cells with data,
//!   snapped outward to multiples of the resolution; the raster is
//!   `(xmax − xmin)/res × (ymax − ymin)/res` pixels (given bounds: the
//!   far edges move out to whole pixels).
//!
//! Values follow [`pixel_cells`]: each pixel takes the value of the cell
//! holding its centre; a pixel whose cell has no data (the fill value,
//! NaN), or is in no completed shard, is nodata. Band type: the
//! variable's own (`float32`, `float64`, `int32`, `uint32`, `int64`,
//! `uint64`); nodata NaN for floats, the variable's fill value for
//! integers (`count`: 0, which is what the store holds for "no
//! observation"). Output grids above [`MAX_PIXELS`] (or the caller's
//! limit) are refused before anything is read.

use std::fmt;
use std::path::Path;

use magg_grid::{Crs, GridError, RectilinearGrid, RectilinearSpec, Resolution};
use magg_morton as morton;
use magg_store::{Dtype, OutputStore};

use crate::cells::{Sample, read_cells};
use crate::cog::{CogOptions, write_cog};
use crate::error::ExportError;
use crate::raster::GeoRef;
use crate::resample::{NO_CELL, pixel_cells};

/// The largest output raster exported by default: 100 M pixels (10,000 ×
/// 10,000; 0.4–0.8 GB of band in memory, plus 0.4 GB of cell indexes).
pub const MAX_PIXELS: u64 = 100_000_000;

/// Radius of the authalic sphere HEALPix cells are defined on, metres.
const AUTHALIC_RADIUS_M: f64 = 6_371_007.180_918_475;

/// What to export and onto which grid (`None`: the default of the module
/// docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// The variable.
    pub variable: String,
    /// The cell order (default: the store's finest).
    pub order: Option<u8>,
    /// The CRS.
    pub crs: Option<Crs>,
    /// Pixel size, metres (square pixels).
    pub resolution: Option<f64>,
    /// `[xmin, ymin, xmax, ymax]` in the CRS, metres.
    pub bounds: Option<[f64; 4]>,
    /// Refuse rasters of more pixels than this.
    pub max_pixels: u64,
    /// The time window (a label or a 0-based index) of a variable with a
    /// time dimension; `None` for one without.
    pub time: Option<String>,
}

impl ExportOptions {
    /// `variable` with every default.
    pub fn new(variable: &str) -> ExportOptions {
        ExportOptions {
            variable: variable.to_string(),
            order: None,
            crs: None,
            resolution: None,
            bounds: None,
            max_pixels: MAX_PIXELS,
            time: None,
        }
    }
}

/// What was written, and how the defaults were decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    /// The variable.
    pub variable: String,
    /// The cell order.
    pub order: u8,
    /// The time window's label, for a variable with a time dimension.
    pub window: Option<String>,
    /// The CRS.
    pub crs: Crs,
    /// Why this CRS.
    pub crs_from: String,
    /// Pixel size, metres.
    pub resolution: f64,
    /// Why this resolution.
    pub resolution_from: String,
    /// The raster's `[xmin, ymin, xmax, ymax]`.
    pub bounds: [f64; 4],
    /// Columns.
    pub width: u64,
    /// Rows.
    pub height: u64,
    /// The band's type.
    pub dtype: Dtype,
    /// The nodata value, as written in the file.
    pub nodata: String,
    /// Cells with data read from the store.
    pub cells_with_data: usize,
    /// Of those, cells holding at least one pixel centre.
    pub cells_drawn: usize,
    /// Pixels with a value.
    pub pixels_with_data: u64,
    /// Completed shards read.
    pub shards: usize,
}

impl fmt::Display for ExportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [x0, y0, x1, y1] = self.bounds;
        writeln!(
            f,
            "{} at order {}{}: {} cells with data in {} shards, {} of them under a pixel centre",
            self.variable,
            self.order,
            self.window
                .as_ref()
                .map_or(String::new(), |w| format!(", time window {w}")),
            self.cells_with_data,
            self.shards,
            self.cells_drawn
        )?;
        writeln!(f, "crs: {} ({})", self.crs, self.crs_from)?;
        writeln!(
            f,
            "resolution: {} m ({})",
            self.resolution, self.resolution_from
        )?;
        writeln!(f, "bounds: {x0},{y0},{x1},{y1}")?;
        write!(
            f,
            "raster: {} × {} pixels of {}, {} with data, nodata {}",
            self.width, self.height, self.dtype, self.pixels_with_data, self.nodata
        )
    }
}

/// Mean edge of a cell at `order`, metres: √(4πR² / (12·4^order)).
pub fn cell_edge_m(order: u8) -> f64 {
    let area = 4.0 * std::f64::consts::PI * AUTHALIC_RADIUS_M.powi(2)
        / (12.0 * 4f64.powi(i32::from(order)));
    area.sqrt()
}

/// The default pixel size at `order`: ¾ of [`cell_edge_m`] floored to two
/// significant figures (order 12: 0.75 × 1,592 m → 1,100 m).
pub fn default_resolution(order: u8) -> f64 {
    let edge = 0.75 * cell_edge_m(order);
    // Two figures: an integer times 10^e (divided by 10^-e when e < 0, so
    // 590 m stays 590 and 5.9 m stays 5.9).
    let e = edge.log10().floor() as i32 - 1;
    if e >= 0 {
        let step = 10f64.powi(e);
        (edge / step).floor() * step
    } else {
        let scale = 10f64.powi(-e);
        (edge * scale).floor() / scale
    }
}

/// The CRS of the hemisphere holding every shard centre of `shards`
/// (morton words), with the reason; shards on both sides (or none) are an
/// error.
pub fn crs_of_shards(url: &str, shards: &[u64]) -> Result<(Crs, String), ExportError> {
    let (mut south, mut north) = (0usize, 0usize);
    for &w in shards {
        let (lat, _) = morton::center(w).map_err(|e| {
            ExportError::Input(format!("store {url}: shard {w} is not a cell word: {e}"))
        })?;
        south += usize::from(lat < 0.0);
        north += usize::from(lat > 0.0);
    }
    let n = shards.len();
    match (south, north) {
        (s, 0) if s == n && n > 0 => Ok((
            Crs::Epsg3031,
            format!("the store's {n} shards are all south of the equator"),
        )),
        (0, m) if m == n && n > 0 => Ok((
            Crs::Epsg3413,
            format!("the store's {n} shards are all north of the equator"),
        )),
        _ => Err(ExportError::Input(format!(
            "store {url}: of its {n} shards, {south} are south and {north} north of the \
             equator: no polar stereographic CRS fits them all; choose one with --crs \
             (EPSG:3031 or EPSG:3413)"
        ))),
    }
}

/// The box of the projected corners of `cells` (nested ids at `order`) in
/// `crs`'s hemisphere, snapped outward to multiples of `res`; `None` when
/// no corner is in that hemisphere.
pub fn data_bounds(
    order: u8,
    cells: &[u64],
    crs: Crs,
    res: f64,
) -> Result<Option<[f64; 4]>, ExportError> {
    let proj = crs.projection();
    let sign = proj.hemisphere().sign();
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for &n in cells {
        let word = morton::encode(order, n)
            .map_err(|e| ExportError::Input(format!("cell {n} at order {order}: {e}")))?;
        let corners = morton::boundary(word)
            .map_err(|e| ExportError::Input(format!("cell {n} at order {order}: {e}")))?;
        for (lat, lon) in corners {
            if lat * sign <= 0.0 {
                continue;
            }
            let (x, y) = proj.forward(lat, lon);
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    if !b[0].is_finite() {
        return Ok(None);
    }
    Ok(Some([
        (b[0] / res).floor() * res,
        (b[1] / res).floor() * res,
        (b[2] / res).ceil() * res,
        (b[3] / res).ceil() * res,
    ]))
}

/// Pixels across and down for `bounds` at `res` (as [`RectilinearGrid`]
/// counts them: whole pixels, the far edges moving out); `None` when not
/// finite.
pub fn raster_size(bounds: [f64; 4], res: f64) -> Option<(u64, u64)> {
    let n = |span: f64| {
        let raw = (span / res - 1e-9).ceil().max(1.0);
        (raw.is_finite() && raw < 2f64.powi(53)).then_some(raw as u64)
    };
    Some((n(bounds[2] - bounds[0])?, n(bounds[3] - bounds[1])?))
}

/// Exports `opts.variable` of `store` to the GeoTIFF `out` by the rules of
/// the module docs.
pub async fn export_geotiff(
    store: &OutputStore,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary, ExportError> {
    let spec = store.spec();
    let url = store.url();
    let var = spec.variable(&opts.variable).ok_or_else(|| {
        ExportError::Input(format!(
            "store {url} has no variable {:?}; its variables: {}",
            opts.variable,
            spec.variables
                .iter()
                .chain(&spec.derived)
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    if let Some(rect) = &spec.grid {
        return crate::rect_tiff::export_rectilinear(store, opts, rect, var.dtype, out).await;
    }
    let order = opts.order.unwrap_or_else(|| spec.child_order());
    if !spec.orders.contains(&order) {
        return Err(ExportError::Input(format!(
            "store {url} has no order {order}; its orders: {}",
            spec.orders
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let window = spec
        .window_for(&opts.variable, opts.time.as_deref())
        .map_err(|e| ExportError::Input(format!("store {url}: {e}")))?;
    let (crs, crs_from) = match opts.crs {
        Some(c) => (c, "--crs".to_string()),
        None => crs_of_shards(url, &spec.shards)?,
    };
    let (res, resolution_from) = match opts.resolution {
        Some(r) if r.is_finite() && r > 0.0 => (r, "--resolution".to_string()),
        Some(r) => {
            return Err(ExportError::Input(format!(
                "--resolution {r}: must be a finite number of metres > 0"
            )));
        }
        None => (
            default_resolution(order),
            format!(
                "order {order} cells are {:.0} m across; 3/4 of that, floored to two \
                 significant figures",
                cell_edge_m(order)
            ),
        ),
    };
    let plan = Plan {
        order,
        window,
        crs,
        crs_from,
        res,
        resolution_from,
    };
    match var.dtype {
        Dtype::Float32 => export_as::<f32>(store, opts, &plan, out).await,
        Dtype::Float64 => export_as::<f64>(store, opts, &plan, out).await,
        Dtype::Int32 => export_as::<i32>(store, opts, &plan, out).await,
        Dtype::Uint32 => export_as::<u32>(store, opts, &plan, out).await,
        Dtype::Int64 => export_as::<i64>(store, opts, &plan, out).await,
        Dtype::Uint64 => export_as::<u64>(store, opts, &plan, out).await,
    }
}

/// The choices made before reading.
struct Plan {
    order: u8,
    window: Option<usize>,
    crs: Crs,
    crs_from: String,
    res: f64,
    resolution_from: String,
}

async fn export_as<T: Sample + Send>(
    store: &OutputStore,
    opts: &ExportOptions,
    plan: &Plan,
    out: &Path,
) -> Result<ExportSummary, ExportError> {
    let (order, res, crs) = (plan.order, plan.res, plan.crs);
    if let Some(b) = opts.bounds {
        check_size(b, res, opts.max_pixels)?;
    }
    let data = read_cells::<T>(store, &opts.variable, order, plan.window).await?;
    let bounds = match opts.bounds {
        Some(b) => b,
        None => data_bounds(order, &data.cells, crs, res)?.ok_or_else(|| {
            ExportError::Input(format!(
                "store {}: {} has no cell with data in the hemisphere of {crs} \
                 ({} completed shards): nothing to frame; give --bounds",
                store.url(),
                opts.variable,
                data.shards
            ))
        })?,
    };
    check_size(bounds, res, opts.max_pixels)?;
    let grid = RectilinearGrid::new(&RectilinearSpec {
        crs,
        resolution: Resolution::Square(res),
        bounds,
        chunk_shape: [1, 1],
    })
    .map_err(|e| match e {
        GridError::Spec { key, reason } => ExportError::Input(format!("--{key}: {reason}")),
        other => ExportError::Input(other.to_string()),
    })?;
    let at = pixel_cells(order, &data.cells, &grid)?;
    let mut drawn = vec![false; data.cells.len()];
    let mut pixels_with_data = 0u64;
    for &k in at.data().iter().filter(|&&k| k != NO_CELL) {
        drawn[k as usize] = true;
        pixels_with_data += 1;
    }
    let nodata = T::nodata(data.fill);
    let raster = at.map(|k| {
        if k == NO_CELL {
            nodata
        } else {
            data.values[k as usize]
        }
    });
    drop(at);
    write_cog(
        out,
        &raster,
        &GeoRef::of(&grid),
        Some(nodata),
        &CogOptions::default(),
    )?;
    Ok(ExportSummary {
        variable: opts.variable.clone(),
        order,
        window: plan.window.map(|w| store.spec().windows[w].label.clone()),
        crs,
        crs_from: plan.crs_from.clone(),
        resolution: res,
        resolution_from: plan.resolution_from.clone(),
        bounds: grid.bounds(),
        width: grid.width(),
        height: grid.height(),
        dtype: store
            .spec()
            .variable(&opts.variable)
            .map_or(Dtype::Float64, |v| v.dtype),
        nodata: crate::Band::nodata_text(nodata),
        cells_with_data: data.cells.len(),
        cells_drawn: drawn.iter().filter(|&&d| d).count(),
        pixels_with_data,
        shards: data.shards,
    })
}

/// Refuses bounds that are not a box, and rasters over `max` pixels.
fn check_size(bounds: [f64; 4], res: f64, max: u64) -> Result<(), ExportError> {
    let [x0, y0, x1, y1] = bounds;
    if bounds.iter().any(|v| !v.is_finite()) || x1 <= x0 || y1 <= y0 {
        return Err(ExportError::Input(format!(
            "--bounds {x0},{y0},{x1},{y1}: must be finite xmin,ymin,xmax,ymax with xmax > xmin \
             and ymax > ymin"
        )));
    }
    let too_big = |what: String| {
        ExportError::Input(format!(
            "the output grid would be {what} at {res} m, more than the limit of {max} pixels: \
             choose a coarser --resolution or smaller --bounds"
        ))
    };
    let (w, h) = raster_size(bounds, res).ok_or_else(|| too_big("too many pixels".into()))?;
    match w.checked_mul(h) {
        Some(n) if n <= max => Ok(()),
        n => Err(too_big(format!(
            "{w} × {h} = {} pixels",
            n.map_or_else(|| "over 2^64".to_string(), |n| n.to_string())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::float_cmp)] // the rule's values are exact
    fn default_resolution_is_the_cell_edge_to_two_figures() {
        assert_eq!(cell_edge_m(12).round(), 1592.0);
        assert_eq!(default_resolution(12), 1100.0);
        assert_eq!(default_resolution(10), 4700.0);
        assert_eq!(default_resolution(13), 590.0);
        assert_eq!(default_resolution(6), 76_000.0);
        assert_eq!(default_resolution(20), 4.6);
        for k in 0..=29 {
            let (r, e) = (default_resolution(k), 0.75 * cell_edge_m(k));
            assert!(r <= e && r > 0.9 * e, "order {k}: {r} vs {e}");
        }
    }

    #[test]
    fn sizes_are_checked_before_reading() {
        let e = check_size([0.0, 0.0, 1e7, 1e7], 100.0, MAX_PIXELS).unwrap_err();
        assert!(
            e.to_string()
                .contains("100000 × 100000 = 10000000000 pixels"),
            "{e}"
        );
        assert!(e.to_string().contains("limit of 100000000 pixels"), "{e}");
        assert!(check_size([0.0, 0.0, 1e6, 1e6], 100.0, MAX_PIXELS).is_ok());
        assert!(check_size([1.0, 0.0, 0.0, 1.0], 1.0, MAX_PIXELS).is_err());
        assert_eq!(
            raster_size([0.0, 0.0, 3000.0, 1501.0], 1500.0),
            Some((2, 2))
        );
    }

    #[test]
    fn the_crs_follows_the_shards_hemisphere() {
        let south = morton::geo_to_morton(-75.0, 10.0, 6).unwrap();
        let north = morton::geo_to_morton(72.0, -40.0, 6).unwrap();
        assert_eq!(crs_of_shards("s", &[south]).unwrap().0, Crs::Epsg3031);
        assert_eq!(crs_of_shards("s", &[north]).unwrap().0, Crs::Epsg3413);
        let e = crs_of_shards("s", &[south, north]).unwrap_err();
        assert!(e.to_string().contains("1 are south and 1 north"), "{e}");
    }
}
