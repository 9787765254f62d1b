//! [`read_shard`]: the I/O half of a shard worker. For each granule
//! (concurrently, bounded) and each beam group: find the latitude and
//! longitude chunks that can hold the shard's points (`data_source.row_search`,
//! see `rows.rs`), find the row runs whose
//! parent-order cell is the shard (ATL06 rows are along-track ordered, so
//! the shard's rows are a few contiguous runs), read only those rows of the
//! other datasets, and push them into a [`ShardAccumulator`].
//!
//! A beam group missing from a granule is normal and skipped. Any other
//! problem (missing dataset, corrupt or unreachable file) is recorded in that
//! granule's [`GranuleReport`], naming the granule and the HDF5 path, and the
//! granule contributes nothing; the other granules are unaffected. Results
//! are pushed in the order the granules are given (then beam, then row), so
//! a shard's output does not depend on which read finished first.

use crate::accumulate::{FilterStats, ShardAccumulator};
use crate::batch::{Batch, SourceSlice, Values};
use crate::config::{AggConfig, GroupPaths, RowSearch};
use crate::datasets::fill_of;
use crate::error::AggError;
use crate::plan::Plan;
use crate::reduce::GroupedShard;
use crate::region::ShardRegion;
use crate::source::{AlongTrack, RowSource};
use futures::StreamExt;
use magg_grid::{Grid, NOT_IN_SHARD};
use magg_h5::{Counters, Dataset, File, FileCache, IoStats, OpenOptions};
use magg_morton as morton;
use std::ops::Range;
use std::sync::Arc;

/// How a shard's granules are read.
///
/// Every granule of a shard is read at once, every beam of a granule at
/// once: from S3 a shard's wall time is its rounds of dependent requests
/// times the latency, so the reads overlap as far as the files allow. What
/// bounds them is one request limiter and one memory budget per shard,
/// shared by all its files, not a count of granules.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Range requests in flight at once for one shard, over all its
    /// granules (unless `open.limiter` is set).
    pub requests_in_flight: usize,
    /// Bytes the shard's row reads may hold in flight at once: stored
    /// bytes being fetched plus chunks being decoded (unless `open.budget`
    /// is set; see [`magg_h5::Budget`]). The rows kept (the shard's own
    /// observations, and the coordinates a beam's search has read until
    /// the beam is done) are not counted.
    pub memory_budget: u64,
    /// At most this many granules read at once (default: no cap).
    pub granule_concurrency: usize,
    /// Beams of a granule read at once (default: all).
    pub beam_concurrency: usize,
    /// In-shard row runs closer than this are read as one range (the rows
    /// between are read and then dropped as outside the shard).
    pub merge_gap_rows: u64,
    /// How each HDF5 file is opened (share a limiter or counters here).
    pub open: OpenOptions,
    /// Opened files kept for the next shards (clones of these options
    /// share it; `None`: every shard opens its granules afresh).
    pub files: Option<Arc<FileCache>>,
    /// A chunk index (`magg-index`): a granule it lists is read from its
    /// entry, with no metadata request: every dataset of only the row
    /// blocks its summary places in the shard, in one round
    /// (`indexed.rs`). `None`, or a granule it does not list: the metadata
    /// is read.
    pub index: Option<Arc<magg_index::ChunkIndex>>,
}

/// Range requests in flight per shard by default. Measured on the dense
/// shard (40 granules) at 25 ms per request: see BENCHMARKS.md.
pub const DEFAULT_REQUESTS_IN_FLIGHT: usize = 256;

/// Bytes a shard's reads may hold in flight by default.
pub const DEFAULT_MEMORY_BUDGET: u64 = 192 << 20;

/// Granules in flight per shard by default: all (no cap).
pub const DEFAULT_GRANULE_CONCURRENCY: usize = usize::MAX;

/// Beams in flight per granule by default: all (no cap).
pub const DEFAULT_BEAM_CONCURRENCY: usize = usize::MAX;

