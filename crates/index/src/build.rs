//! Building one granule's entry: open it, describe the datasets a
//! pipeline reads in every beam group it has, read the coordinates whole
//! and summarize where each block of rows lies.

use magg_h5::{Counters, Dataset, File, IoStats, OpenOptions};

use futures::StreamExt;

use crate::{BeamIndex, ChunkIndex, Entry, GranuleIndex, IndexError, Summary};

/// What to index: beam groups and dataset path templates (`{group}` is
/// replaced by each group, as in a pipeline config).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    /// Beam groups (`gt1l` … `gt3r`); those a granule lacks are skipped.
    pub groups: Vec<String>,
    /// Latitude dataset template (`/{group}/land_ice_segments/latitude`).
    pub latitude: String,
    /// Longitude dataset template.
    pub longitude: String,
    /// The other datasets read (variables, filter flags), templates.
    pub datasets: Vec<String>,
    /// Order of the summaries' cells.
    pub summary_order: u8,
    /// With a linked read: the link, to summarize the base level too
    /// ([`crate::BeamIndex::base`]). `latitude` / `longitude` are then the
    /// linked level's (the segments').
    pub link: Option<IndexLink>,
}

/// A linked read's link (`magg-agg`'s `read_plan` levels), as the index
/// needs it to summarize the base level from the linked level.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexLink {
    /// Template of the base level's latitude (`/{group}/heights/lat_ph`):
    /// its rows and chunk rows make the base summary's blocks. Also one of
    /// [`IndexSpec::datasets`].
    pub base_latitude: String,
    /// Template of the linked level's first-linked-row dataset
    /// (`ph_index_beg`), read whole. Also one of [`IndexSpec::datasets`].
    pub index_beg: String,
    /// 0 or 1: the value of `index_beg` that names the base level's first
    /// row (below it: a linked row without base rows).
    pub index_base: u8,
    /// Linked rows added on each side of each one's reach.
    pub pad: u64,
    /// Metres allowed between a base row and its linked row.
    pub margin_m: f64,
}

/// An indexed granule: its entry, the coordinates read to build it (per
/// beam present, in `groups` order: latitude, longitude), and the I/O it
/// took.
#[derive(Debug)]
pub struct IndexedGranule {
    /// The entry.
    pub entry: Entry,
    /// (latitude, longitude) of each beam present.
    pub coordinates: Vec<(Vec<f64>, Vec<f64>)>,
    /// Requests, bytes and rounds of building it.
    pub io: Counters,
}

/// The index pass over a list of granules ([`index_granules`]).
#[derive(Debug)]
pub struct IndexPass {
    /// The index of the granules that could be indexed, in input order.
    pub index: ChunkIndex,
    /// Requests, bytes and rounds of the whole pass (every granule's
    /// metadata and coordinates, each read once). Rounds are the deepest
    /// granule's (no granule needs another's answers; the pass's wall
    /// time also holds the queueing of `concurrency` at a time).
    pub io: Counters,
    /// Granules that could not be indexed, with why (a shard reads them
    /// through their metadata).
    pub skipped: Vec<String>,
}

