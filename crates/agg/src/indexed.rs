//! Reading a granule from its chunk index entry (`magg-index`): the file
//! and its datasets come from the entry's descriptions (no metadata
//! request), and each beam's summary names the row blocks that can hold
//! the shard's points. Every dataset of those blocks — coordinates,
//! variables, filters — is read in one coalesced read (one round for the
//! whole shard), and the shard's rows are picked from them here. A block
//! the summary names holds at least one point of the shard (the summary
//! lists the cells of its points), so each chunk read holds a row the
//! shard needs, in every dataset chunked like the coordinates: the bytes
//! are those of the chunks holding the shard's rows (measured in
//! BENCHMARKS.md). Reading the variables only after the coordinates, for
//! the shard's row runs alone, fetched the same chunks in a second round.
//! With a linked read (`linked.rs`: ATL03's photons through its
//! segments), the entry also summarizes the base level's blocks
//! (`BeamIndex::base`: the cells within the margin of the segments
//! linking to each block of photons, made at index time from the segments
//! alone), so the photon blocks that can hold the shard's photons are read
//! directly, as above: no segment, link or metadata request, one round.
//! An entry without that summary (built before it, or whose link did not
//! check) describes the linked level's datasets too, and the beam is read
//! through the link as from the metadata, every dataset from the entry
//! (the segments' own summary is not used: it places the shard's
//! segments, not the segments within the margin of it).
//! Every response is checked against the object identity the entry
//! recorded. Any problem (an entry lacking a dataset or a beam group of the
//! config, a description that does not check, a rewritten object, a read
//! error) is returned as a reason, and the caller reads the granule
//! through its metadata instead: an index never decides a value.

use std::ops::Range;

use futures::StreamExt;
use magg_h5::{Dataset, File};
use magg_index::GranuleIndex;

use crate::datasets::fill_of;
use crate::linked::Linked;
use crate::read::{BeamDatasets, BeamRead, BeamRows, Ctx, GranuleRows};