/// Files a [`ReadOptions::default`] cache keeps: a granule's parsed metadata
/// and cached metadata takes well under 1 MB.
pub const DEFAULT_CACHED_FILES: usize = 64;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            requests_in_flight: DEFAULT_REQUESTS_IN_FLIGHT,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            granule_concurrency: DEFAULT_GRANULE_CONCURRENCY,
            beam_concurrency: DEFAULT_BEAM_CONCURRENCY,
            merge_gap_rows: 4096,
            open: OpenOptions::default(),
            files: Some(Arc::new(FileCache::new(DEFAULT_CACHED_FILES))),
            index: None,
        }
    }
}

/// What reading one granule gave.
#[derive(Debug)]
pub struct GranuleReport {
    /// The granule's URL or path, as given.
    pub url: String,
    /// Beam groups present in the granule (of those configured).
    pub beams: u32,
    /// Rows read from the variable datasets: the shard's runs, or from an
    /// index entry the summary's whole blocks.
    pub rows_read: u64,
    /// Filter counts of the rows read (all zero when the granule failed).
    pub stats: FilterStats,
    /// Beams whose latitudes contradicted the along-track model of
    /// `row_search: along_track`, so their whole latitude column was read.
    pub row_search_fallbacks: u32,
    /// Whether the granule was read from its chunk index entry.
    pub indexed: bool,
    /// Why its index entry could not be used (stale, corrupt, lacking a
    /// dataset, ...), when there was one: the granule was then read
    /// through its metadata.
    pub index_fallback: Option<String>,
    /// Requests, bytes and rounds of this granule.
    pub io: Counters,
    /// Why the granule contributed nothing, if it failed.
    pub error: Option<AggError>,
}

/// A shard's observations from all its granules, grouped and ready to
/// reduce, with one report per granule (in input order).
#[derive(Debug)]
pub struct ShardOutput {
    /// The grouped observations.
    pub grouped: GroupedShard,
    /// One report per granule given.
    pub granules: Vec<GranuleReport>,
    /// The shard's I/O (all granules), with its rounds.
    io: Counters,
}

impl ShardOutput {
    /// Granules that failed.
    pub fn failed(&self) -> impl Iterator<Item = &GranuleReport> {
        self.granules.iter().filter(|g| g.error.is_some())
    }

    /// Granules whose index entry could not be used (read through their
    /// metadata instead).
    pub fn index_fallbacks(&self) -> u32 {
        self.granules
            .iter()
            .filter(|g| g.index_fallback.is_some())
            .count() as u32
    }

    /// I/O of all granules: the sums of theirs, and the shard's rounds
    /// (its longest chain of dependent requests, counted over all its
    /// granules: at least the most of any one granule).
    pub fn io(&self) -> Counters {
        self.io
    }
}

/// Reads the observations of shard `shard` (a morton word at the config's
/// parent order) from `granules` (paths or URLs `magg_h5` can open).
///
/// Errors only for an invalid config or shard; granule problems are in the
/// reports.
pub async fn read_shard(
    shard: u64,
    granules: &[String],
    config: &AggConfig,
    opts: &ReadOptions,
) -> Result<ShardOutput, AggError> {
    read_shard_in_region(shard, &ShardRegion::Whole, granules, config, opts).await
}

/// [`read_shard`], keeping only the observations whose child cell `region`
/// selects (the others count as `FilterStats::outside_region`).
pub async fn read_shard_in_region(
    shard: u64,
    region: &ShardRegion,
    granules: &[String],
    config: &AggConfig,
    opts: &ReadOptions,
) -> Result<ShardOutput, AggError> {
    // Rounds by dependency depth from here (`magg_h5::track_rounds`).
    magg_h5::track_rounds(read_tracked(shard, region, granules, config, opts)).await
}

