//! `magg catalog`: build a shard map (shard → granules) from NASA CMR or
//! from granule files, and write it as JSON.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use magg_catalog::cmr::{CmrClient, DEFAULT_CMR_URL, GranuleQuery};
use magg_catalog::{BuildSpec, DEFAULT_BUFFER_KM, RegionRule, build, local, regions};
use magg_coverage::Footprint;

/// Arguments of `magg catalog`.
#[derive(ClapArgs)]
pub(crate) struct Args {
    /// Collection short name.
    #[arg(long, default_value = "ATL06")]
    short_name: String,
    /// Collection version.
    #[arg(long, default_value = "006")]
    version: String,
    /// ICESat-2 cycle (track search `cycle[]=N`, the cycle's dates, and
    /// only granules whose name says cycle N).
    #[arg(long, conflicts_with = "temporal")]
    cycle: Option<u8>,
    /// UTC window instead of a cycle: `START,END` (ISO 8601).
    #[arg(long)]
    temporal: Option<String>,
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
    /// paths/URLs, or one file.
    #[arg(long, conflicts_with_all = ["cycle", "temporal"])]
    granules: Option<String>,
    /// Granule files read at once (with `--granules`).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// List every granule with a point in a shard that touches the region
    /// (for `magg run --all-observations`); by default a granule is listed
    /// under a shard only where one of its child cells touches the region.
    #[arg(long)]
    all_observations: bool,
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let t0 = Instant::now();
    let region = regions::region(&args.region)?;
    let spec = BuildSpec {
        parent_order: args.parent_order,
        child_order: args.child_order,
        match_order: args.match_order.unwrap_or(args.child_order),
        buffer_km: args.buffer_km,
        rule: RegionRule::from_all_observations(args.all_observations),
    };
    spec.validate()?;
    let region_moc = spec.region_moc(&region)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (map, note) = if let Some(list) = &args.granules {
        let urls = runtime.block_on(local::granule_list(list))?;
        if urls.is_empty() {
            bail!("no granule files in {list}");
        }
        let layout = local::Layout::atl06();
        let mut map = runtime.block_on(local::build(
            &urls,
            &region,
            &region_moc,
            &spec,
            &layout,
            args.concurrency,
        ))?;
        map.query.short_name = Some(args.short_name.clone());
        map.query.version = Some(args.version.clone());
        (map, format!("{} files read", urls.len()))
    } else {
        let mut query = match (args.cycle, &args.temporal) {
            (Some(c), _) => GranuleQuery::cycle(&args.short_name, &args.version, c)?,
            (None, Some(t)) => {
                let (s, e) = t.split_once(',').context("--temporal wants START,END")?;
                GranuleQuery::temporal(&args.short_name, &args.version, s.trim(), e.trim())
            }
            (None, None) => bail!("give --cycle, --temporal, or --granules"),
        };
        query.track_search = !args.no_track_search;
        query.provider.clone_from(&args.provider);
        // The region's box as a coarse spatial prefilter.
        let bbox = Footprint::Polygons(region.polygons.clone()).bounding_box()?;
        query.bounding_box = Some(bbox);
        let client = CmrClient::new(&args.cmr_url)?;
        let found = runtime.block_on(client.search(&query))?;
        let mut q = spec.query("cmr", &region, &region_moc)?;
        q.short_name = Some(args.short_name.clone());
        q.version = Some(args.version.clone());
        q.cycle = args.cycle;
        q.temporal.clone_from(&query.temporal);
        q.cmr_url = Some(client.base().to_string());
        let map = build::from_footprints(&found.granules, &region_moc, q, &spec)?;
        let note = format!(
            "CMR: {} hits in {} pages, {} granules of other cycles dropped",
            found
                .hits
                .map_or_else(|| "?".to_string(), |h| h.to_string()),
            found.pages,
            found.other_cycle
        );
        (map, note)
    };
    map.write(&args.out)?;
    let totals = map.totals();
    println!(
        "catalog: {} shards, {} granules, {} (shard, granule) pairs ({} rule) in {:.2} s ({note}) -> {}",
        totals.shards,
        totals.granules,
        totals.pairs,
        spec.rule.name(),
        t0.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