/// The index pass of a catalog whose shard map came without reading the
/// granules (CMR): every granule of `urls` indexed once ([`index_granule`],
/// duplicates by file name indexed once), `concurrency` at a time, the
/// coordinates dropped as soon as each granule's summaries are made (so
/// memory holds at most `concurrency` granules' columns). A granule that
/// cannot be indexed is named in [`IndexPass::skipped`], not an error of
/// the pass.
pub async fn index_granules(
    urls: &[String],
    spec: &IndexSpec,
    opts: &OpenOptions,
    concurrency: usize,
) -> IndexPass {
    let each = index_each(urls, spec, opts, concurrency).await;
    let mut entries = Vec::with_capacity(each.results.len());
    let mut skipped = Vec::new();
    for (_, b) in each.results {
        match b {
            Ok(e) => entries.push(e),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    IndexPass {
        index: ChunkIndex::new(spec.summary_order, entries),
        io: each.io,
        skipped,
    }
}

/// What [`index_each`] gives: each granule's entry or error.
#[derive(Debug)]
pub struct EachGranule {
    /// `(url, entry or why not)` per distinct granule (by file name), in
    /// input order (the first URL of a name).
    pub results: Vec<(String, Result<Entry, IndexError>)>,
    /// Requests, bytes and rounds of them all (rounds: the deepest
    /// granule's).
    pub io: Counters,
}

/// [`index_granules`] with each granule's outcome kept beside its URL
/// (a Lambda batch answers per granule): every distinct granule of
/// `urls` (by file name) indexed once, `concurrency` at a time.
pub async fn index_each(
    urls: &[String],
    spec: &IndexSpec,
    opts: &OpenOptions,
    concurrency: usize,
) -> EachGranule {
    let stats = match &opts.stats {
        Some(parent) => IoStats::within(parent),
        None => IoStats::new(),
    };
    let mut opts = opts.clone();
    opts.stats = Some(stats.clone());
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<(usize, &String)> = urls
        .iter()
        .filter(|u| seen.insert(crate::granule_id(u)))
        .enumerate()
        .collect();
    let opts = &opts;
    let mut built: Vec<(usize, String, Result<Entry, IndexError>)> =
        futures::stream::iter(unique.into_iter().map(|(i, url)| async move {
            (
                i,
                url.clone(),
                index_granule(url, spec, opts).await.map(|g| g.entry),
            )
        }))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    built.sort_by_key(|(i, _, _)| *i);
    EachGranule {
        results: built.into_iter().map(|(_, u, r)| (u, r)).collect(),
        io: stats.snapshot(),
    }
}

/// Rows per summary block when the latitude is not chunked in rows.
const DEFAULT_BLOCK_ROWS: u64 = 10_000;

/// Builds the entry of the granule at `url`: the file's description, every
/// dataset of `spec` described in each beam group present (a group is
/// present when the granule's root lists it; a present group lacking one
/// of the datasets is an error, as it is for the shard reader), and each
/// beam's summary from its whole latitude and longitude columns.
pub async fn index_granule(
    url: &str,
    spec: &IndexSpec,
    opts: &OpenOptions,
) -> Result<IndexedGranule, IndexError> {
    // Rounds by dependency depth, from this granule's first request.
    magg_h5::track_rounds(index_tracked(url, spec, opts)).await
}

async fn index_tracked(
    url: &str,
    spec: &IndexSpec,
    opts: &OpenOptions,
) -> Result<IndexedGranule, IndexError> {
    let io = match &opts.stats {
        Some(parent) => IoStats::within(parent),
        None => IoStats::new(),
    };
    let mut opts = opts.clone();
    opts.stats = Some(io.clone());
    let fail = |e: magg_h5::Error| IndexError::Build {
        url: url.to_string(),
        source: Box::new(e),
    };
    let file = File::open_url(url, &opts).await.map_err(fail)?;
    let root = file.names("/").await.map_err(fail)?;
    let present: Vec<&String> = spec
        .groups
        .iter()
        .filter(|g| root.iter().any(|n| n == *g))
        .collect();
    let beams = futures::future::join_all(
        present
            .iter()
            .map(|g| magg_h5::branch(beam(&file, g, spec))),
    )
    .await;
    let mut out = GranuleIndex {
        file: file.describe(),
        groups: spec.groups.clone(),
        beams: Vec::new(),
        datasets: Vec::new(),
    };
    let mut coordinates = Vec::new();
    let mut links = Vec::new();
    for b in beams {
        let (index, descs, coords, link) = b.map_err(fail)?;
        links.push(link);
        out.beams.push(index);
        for d in descs {
            if out.dataset(&d.path).is_none() {
                out.datasets.push(d);
            }
        }
        coordinates.push(coords);
    }
    // Summaries after the reads, off the reactor: two trigonometric
    // hashes per row.
    let order = spec.summary_order;
    let summaries = summaries(&out.beams, &coordinates, order);
    for (b, s) in out.beams.iter_mut().zip(summaries) {
        b.summary = s;
    }
    if let Some(l) = &spec.link {
        for ((b, link), (lat, lon)) in out.beams.iter_mut().zip(&links).zip(&coordinates) {
            if let Some((beg, base)) = link {
                b.base = crate::link::summarize_link((lat, lon), beg, l, *base, order);
            }
        }
    }
    Ok(IndexedGranule {
        entry: Entry::new(url, out),
        coordinates,
        io: io.snapshot(),
    })
}

/// One beam's entry (summaries still empty), its descriptions, its
/// coordinates, and with a link: `index_beg` whole and the base level's
/// rows and block rows.
type BeamParts = (
    BeamIndex,
    Vec<magg_h5::DatasetDesc>,
    (Vec<f64>, Vec<f64>),
    Option<(Vec<f64>, (u64, u64))>,
);

async fn beam(file: &File, group: &str, spec: &IndexSpec) -> Result<BeamParts, magg_h5::Error> {
    let sub = |p: &str| p.replace("{group}", group);
    let (lat_p, lon_p) = (sub(&spec.latitude), sub(&spec.longitude));
    let mut paths = vec![lat_p.clone(), lon_p.clone()];
    let linked = spec
        .link
        .iter()
        .flat_map(|l| [&l.index_beg, &l.base_latitude]);
    for p in spec.datasets.iter().chain(linked) {
        let p = sub(p);
        if !paths.contains(&p) {
            paths.push(p);
        }
    }
    let opened: Vec<Result<Dataset, magg_h5::Error>> =
        futures::future::join_all(paths.iter().map(|p| magg_h5::branch(file.dataset(p)))).await;
    let sets: Vec<Dataset> = opened.into_iter().collect::<Result<_, _>>()?;
    let (lat, lon) = (&sets[0], &sets[1]);
    let mut whole = vec![(lat, 0..lat.rows()), (lon, 0..lon.rows())];
    // With a link: its first-linked-row column whole, and the base level's
    // length and chunk rows (both datasets are among `paths`).
    let link = match &spec.link {
        Some(l) => {
            // Both are among `paths` (added above).
            let at = |p: &str| paths.iter().position(|q| *q == sub(p)).unwrap_or(0);
            let (beg, base) = (&sets[at(&l.index_beg)], &sets[at(&l.base_latitude)]);
            whole.push((beg, 0..beg.rows()));
            Some((base.rows(), block_rows_of(base)))
        }
        None => None,
    };
    let (descs, cols) = futures::join!(
        futures::future::join_all(sets.iter().map(|d| magg_h5::branch(d.describe()))),
        magg_h5::branch(file.read_many::<f64>(&whole)),
    );
    let descs: Vec<magg_h5::DatasetDesc> = descs.into_iter().collect::<Result<_, _>>()?;
    let mut cols = cols?.into_iter();
    let lat_v = cols.next().unwrap_or_default();
    let lon_v = cols.next().unwrap_or_default();
    let link = link.map(|base| (cols.next().unwrap_or_default(), base));
    let block_rows = block_rows_of(lat);
    let index = BeamIndex {
        group: group.to_string(),
        latitude: lat_p,
        longitude: lon_p,
        summary: Summary {
            block_rows,
            rows: lat.rows(),
            cells: Vec::new(),
        },
        base: None,
    };
    Ok((index, descs, (lat_v, lon_v), link))
}

/// Rows per summary block of a dataset: its chunk rows.
fn block_rows_of(ds: &Dataset) -> u64 {
    match ds.chunk_shape() {
        Some([c, ..]) if *c > 0 => *c,
        _ => DEFAULT_BLOCK_ROWS,
    }
}

/// Each beam's summary from its coordinates.
fn summaries(beams: &[BeamIndex], coords: &[(Vec<f64>, Vec<f64>)], order: u8) -> Vec<Summary> {
    beams
        .iter()
        .zip(coords)
        .map(|(b, (lat, lon))| summarize(lat, lon, b.summary.block_rows, order))
        .collect()
}

/// The cells at `order` of each block of `block_rows` rows (points whose
/// coordinates do not hash are left out: they belong to no cell).
pub(crate) fn summarize(lat: &[f64], lon: &[f64], block_rows: u64, order: u8) -> Summary {
    let n = lat.len().min(lon.len());
    let step = block_rows.max(1) as usize;
    let cells = (0..n)
        .step_by(step)
        .map(|start| {
            let end = (start + step).min(n);
            let mut c: Vec<u64> = lat[start..end]
                .iter()
                .zip(&lon[start..end])
                .filter_map(|(&la, &lo)| magg_morton::geo_to_nested(la, lo, order).ok())
                .collect();
            c.sort_unstable();
            c.dedup();
            c
        })
        .collect();
    Summary {
        block_rows: step as u64,
        rows: n as u64,
        cells,
    }
}