async fn read_tracked(
    shard: u64,
    region: &ShardRegion,
    granules: &[String],
    config: &AggConfig,
    opts: &ReadOptions,
) -> Result<ShardOutput, AggError> {
    let plan = Plan::new(config)?;
    let mut acc = ShardAccumulator::in_region(&plan, shard, region)?;
    // One limiter, budget and set of counters for the shard's files.
    let mut opts = opts.clone();
    opts.open
        .share_limits(opts.requests_in_flight, opts.memory_budget);
    let shard_io = match &opts.open.stats {
        Some(caller) => IoStats::within(caller),
        None => IoStats::new(),
    };
    opts.open.stats = Some(Arc::clone(&shard_io));
    let opts = &opts;
    let beams: Vec<(String, GroupPaths)> = config
        .data_source
        .groups
        .iter()
        .map(|g| (g.clone(), config.paths_for_group(g)))
        .collect();
    let refuse = |reason: String| AggError::Shard {
        word: shard,
        reason,
    };
    // Where the shard is: a HEALPix shard's word, or the grid's bounds of
    // a tile (the accumulator has checked the shard).
    let (shard_nested, target, tile) = if plan.is_healpix() {
        let nested = morton::decode(shard)
            .map_err(|e| refuse(e.to_string()))?
            .nested;
        let target = crate::rows::Target::of(shard).map_err(|e| refuse(e.to_string()))?;
        (nested, target, None)
    } else {
        let bound = plan
            .grid()
            .shard_bound(shard)
            .map_err(|e| refuse(e.to_string()))?;
        let target = crate::rows::Target {
            hull: bound.hull,
            band: bound.lat_band,
            window: bound.lon_window,
        };
        (0, target, Some((Arc::clone(plan.grid()), shard)))
    };
    // A tile's cover at the index's order, once for every granule.
    let tile_cover = match (&tile, &opts.index) {
        (Some((grid, t)), Some(ix)) => Some(
            grid.shard_cover(*t, ix.summary_order)
                .map_err(|e| e.to_string())
                .and_then(|m| m.cells(ix.summary_order).map_err(|e| e.to_string()))
                .map_err(|e| format!("the tile's cover at order {}: {e}", ix.summary_order)),
        ),
        _ => None,
    };
    let ctx = Ctx {
        beams: &beams,
        parent_order: plan.parent_order(),
        shard_nested,
        target,
        tile,
        tile_cover,
        search: config.data_source.row_search == RowSearch::AlongTrack,
        opts,
    };

    // Owned URLs: a closure over `&String` makes the future's `Send`
    // bound higher-ranked, which callers behind `async_trait` cannot meet.
    // Each granule is a branch of its own (made now, so one started when
    // another finished does not seem to need its answers).
    let ctx = &ctx;
    let reads: Vec<_> = granules
        .iter()
        .cloned()
        .map(move |url| magg_h5::branch(async move { read_granule(&url, ctx).await }))
        .collect();
    let mut results = futures::stream::iter(reads).buffered(opts.granule_concurrency.max(1));
    let mut reports = Vec::with_capacity(granules.len());
    let mut index = 0;
    while let Some(result) = results.next().await {
        let url = granules[index].clone();
        index += 1;
        let report = match result {
            Ok(g) => {
                let mut stats = FilterStats::default();
                let mut error = None;
                for beam in &g.beams {
                    match acc.push(&beam.batch()) {
                        Ok(st) => stats.add(&st),
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
                GranuleReport {
                    url,
                    beams: g.present,
                    rows_read: g.rows_read,
                    stats,
                    row_search_fallbacks: g.fallbacks,
                    indexed: g.indexed,
                    index_fallback: g.index_fallback,
                    io: g.io,
                    error,
                }
            }
            Err((io, fallback, e)) => GranuleReport {
                url,
                beams: 0,
                rows_read: 0,
                stats: FilterStats::default(),
                row_search_fallbacks: 0,
                indexed: false,
                index_fallback: fallback,
                io,
                error: Some(e),
            },
        };
        reports.push(report);
    }
    Ok(ShardOutput {
        grouped: acc.finish(),
        granules: reports,
        io: shard_io.snapshot(),
    })
}

impl Ctx<'_> {
    /// The shard's HEALPix cell (parent order, nested id); `None` for a
    /// grid's tile.
    pub(crate) fn healpix_shard(&self) -> Option<(u8, u64)> {
        self.tile
            .is_none()
            .then_some((self.parent_order, self.shard_nested))
    }

    /// Row ranges of `lat`/`lon` in the shard: whose parent-order cell is
    /// the shard, or that the grid locates in the tile (runs closer than
    /// `merge_gap_rows` merged).
    pub(crate) fn shard_runs(&self, lat: &[f64], lon: &[f64]) -> Vec<Range<u64>> {
        match &self.tile {
            None => shard_runs(
                lat,
                lon,
                self.parent_order,
                (self.shard_nested, &self.target),
                self.opts.merge_gap_rows,
            ),
            Some((grid, tile)) => tile_runs(
                lat,
                lon,
                (grid.as_ref(), *tile),
                &self.target,
                self.opts.merge_gap_rows,
            ),
        }
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) beams: &'a [(String, GroupPaths)],
    pub(crate) parent_order: u8,
    pub(crate) shard_nested: u64,
    /// Where the shard is: its hull, latitude band and longitude window.
    pub(crate) target: crate::rows::Target,
    /// A grid's shard (a rectilinear tile): membership by the grid.
    tile: Option<(Arc<dyn Grid>, u64)>,
    /// With a chunk index and a tile: the tile's cover at the index's
    /// summary order (sorted nested ids), what its summaries are compared
    /// with; or why it could not be had (each granule is then read through
    /// its metadata, counted as an index fallback).
    pub(crate) tile_cover: Option<Result<Vec<u64>, String>>,
    /// The along-track search (else whole latitude columns).
    pub(crate) search: bool,
    pub(crate) opts: &'a ReadOptions,
}

/// One granule's in-shard rows, per beam.
pub(crate) struct GranuleRows {
    pub(crate) present: u32,
    rows_read: u64,
    fallbacks: u32,
    indexed: bool,
    index_fallback: Option<String>,
    beams: Vec<BeamRows>,
    pub(crate) io: Counters,
}

/// One beam's rows inside the shard's runs.
pub(crate) struct BeamRows {
    pub(crate) lat: Vec<f64>,
    pub(crate) lon: Vec<f64>,
    pub(crate) lat_fill: Option<f64>,
    pub(crate) lon_fill: Option<f64>,
    pub(crate) vars: Vec<(Vec<f64>, Option<f64>)>,
    pub(crate) filters: Vec<Vec<f64>>,
}

impl BeamRows {
    fn batch(&self) -> Batch<'_> {
        fn slice(v: &[f64], fill: Option<f64>) -> SourceSlice<'_> {
            SourceSlice {
                values: Values::F64(v),
                fill_value: fill,
            }
        }
        Batch {
            latitude: slice(&self.lat, self.lat_fill),
            longitude: slice(&self.lon, self.lon_fill),
            variables: self.vars.iter().map(|(v, f)| slice(v, *f)).collect(),
            filters: self.filters.iter().map(|v| Values::F64(v)).collect(),
        }
    }
}