/// Reads `url`'s rows in the shard from its entry `g` (summaries at
/// `summary_order`); `Err` says why the entry could not be used.
pub(crate) async fn read_granule(
    url: &str,
    g: &GranuleIndex,
    summary_order: u8,
    ctx: &Ctx<'_>,
) -> Result<GranuleRows, String> {
    let file = File::from_desc(url, &g.file, &ctx.opts.open).map_err(|e| e.to_string())?;
    let mut sets = Vec::new();
    let mut blocks = Vec::new();
    for (group, paths) in ctx.beams {
        if !g.groups.contains(group) {
            return Err(format!("the index was built without beam group {group}"));
        }
        let Some(beam) = g.beam(group) else {
            continue; // not in the granule
        };
        // With a linked read, the summary is of the linked level's
        // coordinates (what the catalog reads).
        let (lat_path, lon_path) = match &paths.link {
            Some(plan) => (&plan.latitude, &plan.longitude),
            None => (&paths.latitude, &paths.longitude),
        };
        if beam.latitude != *lat_path || beam.longitude != *lon_path {
            return Err(format!(
                "the index summarizes {} / {}, the config reads {lat_path} / {lon_path}",
                beam.latitude, beam.longitude
            ));
        }
        let ds = |p: &str| -> Result<Dataset, String> {
            let d = g.dataset(p).ok_or_else(|| format!("the index lacks {p}"))?;
            file.dataset_from_desc(d).map_err(|e| e.to_string())
        };
        let vars = paths
            .variables
            .iter()
            .map(|p| ds(p))
            .collect::<Result<Vec<_>, _>>()?;
        let filters = paths
            .filters
            .iter()
            .map(|(p, column)| {
                crate::datasets::filter_values(ds(p)?, *column).map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut set = BeamDatasets::checked(
            &file,
            ds(&paths.latitude)?,
            ds(&paths.longitude)?,
            vars,
            filters,
        )
        .map_err(|e| e.to_string())?;
        if let Some(plan) = &paths.link {
            let [lat, lon, beg, count] = [
                &plan.latitude,
                &plan.longitude,
                &plan.index_beg,
                &plan.count,
            ]
            .map(|p| ds(p));
            let linked = Linked::new([lat?, lon?, beg?, count?], plan);
            set.link = Some(linked.map_err(|e| e.to_string())?);
        }
        let summarized = set.link.as_ref().map_or(set.lat.rows(), Linked::rows);
        if beam.summary.rows != summarized {
            return Err(format!(
                "the summary of {group} has {} rows, {lat_path} has {summarized}",
                beam.summary.rows,
            ));
        }
        // A linked read uses the base level's summary (the cells its
        // blocks reach through the link): the shard's photon blocks are
        // read directly. Without one (an index built before it, or a link
        // whose columns did not check), it finds its rows through the
        // link (`linked.rs`): the summary's blocks hold the shard's
        // segments, not the segments within the margin of it.
        let summary = match (&set.link, &beam.base) {
            (None, _) => Some(&beam.summary),
            (Some(_), Some(base)) if base.rows == set.lat.rows() => Some(base),
            (Some(_), Some(base)) => {
                return Err(format!(
                    "the base summary of {group} has {} rows, {} has {}",
                    base.rows,
                    paths.latitude,
                    set.lat.rows()
                ));
            }
            (Some(_), None) => None,
        };
        let rows = match summary {
            Some(s) => {
                s.check().map_err(|why| format!("{group}: {why}"))?;
                Some(match &ctx.tile_cover {
                    // A tile: the blocks listing a cell of its cover.
                    Some(cover) => s.rows_in(cover.as_ref()?),
                    None => s.rows_for(ctx.parent_order, ctx.shard_nested, summary_order),
                })
            }
            None => None,
        };
        blocks.push(rows);
        sets.push(set);
    }
    let mut out = GranuleRows::indexed(sets.len() as u32);
    // Indices, not references, into the stream (see `read::read_shard`).
    let (sets, blocks) = (&sets, &blocks);
    let reads: Vec<_> = (0..sets.len())
        .map(move |i| {
            magg_h5::branch(async move {
                match &blocks[i] {
                    Some(blocks) => read_blocks(&sets[i], ctx, blocks).await,
                    None => crate::read::read_beam(&sets[i], ctx).await,
                }
            })
        })
        .collect();
    let beams: Vec<_> = futures::stream::iter(reads)
        .buffered(ctx.opts.beam_concurrency.max(1))
        .collect()
        .await;
    for beam in beams {
        out.add(beam.map_err(|e| e.to_string())?);
    }
    out.io = file.counters();
    Ok(out)
}

/// One beam's rows in the shard from `blocks` (ascending, disjoint row
/// ranges the summary places in the shard): latitude, longitude, the
/// variables and the filters of every block in one coalesced read, then
/// the shard's row runs of each block, picked locally.
async fn read_blocks(
    ds: &BeamDatasets,
    ctx: &Ctx<'_>,
    blocks: &[Range<u64>],
) -> Result<BeamRead, magg_h5::Error> {
    let mut datasets: Vec<&Dataset> = vec![&ds.lat, &ds.lon];
    datasets.extend(&ds.vars);
    datasets.extend(&ds.filters);
    let reqs: Vec<(&Dataset, Range<u64>)> = datasets
        .iter()
        .flat_map(|d| blocks.iter().map(move |r| (*d, r.clone())))
        .collect();
    let parts: Vec<Vec<f64>> = ds.lat.file().read_many(&reqs).await?;
    // `parts[k * blocks.len() + b]`: dataset k (in `datasets` order), block b.
    let column = |k: usize, b: usize| &parts[k * blocks.len() + b];
    let mut local: Vec<(usize, Range<usize>)> = Vec::new();
    for b in 0..blocks.len() {
        let runs = ctx.shard_runs(column(0, b), column(1, b));
        local.extend(
            runs.into_iter()
                .map(|r| (b, r.start as usize..r.end as usize)),
        );
    }
    let mut read = BeamRead {
        rows: None,
        rows_read: blocks.iter().map(|r| r.end - r.start).sum(),
        fell_back: false,
    };
    if local.is_empty() {
        return Ok(read);
    }
    let pick = |k: usize| -> Vec<f64> {
        local
            .iter()
            .flat_map(|(b, r)| column(k, *b)[r.clone()].iter().copied())
            .collect()
    };
    let nvars = ds.vars.len();
    read.rows = Some(BeamRows {
        lat: pick(0),
        lon: pick(1),
        lat_fill: fill_of(&ds.lat),
        lon_fill: fill_of(&ds.lon),
        vars: ds
            .vars
            .iter()
            .enumerate()
            .map(|(i, d)| (pick(2 + i), fill_of(d)))
            .collect(),
        filters: (0..ds.filters.len()).map(|i| pick(2 + nvars + i)).collect(),
    });
    Ok(read)
}
