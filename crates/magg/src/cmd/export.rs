//! `magg export`: one variable of a store as a Cloud-Optimized GeoTIFF on
//! a polar stereographic grid (`magg_export::export_geotiff`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use magg_export::{ExportOptions, MAX_PIXELS};
use magg_grid::Crs;

/// The file formats `magg export` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Cloud-Optimized GeoTIFF, one band.
    Geotiff,
}

/// Export a store variable as a GIS raster: each pixel takes the value of
/// the HEALPix cell holding its centre; cells without data are nodata. A
/// rectilinear store is written on its own grid, a pixel per cell.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// A magg store (path or `s3://` URL).
    store: String,
    /// Variable to export.
    #[arg(long, default_value = "h_mean")]
    var: String,
    /// Cell order (default: the store's finest).
    #[arg(long)]
    order: Option<u8>,
    /// Time window, by label or 0-based index: needed for a variable with a
    /// time dimension (a store of several windows), refused for one without.
    #[arg(long)]
    time: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "geotiff")]
    format: Format,
    /// Output file.
    #[arg(long, short)]
    out: PathBuf,
    /// `EPSG:3031` or `EPSG:3413` (default: the hemisphere of the store's
    /// shards).
    #[arg(long)]
    crs: Option<Crs>,
    /// Pixel size, metres (default: 3/4 of the order's cell edge, floored to
    /// two significant figures: 1100 at order 12).
    #[arg(long)]
    resolution: Option<f64>,
    /// `xmin,ymin,xmax,ymax` in the CRS, metres (default: the data's extent
    /// snapped to the resolution).
    #[arg(long, allow_hyphen_values = true)]
    bounds: Option<String>,
    /// Refuse output rasters of more pixels than this.
    #[arg(long, default_value_t = MAX_PIXELS)]
    max_pixels: u64,
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let Format::Geotiff = args.format;
    let bounds = args.bounds.as_deref().map(parse_bounds).transpose()?;
    let opts = ExportOptions {
        variable: args.var.clone(),
        order: args.order,
        crs: args.crs,
        resolution: args.resolution,
        bounds,
        max_pixels: args.max_pixels,
        time: args.time.clone(),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let summary = runtime.block_on(async {
        let store = magg_store::OutputStore::open(&args.store).await?;
        anyhow::Ok(magg_export::export_geotiff(&store, &opts, &args.out).await?)
    })?;
    eprintln!("{summary}");
    eprintln!("-> {}", args.out.display());
    Ok(())
}

fn parse_bounds(text: &str) -> Result<[f64; 4]> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--bounds {text:?}: expected xmin,ymin,xmax,ymax in metres"))?;
    let n = parts.len();
    <[f64; 4]>::try_from(parts).map_err(|_| {
        anyhow::anyhow!("--bounds {text:?}: expected 4 numbers xmin,ymin,xmax,ymax, got {n}")
    })
}