/// A failed granule: its I/O, why its index entry was not used (if it
/// had one), and the error.
type GranuleError = (Counters, Option<String>, AggError);

async fn read_granule(url: &str, ctx: &Ctx<'_>) -> Result<GranuleRows, GranuleError> {
    let Some(index) = ctx.opts.index.as_ref() else {
        return read_granule_opened(url, ctx).await;
    };
    let Some(entry) = index.granule(url) else {
        return read_granule_opened(url, ctx).await;
    };
    let tried = match entry {
        Ok(g) => crate::indexed::read_granule(url, g, index.summary_order, ctx).await,
        Err(e) => Err(e.to_string()),
    };
    match tried {
        Ok(rows) => Ok(rows),
        Err(reason) => match read_granule_opened(url, ctx).await {
            Ok(mut rows) => {
                rows.index_fallback = Some(reason);
                Ok(rows)
            }
            Err((io, _, e)) => Err((io, Some(reason), e)),
        },
    }
}

/// [`read_granule`] through the granule's metadata.
async fn read_granule_opened(url: &str, ctx: &Ctx<'_>) -> Result<GranuleRows, GranuleError> {
    let read_err = |e: magg_h5::Error| AggError::Read {
        granule: url.to_string(),
        source: Box::new(e),
    };
    let opened = match &ctx.opts.files {
        Some(cache) => cache.open_url(url, &ctx.opts.open).await,
        None => File::open_url(url, &ctx.opts.open).await,
    };
    let file = opened.map_err(|e| (Counters::default(), None, read_err(e)))?;
    let fail = |e: magg_h5::Error| (file.counters(), None, read_err(e));
    // Names only: the beam groups' headers are read when their datasets
    // are opened, all at once.
    let root: Vec<String> = file.names("/").await.map_err(fail)?;
    // Beams without data are omitted from granules.
    let present: Vec<&GroupPaths> = ctx
        .beams
        .iter()
        .filter(|(group, _)| root.iter().any(|n| n == group))
        .map(|(_, paths)| paths)
        .collect();
    // Every dataset of every beam is opened at once: each open is a chain
    // of small dependent requests (object header, B-tree nodes), and from
    // S3 their latency, not bytes or CPU, bounds a granule's time. Errors
    // are taken in beam order so the one reported does not depend on
    // which request answered first.
    let opened = futures::future::join_all(
        present
            .iter()
            .map(|p| magg_h5::branch(BeamDatasets::open(&file, p))),
    );
    let mut sets = Vec::with_capacity(present.len());
    for set in opened.await {
        sets.push(set.map_err(fail)?);
    }
    let mut out = GranuleRows {
        present: present.len() as u32,
        rows_read: 0,
        fallbacks: 0,
        indexed: false,
        index_fallback: None,
        beams: Vec::new(),
        io: Counters::default(),
    };
    // Every beam at once (`beam_concurrency` at most), each search from the
    // middle of its track: a search's probes are dependent rounds, and the
    // beams' rounds overlap. (Starting the other beams where the first came
    // nearest the shard read 7 % fewer bytes on the dense shard, but added
    // the first beam's rounds to theirs: 24 rounds instead of 16.)
    // Indices, not references, into the stream: a closure over `&BeamDatasets`
    // makes the future's `Send` bound higher-ranked (see `read_shard`).
    let sets = &sets;
    let reads: Vec<_> = (0..sets.len())
        .map(move |i| magg_h5::branch(read_beam(&sets[i], ctx)))
        .collect();
    let beams: Vec<_> = futures::stream::iter(reads)
        .buffered(ctx.opts.beam_concurrency.max(1))
        .collect()
        .await;
    for beam in beams {
        out.add(beam.map_err(fail)?);
    }
    out.io = file.counters();
    Ok(out)
}

