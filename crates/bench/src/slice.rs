//! K shards of a cycle slice, end to end through the local executor.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use magg_agg::AggConfig;
use magg_catalog::{BuildSpec, ShardMap, local, regions};
use magg_run::{JobOptions, RunReport, Selection, StoreMode};

use crate::BenchError;

/// What the slice benchmark measured.
#[derive(Debug)]
pub struct SliceReport {
    /// Seconds to build the shard map from the granules (`magg catalog --granules`).
    pub catalog_seconds: f64,
    /// Shards in the map.
    pub shards_in_map: usize,
    /// The run.
    pub run: RunReport,
    /// Peak RSS of the process, bytes.
    pub peak_rss: Option<u64>,
}

/// The shard map of local `granules` as `magg catalog --granules` builds
/// it (Antarctica, orders 6/12).
pub async fn shard_map(granules: &[String]) -> Result<ShardMap, BenchError> {
    let region = regions::region("antarctica").map_err(|e| BenchError::step("region", e))?;
    let spec = BuildSpec::default();
    let moc = spec
        .region_moc(&region)
        .map_err(|e| BenchError::step("region coverage", e))?;
    local::build(granules, &region, &moc, &spec, &local::Layout::atl06(), 4)
        .await
        .map_err(|e| BenchError::step("shard map", e))
}

/// Builds the shard map of `granules` (Antarctica, orders 6/12) and runs
/// the `shards` costliest shards with `workers` workers (each reading at
/// most `granule_concurrency` granules and `beam_concurrency` beams of a
/// granule at once) into a temporary store.
pub async fn run(
    granules: &[String],
    shards: usize,
    workers: usize,
    (granule_concurrency, beam_concurrency): (usize, usize),
) -> Result<SliceReport, BenchError> {
    let t0 = Instant::now();
    let map = shard_map(granules).await?;
    let catalog_seconds = t0.elapsed().as_secs_f64();
    let dir = tempfile::tempdir().map_err(|e| BenchError::step("temporary store", e))?;
    let opts = JobOptions {
        store: dir.path().join("slice.zarr").to_string_lossy().into_owned(),
        workers,
        granule_concurrency,
        beam_concurrency,
        selection: Selection {
            shard: None,
            max_shards: Some(shards),
        },
        mode: StoreMode::New,
        pyramid: Vec::new(),
        quiet: true,
        io: magg_h5::IoPolicy::default(),
        chunk_index: None,
        trend: None,
    };
    let report = magg_run::run_local(
        &map,
        AggConfig::atl06_default(),
        &opts,
        Arc::new(AtomicBool::new(false)),
    )
    .await
    .map_err(|e| BenchError::step("run", e))?;
    Ok(SliceReport {
        catalog_seconds,
        shards_in_map: map.iter().count(),
        run: report,
        peak_rss: crate::rss::peak_rss_bytes(),
    })
}
