//! `magg plot`: a polar stereographic PNG map of a store variable, or of a
//! shard map (shards coloured by granule count).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use magg_catalog::ShardMap;
use magg_viz::{Colormap, Extent, LatLonBox, MapOptions, Outline};

/// Draw a map: a store variable's cells on a polar stereographic map
/// (EPSG:3031 south, EPSG:3413 north), or a shard map's shards coloured by
/// granule count.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// A magg store (path or `s3://` URL), or a shard map JSON file.
    input: String,
    /// Variable to draw (stores only).
    #[arg(long, default_value = "h_mean")]
    var: String,
    /// Cell order to draw (default: the store's finest).
    #[arg(long)]
    order: Option<u8>,
    /// Time window to draw, by label (`"cycle 22"`) or 0-based index, for
    /// a variable with a `time` dimension (a store of several windows;
    /// `dhdt` and the other derived variables have none).
    #[arg(long)]
    time: Option<String>,
    /// Output PNG.
    #[arg(long, short, default_value = "map.png")]
    out: PathBuf,
    /// Frame this region: `antarctica`, `greenland`, a GeoJSON file, or a
    /// `W,S,E,N` box in degrees. Default: the data's extent (a shard map:
    /// its region).
    #[arg(long, allow_hyphen_values = true)]
    region: Option<String>,
    /// Colour map: viridis, cividis, or diverging (for differences; centred
    /// on 0).
    #[arg(long, default_value = "viridis")]
    cmap: Colormap,
    /// Value at the low end of the colour bar (default: 2nd percentile).
    #[arg(long, allow_hyphen_values = true)]
    vmin: Option<f64>,
    /// Value at the high end of the colour bar (default: 98th percentile).
    #[arg(long, allow_hyphen_values = true)]
    vmax: Option<f64>,
    /// Image width, pixels.
    #[arg(long, default_value_t = 1100)]
    width: u32,
    /// Image height, pixels.
    #[arg(long, default_value_t = 950)]
    height: u32,
    /// Units for the colour bar (default: the variable's `units` attribute).
    #[arg(long)]
    units: Option<String>,
    /// Replace the title line.
    #[arg(long)]
    title: Option<String>,
    /// Also write a world file beside the PNG (`map.pgw`): the image's
    /// georeference in the map's projection (EPSG:3031 / 3413; the file
    /// holds no CRS), for GDAL, QGIS or rasterio.
    #[arg(long)]
    world_file: bool,
}

impl Args {
    fn for_store(store: &str, out: &Path, var: &str, units: Option<&str>) -> Args {
        Args {
            input: store.to_string(),
            var: var.to_string(),
            order: None,
            time: None,
            out: out.to_path_buf(),
            region: None,
            cmap: Colormap::Viridis,
            vmin: None,
            vmax: None,
            width: 1100,
            height: 950,
            units: units.map(str::to_string),
            title: None,
            world_file: false,
        }
    }
}

/// The demo's map: `h_mean` of the demo store (ATL06 heights, metres).
pub(crate) fn demo_map(store: &str, out: &Path) -> Result<()> {
    run(&Args::for_store(store, out, "h_mean", Some("m")))
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let input = Path::new(&args.input);
    let is_json = input.is_file()
        && input
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let (rendered, what) = if is_json {
        shard_map(args, input)?
    } else {
        store_map(args)?
    };
    rendered
        .canvas
        .write_png(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    if args.world_file {
        let world = args.out.with_extension("pgw");
        std::fs::write(&world, rendered.view.world_file())
            .with_context(|| format!("writing {}", world.display()))?;
    }
    eprintln!(
        "map: {what}: {} cells drawn -> {}",
        rendered.cells_drawn,
        args.out.display()
    );
    Ok(())
}

/// The extent and outline asked for by `--region`, else the defaults.
fn framing(
    region: Option<&str>,
    default_outline: Option<&str>,
    default_extent: Extent,
) -> Result<(Extent, Option<Outline>)> {
    let known = |name: Option<&str>| -> Result<Option<Outline>> {
        match name {
            Some(n) if Outline::is_builtin(n) => Ok(Some(Outline::load(n)?)),
            _ => Ok(None),
        }
    };
    match region {
        Some(r) if r.contains(',') => {
            let b = LatLonBox::parse(r).map_err(anyhow::Error::msg)?;
            Ok((Extent::Box(b), known(default_outline)?))
        }
        Some(r) => Ok((Extent::Outline, Some(Outline::load(r)?))),
        None => {
            let outline = known(default_outline)?;
            let extent = if outline.is_none() {
                Extent::Data
            } else {
                default_extent
            };
            Ok((extent, outline))
        }
    }
}

fn apply_common(opts: &mut MapOptions, args: &Args) {
    opts.cmap = args.cmap;
    opts.vmin = args.vmin.or(opts.vmin);
    opts.vmax = args.vmax.or(opts.vmax);
    opts.width = args.width;
    opts.height = args.height;
    if let Some(t) = &args.title {
        opts.title.clone_from(t);
    }
}

fn store_map(args: &Args) -> Result<(magg_viz::RenderedMap, String)> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = magg_store::OutputStore::open(&args.input).await?;
        let time = args.time.as_deref();
        if store.spec().grid.is_some() {
            if let Some(order) = args.order {
                bail!(
                    "{}: a store of a rectilinear grid has no orders (--order {order} given)",
                    args.input
                );
            }
            let field = magg_viz::read_grid_field_at(&store, &args.var, time).await?;
            // A grid's cells are drawn as they are, a pixel holding the
            // mean of the cells in it where they are smaller than pixels.
            draw(args, field, 1.0)
        } else {
            let field = magg_viz::read_field_at(&store, &args.var, args.order, time).await?;
            draw(args, field, MapOptions::default().min_cell_px)
        }
    })
}

/// Draws a store's field with the map's titles and framing.
fn draw<F: magg_viz::MapField>(
    args: &Args,
    mut field: magg_viz::StoreField<F>,
    min_cell_px: f64,
) -> Result<(magg_viz::RenderedMap, String)> {
    // Name the store as the user did (not its resolved absolute path).
    field.store.clone_from(&args.input);
    let (extent, outline) = framing(
        args.region.as_deref(),
        field.region().as_deref(),
        Extent::Data,
    )?;
    let mut opts = MapOptions {
        title: field.title(),
        subtitle: field.subtitle(),
        label: field.label(args.units.as_deref()),
        extent,
        outline,
        min_cell_px,
        ..MapOptions::default()
    };
    apply_common(&mut opts, args);
    let what = format!("{}, {}", field.variable, field.field.cell_note());
    Ok((magg_viz::render_map(&field.field, &opts)?, what))
}

fn shard_map(args: &Args, path: &Path) -> Result<(magg_viz::RenderedMap, String)> {
    let map = ShardMap::read(path).with_context(|| format!("reading {}", path.display()))?;
    if let Some(grid) = &map.rectilinear {
        bail!(
            "{}: a map of {} tiles of a rectilinear {} grid: magg plot draws HEALPix shard maps only",
            path.display(),
            map.shards.len(),
            grid.crs
        );
    }
    let (extent, outline) = framing(
        args.region.as_deref(),
        Some(&map.query.region.name),
        Extent::Outline,
    )?;
    let mut opts = MapOptions {
        extent,
        outline,
        ..magg_viz::shard_map_options(&map)
    };
    apply_common(&mut opts, args);
    let field = magg_viz::shard_field(&map);
    Ok((
        magg_viz::render_map(&field, &opts)?,
        format!("shard map {}", path.display()),
    ))
}