impl GranuleRows {
    /// Rows of a granule read from its index entry, before its beams.
    pub(crate) fn indexed(present: u32) -> GranuleRows {
        GranuleRows {
            present,
            rows_read: 0,
            fallbacks: 0,
            indexed: true,
            index_fallback: None,
            beams: Vec::new(),
            io: Counters::default(),
        }
    }

    /// Adds one beam's rows.
    pub(crate) fn add(&mut self, beam: BeamRead) {
        self.rows_read += beam.rows_read;
        self.fallbacks += u32::from(beam.fell_back);
        self.beams.extend(beam.rows);
    }
}

/// One beam's datasets, opened (metadata only).
pub(crate) struct BeamDatasets {
    pub(crate) lat: Dataset,
    pub(crate) lon: Dataset,
    pub(crate) vars: Vec<Dataset>,
    /// The filters' flag datasets (a 2-D one narrowed to its column).
    pub(crate) filters: Vec<Dataset>,
    /// The level the rows are found through, with a linked read plan.
    pub(crate) link: Option<crate::linked::Linked>,
}

impl BeamDatasets {
    /// Opens all of a beam's datasets (concurrently), so a granule missing
    /// one is an error whether or not this shard needs its rows, and checks
    /// that they have one row per segment each: a mismatch is a malformed
    /// granule, refused whether or not this shard's rows are hit.
    async fn open(file: &File, paths: &GroupPaths) -> Result<Self, magg_h5::Error> {
        let open = |p| magg_h5::branch(file.dataset(p));
        let link = magg_h5::branch(async {
            match &paths.link {
                Some(plan) => Box::pin(crate::linked::Linked::open(file, plan))
                    .await
                    .map(Some),
                None => Ok(None),
            }
        });
        let (lat, lon, vars, filters, link) = futures::join!(
            open(&paths.latitude),
            open(&paths.longitude),
            futures::future::join_all(paths.variables.iter().map(|p| open(p))),
            futures::future::join_all(paths.filters.iter().map(|(p, _)| open(p))),
            link,
        );
        let mut set = BeamDatasets::checked(
            file,
            lat?,
            lon?,
            vars.into_iter().collect::<Result<_, _>>()?,
            filters
                .into_iter()
                .zip(&paths.filters)
                .map(|(ds, (_, column))| crate::datasets::filter_values(ds?, *column))
                .collect::<Result<_, _>>()?,
        )?;
        set.link = link?;
        Ok(set)
    }

