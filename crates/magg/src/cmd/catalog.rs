//! `magg catalog`: build a shard map (shard → granules) from NASA CMR or
//! from granule files, and write it as JSON.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use magg_catalog::cmr::{CmrClient, DEFAULT_CMR_URL, GranuleQuery, search_windows};
use magg_catalog::{BuildSpec, DEFAULT_BUFFER_KM, RegionRule, WindowPlan, build, local, regions};
use magg_coverage::Footprint;

/// Arguments of `magg catalog`.
#[derive(ClapArgs)]
pub(crate) struct Args {
    /// Collection short name (CMR default `ATL06`; with `--granules`,
    /// default: the one the file names share).
    #[arg(long)]
    short_name: Option<String>,
    /// Collection version (CMR default `006`; with `--granules`, default:
    /// the one the file names share).
    #[arg(long)]
    version: Option<String>,
    /// ICESat-2 cycles, one time window each: `22`, `21..23`, `21,22,23`
    /// (per cycle: track search `cycle[]=N`, the cycle's dates, and only
    /// granules whose name says cycle N). `--cycle` is the same option.
    #[arg(long, alias = "cycle", conflicts_with = "temporal")]
    cycles: Option<String>,
    /// UTC range instead of cycles: `START,END` (ISO 8601 dates or times;
    /// `[START, END)`).
    #[arg(long)]
    temporal: Option<String>,
    /// Split `--temporal` into time windows: `monthly`, `cycle`, or edges
    /// `EDGE1,EDGE2,...` inside the range (default: one window). A granule
    /// goes to the window holding its name's time stamp (`cycle`: the
    /// cycle its name says).
    #[arg(long, requires = "temporal")]
    windows: Option<String>,
    /// Region: `antarctica`, `greenland`, or a GeoJSON file.
    #[arg(long, default_value = "antarctica")]
    region: String,
    /// Shard order.
    #[arg(long, default_value_t = 6)]
    parent_order: u8,
    /// Finest output order.
    #[arg(long, default_value_t = 12)]
    child_order: u8,
    /// Order at which region and footprints are intersected (default: the
    /// child order).
    #[arg(long)]
    match_order: Option<u8>,
    /// Margin around each CMR footprint, km (footprints are simplified).
    #[arg(long, default_value_t = DEFAULT_BUFFER_KM)]
    buffer_km: f64,
    /// Output shard map (JSON).
    #[arg(long)]
    out: PathBuf,
    /// CMR base URL (the client appends /search/granules.umm_json).
    #[arg(long, default_value = DEFAULT_CMR_URL)]
    cmr_url: String,
    /// CMR provider, e.g. NSIDC_CPRD (cloud-hosted copies).
    #[arg(long)]
    provider: Option<String>,
    /// Do not send `cycle[]` (for collections without track information);
    /// the date window and the file-name check still apply.
    #[arg(long)]
    no_track_search: bool,
    /// Build from granule files instead of CMR: a directory of `.h5`, an
    /// `s3://bucket/prefix/` (its `.h5` objects), a text file listing
    /// paths/URLs, or one file. With `--cycles` or `--temporal`, only the
    /// files of those windows (by file name); without, one window: their
    /// cycle if all names say the same one.
    #[arg(long)]
    granules: Option<String>,
    /// Granule files read at once (with `--granules`).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// List every granule with a point in a shard that touches the region
    /// (for `magg run --all-observations`); by default a granule is listed
    /// under a shard only where one of its child cells touches the region.
    #[arg(long)]
    all_observations: bool,
    /// Where `--granules` writes the chunk index of the granules (the
    /// datasets the config reads: byte ranges, filters, types, and where
    /// each block of rows lies), for `magg run --chunk-index`. Default:
    /// beside `--out`, `NAME.chunks.json.gz` (gzip when it ends in `.gz`).
    #[arg(long, conflicts_with = "no_chunk_index")]
    chunk_index: Option<String>,
    /// Do not build the chunk index.
    #[arg(long)]
    no_chunk_index: bool,
    /// Pipeline config: a YAML file, or a built-in one by name (`atl06`,
    /// `atl03`, `atl08`, `atl08_canopy`, `gedi_l2a`; default `atl06`). With
    /// `--granules`, its beam groups and coordinate datasets are what is
    /// read, and its datasets are what the chunk index describes. A
    /// rectilinear `output.grid` makes a map of its tiles (the orders
    /// then only bound the match order).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Where the chunk index goes by default: beside the shard map.
pub(crate) fn default_chunk_index(out: &std::path::Path) -> String {
    let stem = out.file_stem().map_or_else(
        || "shards".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    out.with_file_name(format!("{stem}.chunks.json.gz"))
        .display()
        .to_string()
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let t0 = Instant::now();
    let region = regions::region(&args.region)?;
    let config = match &args.config {
        Some(p) => Some(magg_agg::AggConfig::load(p)?),
        None => None,
    };
    let spec = BuildSpec {
        parent_order: args.parent_order,
        child_order: args.child_order,
        match_order: args.match_order.unwrap_or(args.child_order),
        buffer_km: args.buffer_km,
        rule: RegionRule::from_all_observations(args.all_observations),
        // A rectilinear `output.grid` makes a map of its tiles.
        grid: config.as_ref().and_then(|c| match &c.output.grid {
            magg_agg::GridSpec::Rectilinear(r) => Some(*r),
            magg_agg::GridSpec::Healpix(_) => None,
        }),
    };
    spec.validate()?;
    let region_moc = spec.region_moc(&region)?;
    let asked = WindowPlan::from_options(
        args.cycles.as_deref(),
        args.temporal.as_deref(),
        args.windows.as_deref(),
    )?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (map, note) = if let Some(list) = &args.granules {
        let urls = runtime.block_on(local::granule_list(list))?;
        if urls.is_empty() {
            bail!("no granule files in {list}");
        }
        let config = config.unwrap_or_else(magg_agg::AggConfig::atl06_default);
        let index_spec = config.index_spec(magg_index::DEFAULT_SUMMARY_ORDER);
        // With a linked read (ATL03) the index spec names the segment
        // coordinates: the catalog reads those, widened by the margin.
        let (_, _, margin_m) = config.spatial_coordinates();
        let layout = local::Layout::of_index(&index_spec).with_margin(margin_m);
        let plan = asked.unwrap_or_else(|| WindowPlan::from_names(urls.iter().map(String::as_str)));
        let (mut map, note) = if args.no_chunk_index {
            let map = runtime.block_on(local::build_in(
                &urls,
                &plan,
                &region,
                &region_moc,
                &spec,
                &layout,
                args.concurrency,
            ))?;
            (map, format!("{} files read", urls.len()))
        } else {
            let (map, pass) = runtime.block_on(local::build_indexed_in(
                &urls,
                &plan,
                &region,
                &region_moc,
                &spec,
                (&layout, &index_spec),
                args.concurrency,
            ))?;
            let at = args
                .chunk_index
                .clone()
                .unwrap_or_else(|| default_chunk_index(&args.out));
            runtime.block_on(pass.index.write(&at))?;
            for why in &pass.skipped {
                eprintln!("chunk index: left out: {why}");
            }
            let note = format!(
                "{} files read in {} requests, {:.1} MB; chunk index of {} granules -> {at}",
                urls.len(),
                pass.io.requests,
                pass.io.bytes_fetched as f64 / 1e6,
                pass.index.len()
            );
            (map, note)
        };
        if let Some(name) = &args.short_name {
            map.query.short_name = Some(name.clone());
        }
        if let Some(version) = &args.version {
            map.query.version = Some(version.clone());
        }
        (map, note)
    } else {
        let short_name = args.short_name.as_deref().unwrap_or("ATL06");
        let version = args.version.as_deref().unwrap_or("006");
        let plan = asked.context("give --cycles, --temporal, or --granules")?;
        let mut template = GranuleQuery::new(short_name, version);
        template.track_search = !args.no_track_search;
        template.provider.clone_from(&args.provider);
        // The region's box as a coarse spatial prefilter.
        let bbox = Footprint::Polygons(region.polygons.clone()).bounding_box()?;
        template.bounding_box = Some(bbox);
        let client = CmrClient::new(&args.cmr_url)?;
        let found = runtime.block_on(search_windows(&client, &template, &plan))?;
        let mut q = spec.query("cmr", &region, &region_moc)?;
        q.short_name = Some(short_name.to_string());
        q.version = Some(version.to_string());
        q.temporal.clone_from(&found.temporal);
        q.cmr_url = Some(client.base().to_string());
        let map =
            build::from_footprints(&found.granules, plan.windows.clone(), &region_moc, q, &spec)?;
        let note = format!(
            "CMR: {} hits in {} searches, {} pages; {} granules of other cycles and {} outside the windows dropped",
            found
                .hits
                .map_or_else(|| "?".to_string(), |h| h.to_string()),
            found.searches,
            found.pages,
            found.other_cycle,
            found.outside
        );
        (map, note)
    };
    map.write(&args.out)?;
    let totals = map.totals();
    let labels: Vec<&str> = map.windows.iter().map(|w| w.label.as_str()).collect();
    println!(
        "catalog: {} shards, {} granules, {} (shard, granule) pairs in {} window(s) [{}] ({} rule) in {:.2} s ({note}) -> {}",
        totals.shards,
        totals.granules,
        totals.pairs,
        labels.len(),
        labels.join(", "),
        spec.map_rule().name(),
        t0.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
