//! Reading a granule from its chunk index entry (`magg-index`): the file
//! and its datasets come from the entry's descriptions (no metadata
//! request), and each beam's summary names the row blocks that can hold
//! the shard's points, whose latitude and longitude are read whole in one
//! round; the shard's runs of the other datasets follow in a second.
//! Every response is checked against the object identity the entry
//! recorded. Any problem (an entry lacking a dataset or a beam group of the
//! config, a description that does not check, a rewritten object, a read
//! error) is returned as a reason, and the caller reads the granule
//! through its metadata instead: an index never decides a value.

use futures::StreamExt;
use magg_h5::{Dataset, File};
use magg_index::GranuleIndex;

use crate::read::{BeamDatasets, Ctx, GranuleRows, read_beam};

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
        if beam.latitude != paths.latitude || beam.longitude != paths.longitude {
            return Err(format!(
                "the index summarizes {} / {}, the config reads {} / {}",
                beam.latitude, beam.longitude, paths.latitude, paths.longitude
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
        let set = BeamDatasets::checked(
            &file,
            ds(&paths.latitude)?,
            ds(&paths.longitude)?,
            vars,
            filters,
        )
        .map_err(|e| e.to_string())?;
        if beam.summary.rows != set.lat.rows() {
            return Err(format!(
                "the summary of {group} has {} rows, {} has {}",
                beam.summary.rows,
                paths.latitude,
                set.lat.rows()
            ));
        }
        blocks.push(
            beam.summary
                .rows_for(ctx.parent_order, ctx.shard_nested, summary_order),
        );
        sets.push(set);
    }
    let mut out = GranuleRows::indexed(sets.len() as u32);
    // Indices, not references, into the stream (see `read::read_shard`).
    let (sets, blocks) = (&sets, &blocks);
    let reads: Vec<_> = (0..sets.len())
        .map(move |i| magg_h5::branch(read_beam(&sets[i], ctx, Some(&blocks[i]))))
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