    /// A beam's datasets, checked: one value per row, equal lengths.
    pub(crate) fn checked(
        file: &File,
        lat: Dataset,
        lon: Dataset,
        vars: Vec<Dataset>,
        filters: Vec<Dataset>,
    ) -> Result<Self, magg_h5::Error> {
        let set = BeamDatasets {
            lat,
            lon,
            vars,
            filters,
            link: None,
        };
        for ds in [&set.lat, &set.lon].into_iter().chain(&set.vars) {
            crate::datasets::one_per_row(ds)?;
        }
        let others = std::iter::once(&set.lon)
            .chain(&set.vars)
            .chain(&set.filters);
        for ds in others {
            if ds.rows() != set.lat.rows() {
                return Err(magg_h5::Error {
                    file: file.name().to_string(),
                    object: ds.path().to_string(),
                    kind: magg_h5::ErrorKind::Corrupt(format!(
                        "{} rows, but {} has {}: datasets of a beam must have equal lengths",
                        ds.rows(),
                        set.lat.path(),
                        set.lat.rows()
                    )),
                });
            }
        }
        Ok(set)
    }
}

/// What reading one beam gave.
pub(crate) struct BeamRead {
    /// The beam's rows in the shard, if any.
    pub(crate) rows: Option<BeamRows>,
    pub(crate) rows_read: u64,
    pub(crate) fell_back: bool,
}

/// Reads one beam's rows in the shard, finding them with the row search.
pub(crate) async fn read_beam(
    ds: &BeamDatasets,
    ctx: &Ctx<'_>,
) -> Result<BeamRead, magg_h5::Error> {
    // Reads narrow down: latitude and longitude near the shard (the
    // along-track search), then the other datasets in the shard's rows.
    // (From an index, `indexed::read_blocks` reads every dataset of the
    // summary's blocks at once.)
    let file = ds.lat.file();
    let source: &dyn RowSource = match &ds.link {
        Some(linked) => linked,
        None => &AlongTrack,
    };
    let found = source.positions(ds, ctx).await?;
    let mut read = BeamRead {
        rows: None,
        rows_read: 0,
        fell_back: found.fell_back,
    };
    let (lat_fill, lon_fill) = (fill_of(&ds.lat), fill_of(&ds.lon));
    // The shard's row runs, each inside one segment: (segment, rows of it).
    let mut local: Vec<(&crate::rows::Segment, Range<usize>)> = Vec::new();
    for seg in &found.segments {
        let runs = ctx.shard_runs(&seg.lat, &seg.lon);
        local.extend(
            runs.into_iter()
                .map(|r| (seg, r.start as usize..r.end as usize)),
        );
    }
    if local.is_empty() {
        return Ok(read);
    }
    let runs: Vec<Range<u64>> = local
        .iter()
        .map(|(seg, r)| seg.start + r.start as u64..seg.start + r.end as u64)
        .collect();
    let mut datasets: Vec<&Dataset> = ds.vars.iter().collect();
    datasets.extend(&ds.filters);
    let reqs: Vec<(&Dataset, Range<u64>)> = datasets
        .iter()
        .flat_map(|ds| runs.iter().map(move |r| (*ds, r.clone())))
        .collect();
    let parts: Vec<Vec<f64>> = file.read_many(&reqs).await?;
    let mut columns = parts.chunks(runs.len()).map(<[Vec<f64>]>::concat);
    let vars = ds
        .vars
        .iter()
        .map(|d| (columns.next().unwrap_or_default(), fill_of(d)))
        .collect();
    let filters = ds
        .filters
        .iter()
        .map(|_| columns.next().unwrap_or_default())
        .collect();
    let pick = |column: fn(&crate::rows::Segment) -> &[f64]| {
        local
            .iter()
            .flat_map(|(seg, r)| column(seg)[r.clone()].iter().copied())
            .collect()
    };
    read.rows_read = runs.iter().map(|r| r.end - r.start).sum();
    read.rows = Some(BeamRows {
        lat: pick(|s| &s.lat),
        lon: pick(|s| &s.lon),
        lat_fill,
        lon_fill,
        vars,
        filters,
    });
    Ok(read)
}

