//! `magg demo`: the whole pipeline on bundled granules, no network.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use magg_agg::AggConfig;
use magg_catalog::{BuildSpec, local};
use magg_run::{JobOptions, Selection, StoreMode};

/// The demo granules travel inside the binary (3.3 MB, synthetic
/// ATL06-layout files written by libhdf5; see `crates/magg/demo/README.md`).
const GRANULES: [(&str, &[u8]); 6] = [
    (
        "ATL06_20231218222155_00012211_006_01.h5",
        include_bytes!("../../demo/ATL06_20231218222155_00012211_006_01.h5"),
    ),
    (
        "ATL06_20231229032328_01572210_006_01.h5",
        include_bytes!("../../demo/ATL06_20231229032328_01572210_006_01.h5"),
    ),
    (
        "ATL06_20240201233310_06892211_006_01.h5",
        include_bytes!("../../demo/ATL06_20240201233310_06892211_006_01.h5"),
    ),
    (
        "ATL06_20240204143026_07292212_006_01.h5",
        include_bytes!("../../demo/ATL06_20240204143026_07292212_006_01.h5"),
    ),
    (
        "ATL06_20240312124946_12932212_006_01.h5",
        include_bytes!("../../demo/ATL06_20240312124946_12932212_006_01.h5"),
    ),
    (
        "ATL06_20240317213551_13752211_006_01.h5",
        include_bytes!("../../demo/ATL06_20240317213551_13752211_006_01.h5"),
    ),
];

/// Run the whole pipeline on six bundled ATL06-layout granules (no network,
/// no credentials): catalog → run → Zarr store under `./magg-demo/`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Where to write (granules, shard map, store, results).
    #[arg(long, default_value = "magg-demo")]
    out: PathBuf,
    /// Shards in flight at once (default: 2 × cores).
    #[arg(long)]
    workers: Option<usize>,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
}

fn unpack(dir: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    GRANULES
        .iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            let same = std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64);
            if !same {
                std::fs::write(&path, bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            Ok(path.to_string_lossy().into_owned())
        })
        .collect()
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let out = &args.out;
    let granules = unpack(&out.join("granules"))?;
    let store = out.join("atl06.zarr").to_string_lossy().into_owned();
    let shardmap_path = out.join("shardmap.json");
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(async {
        let t = std::time::Instant::now();
        let region = magg_catalog::regions::region("antarctica")?;
        let spec = BuildSpec::default();
        let moc = region.cover(spec.match_order)?;
        let map = local::build(&granules, &region, &moc, &spec, &local::Layout::atl06(), 4).await?;
        map.write(&shardmap_path)?;
        let totals = map.totals();
        eprintln!(
            "catalog: {} shards, {} granules, {} (shard, granule) pairs in {:.2} s -> {}",
            totals.shards,
            totals.granules,
            totals.pairs,
            t.elapsed().as_secs_f64(),
            shardmap_path.display()
        );
        let opts = JobOptions {
            store: store.clone(),
            workers: args.workers.unwrap_or_else(super::run::default_workers),
            granule_concurrency: magg_agg::DEFAULT_GRANULE_CONCURRENCY,
            beam_concurrency: magg_agg::DEFAULT_BEAM_CONCURRENCY,
            selection: Selection::default(),
            mode: StoreMode::Overwrite,
            pyramid: Vec::new(),
            quiet: args.quiet,
            io: magg_h5::IoPolicy::default(),
            chunk_index: None,
            trend: None,
        };
        let stop = super::run::stop_on_signal();
        anyhow::Ok(magg_run::run_local(&map, AggConfig::atl06_default(), &opts, stop).await?)
    })?;
    let results = out.join("results.json");
    let written = report
        .write_json(&results)
        .map(|()| vec![results.display().to_string()])
        .map_err(|e| format!("writing results JSON {}: {e}", results.display()));
    super::run::finish(&report, written)?;
    println!("store: {store}");
    println!("open it in Python:");
    for line in python_snippet(&store, 12, false, "count", "h_mean") {
        println!("    {line}");
    }
    super::plot::demo_map(&store, &out.join("demo.png"))?;
    Ok(())
}

/// The Python lines `magg demo` and `magg run` print: open the group of
/// order `order` as a user would (no flags; the store's consolidated
/// metadata makes it one read), decode the DGGS coordinate, keep the cells
/// where `count` > 0 (in any window, for a store of several time windows)
/// and print `show`. The same steps are what `magg bench open` times.
pub(crate) fn python_snippet(
    store: &str,
    order: u8,
    windows: bool,
    count: &str,
    show: &str,
) -> [String; 4] {
    let select = if windows {
        format!(
            "cells = ds.isel(cells=(ds[{count:?}] > 0).any(\"time\").values)  # the cells with data in any window"
        )
    } else {
        format!("cells = ds.isel(cells=ds[{count:?}].values > 0)  # the cells with data")
    };
    [
        "import xarray as xr, xdggs".to_string(),
        format!("ds = xr.open_zarr({store:?}, group=\"{order}\").pipe(xdggs.decode)"),
        select,
        format!("print(cells.{show})"),
    ]
}

/// [`python_snippet`] for a store on a rectilinear grid: group `0` opened
/// with rioxarray (the CRS and transform from `spatial_ref`), `show` where
/// `count` > 0 (a `(time, y, x)` array in a store of several windows).
pub(crate) fn grid_snippet(store: &str, windows: bool, count: &str, show: &str) -> [String; 4] {
    let dims = if windows { "(time, y, x)" } else { "(y, x)" };
    [
        "import xarray as xr, rioxarray".to_string(),
        format!("ds = xr.open_zarr({store:?}, group=\"0\")"),
        "print(ds.rio.crs, ds.rio.transform())  # the grid's CRS and transform".to_string(),
        format!("print(ds.{show}.where(ds[{count:?}] > 0))  # {dims}, NaN where no data"),
    ]
}

/// What a run's snippet shows: the variable whose positive values mark
/// the cells with data (`count` when the config has it, else its first
/// output), and the first other output.
pub(crate) fn snippet_variables(plan: &magg_agg::Plan) -> (String, String) {
    let names: Vec<&str> = plan.output_names().collect();
    let count = if names.contains(&"count") {
        "count"
    } else {
        names.first().copied().unwrap_or("count")
    };
    let show = names.iter().copied().find(|n| *n != count).unwrap_or(count);
    (count.to_string(), show.to_string())
}
