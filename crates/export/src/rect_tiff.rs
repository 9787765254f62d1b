//! `magg export --format geotiff` of a rectilinear store: the variable's
//! `(y, x)` array as it is, no resampling. The raster is the store's grid
//! (its CRS, its transform, one pixel per cell); the tiles with a completed
//! status record are read, and every cell without data (the fill value,
//! NaN) or in a tile not run is nodata (NaN for floats, the variable's fill
//! value for integers, as for HEALPix stores). The grid fixes the raster,
//! so `--order`, `--crs`, `--resolution` and `--bounds` are refused; a
//! variable with a `time` dimension (a store of several windows) needs
//! `--time`, the slice exported, and one without refuses it, as for
//! HEALPix stores.

use std::path::Path;

use futures::TryStreamExt;
use magg_grid::{Grid, RectilinearGrid, RectilinearSpec};
use magg_store::{Dtype, OutputStore};

use crate::cells::Sample;
use crate::cog::{CogOptions, write_cog};
use crate::error::ExportError;
use crate::raster::{GeoRef, Raster};
use crate::store_tiff::{ExportOptions, ExportSummary};

/// Tiles read at once.
const READ_CONCURRENCY: usize = 8;

/// Exports `opts.variable` (of type `dtype`) of a store on grid `rect`.
pub(crate) async fn export_rectilinear(
    store: &OutputStore,
    opts: &ExportOptions,
    rect: &RectilinearSpec,
    dtype: Dtype,
    out: &Path,
) -> Result<ExportSummary, ExportError> {
    let url = store.url();
    let grid =
        RectilinearGrid::new(rect).map_err(|e| ExportError::Input(format!("store {url}: {e}")))?;
    let given = [
        ("--order", opts.order.is_some()),
        ("--crs", opts.crs.is_some()),
        ("--resolution", opts.resolution.is_some()),
        ("--bounds", opts.bounds.is_some()),
    ];
    if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
        return Err(ExportError::Input(format!(
            "store {url} is on a rectilinear {} grid, which fixes the raster (its cells are the \
             pixels): {flag} does not apply",
            rect.crs
        )));
    }
    let pixels = grid.width() * grid.height();
    if pixels > opts.max_pixels {
        return Err(ExportError::Input(format!(
            "store {url}: its grid is {} × {} = {pixels} pixels, over the limit of {}",
            grid.width(),
            grid.height(),
            opts.max_pixels
        )));
    }
    let window = store
        .spec()
        .window_for(&opts.variable, opts.time.as_deref())
        .map_err(|e| ExportError::Input(format!("store {url}: {e}")))?;
    match dtype {
        Dtype::Float32 => export_as::<f32>(store, opts, &grid, window, out).await,
        Dtype::Float64 => export_as::<f64>(store, opts, &grid, window, out).await,
        Dtype::Int32 => export_as::<i32>(store, opts, &grid, window, out).await,
        Dtype::Uint32 => export_as::<u32>(store, opts, &grid, window, out).await,
        Dtype::Int64 => export_as::<i64>(store, opts, &grid, window, out).await,
        Dtype::Uint64 => export_as::<u64>(store, opts, &grid, window, out).await,
    }
}

/// The raster of time window `window` (an index into the store's windows,
/// for a variable with a time dimension).
async fn export_as<T: Sample + Send>(
    store: &OutputStore,
    opts: &ExportOptions,
    grid: &RectilinearGrid,
    window: Option<usize>,
    out: &Path,
) -> Result<ExportSummary, ExportError> {
    let url = store.url();
    let variable = opts.variable.as_str();
    let (var, fill) = crate::cells::variable_fill::<T>(store, variable)?;
    let nodata = T::nodata(fill);
    let tiles = store.done_shards().await?;
    let (width, height) = (grid.width() as usize, grid.height() as usize);
    let [rows, cols] = grid.spec().chunk_shape.map(|n| n as usize);
    let mut data = vec![nodata; width * height];
    let mut with_data = 0u64;
    let mut chunks = store.read_chunks(0, variable, &tiles, window, READ_CONCURRENCY);
    while let Some((tile, column)) = chunks.try_next().await? {
        let values = crate::cells::values_of::<T>(store, var, tile, column)?;
        let at = grid
            .chunk_position(tile)
            .ok()
            .flatten()
            .filter(|p| p.len() == 2 && values.len() == rows * cols)
            .ok_or_else(|| {
                ExportError::Input(format!(
                    "store {url}, variable {variable}: tile {tile} is not a {rows} × {cols} tile \
                     of the grid"
                ))
            })?;
        let (top, left) = (at[0] as usize * rows, at[1] as usize * cols);
        for (r, line) in values.chunks_exact(cols).enumerate() {
            let y = top + r;
            if y >= height {
                break;
            }
            for (c, &v) in line.iter().enumerate() {
                let x = left + c;
                if x < width && v.is_data(fill) {
                    data[y * width + x] = v;
                    with_data += 1;
                }
            }
        }
    }
    let raster = Raster::new(width, height, data)?;
    write_cog(
        out,
        &raster,
        &GeoRef::of(grid),
        Some(nodata),
        &CogOptions::default(),
    )?;
    let spec = grid.spec();
    let from = "the store's grid".to_string();
    Ok(ExportSummary {
        variable: variable.to_string(),
        order: 0,
        window: window.map(|w| store.spec().windows[w].label.clone()),
        crs: spec.crs,
        crs_from: from.clone(),
        resolution: grid.resolution().0,
        resolution_from: from,
        bounds: grid.bounds(),
        width: grid.width(),
        height: grid.height(),
        dtype: var.dtype,
        nodata: crate::Band::nodata_text(nodata),
        cells_with_data: with_data as usize,
        cells_drawn: with_data as usize,
        pixels_with_data: with_data,
        shards: tiles.len(),
    })
}