/// Row ranges whose parent-order cell is the shard (merged as
/// [`crate::rows::merge_runs`]). Rows with invalid coordinates are not in
/// it. Only rows passing the target's band and window pre-tests are
/// hashed: the chunks the search reads hold rows on either side of the
/// shard.
fn shard_runs(
    lat: &[f64],
    lon: &[f64],
    order: u8,
    (shard_nested, target): (u64, &crate::rows::Target),
    merge_gap: u64,
) -> Vec<Range<u64>> {
    let inside = lat.iter().zip(lon).map(|(&la, &lo)| {
        la.abs() <= 90.0
            && lo.is_finite()
            && target.may_hold(la, lo)
            && morton::geo_to_nested(la, lo, order).is_ok_and(|n| n == shard_nested)
    });
    crate::rows::merge_runs(inside, merge_gap)
}

/// [`shard_runs`] for a grid's shard (a tile): rows the grid locates in
/// it.
fn tile_runs(
    lat: &[f64],
    lon: &[f64],
    (grid, tile): (&dyn Grid, u64),
    target: &crate::rows::Target,
    merge_gap: u64,
) -> Vec<Range<u64>> {
    let mut idx = [NOT_IN_SHARD];
    let inside = lat.iter().zip(lon).map(|(&la, &lo)| {
        la.abs() <= 90.0
            && lo.is_finite()
            && target.may_hold(la, lo)
            && grid.locate_in_shard(tile, &[la], &[lo], &mut idx).is_ok()
            && idx[0] != NOT_IN_SHARD
    });
    crate::rows::merge_runs(inside, merge_gap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_small_gaps() {
        let shard = morton::geo_to_morton(-80.0, 120.0, 6).unwrap();
        let target = crate::rows::Target::of(shard).unwrap();
        let nested = (morton::decode(shard).unwrap().nested, &target);
        let lat = [-80.0, -80.0, 10.0, 10.0, 10.0, -80.0, f64::NAN, -80.0, 10.0];
        let lon = [120.0; 9];
        assert_eq!(shard_runs(&lat, &lon, 6, nested, 0), vec![0..2, 5..6, 7..8]);
        assert_eq!(shard_runs(&lat, &lon, 6, nested, 1), vec![0..2, 5..8]);
        assert_eq!(shard_runs(&lat, &lon, 6, nested, 3), vec![0..8]);
        assert!(shard_runs(&lat[2..5], &lon[2..5], 6, nested, 10).is_empty());
        // Same latitude, another longitude: outside the window, not hashed.
        let far = [-60.0; 9];
        assert!(shard_runs(&lat, &far, 6, nested, 0).is_empty());
    }
}
