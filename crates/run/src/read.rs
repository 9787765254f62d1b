//! Reading one granule's rows for one shard (the I/O half of a worker).
//!
//! Per beam: read the latitude column, pre-select rows in the shard's
//! latitude band (cheap), read longitude only for the chunks holding those
//! rows, hash the candidates to the parent order, and keep the runs of rows
//! inside the shard (ATL06 rows are along-track, so a shard is one or a few
//! contiguous runs). Only those runs of the other columns are fetched.

use std::ops::Range;

use magg_agg::AggConfig;
use magg_h5::{File, OpenOptions};

/// Rows of one beam that fall in the shard, with the columns the config needs.
#[derive(Debug, Default)]
pub struct BeamRows {
    /// Beam group (`gt1l`).
    pub group: String,
    /// Latitude, degrees.
    pub latitude: Vec<f64>,
    /// Longitude, degrees.
    pub longitude: Vec<f64>,
    /// Source variables in `Plan::sources()` order, as f64, with their fill values.
    pub variables: Vec<(Vec<f64>, Option<f64>)>,
    /// The quality flag, when the config filters on one.
    pub quality: Option<Vec<i64>>,
}

/// What one granule gave a shard.
#[derive(Debug, Default)]
pub struct GranuleRows {
    /// One entry per beam present in the granule with rows in the shard.
    pub beams: Vec<BeamRows>,
}

/// The shard's latitude band (geodetic degrees), widened by a margin that
/// only costs a few extra candidates: the exact cell test is the hash.
pub fn latitude_band(shard: u64) -> Result<(f64, f64), magg_morton::Error> {
    let ring = magg_morton::boundary(shard)?;
    let lo = ring.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = ring.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    Ok((lo - 0.01, hi + 0.01))
}

/// Where a beam group's datasets live: `"/{group}/..."` → the path up to
/// and including the group.
fn group_path(template: &str, group: &str) -> String {
    match template.find("{group}") {
        Some(i) => format!("{}{group}", &template[..i]),
        None => "/".to_string(),
    }
}

/// Merges row runs closer than `gap` rows (one request instead of two).
fn runs(rows: &[u64], gap: u64) -> Vec<Range<u64>> {
    let mut out: Vec<Range<u64>> = Vec::new();
    for &r in rows {
        match out.last_mut() {
            Some(last) if r <= last.end + gap => last.end = r + 1,
            _ => out.push(r..r + 1),
        }
    }
    out
}

/// Reads, from the granule at `url`, the rows of every configured beam
/// that fall in `shard` (a morton word at the config's parent order).
/// A beam group absent from the granule is skipped (normal for ATL06);
/// anything else missing or unreadable is an error naming file and object.
pub async fn read_granule(
    url: &str,
    shard: u64,
    config: &AggConfig,
    sources: &[String],
    open: &OpenOptions,
) -> Result<GranuleRows, magg_h5::Error> {
    let file = File::open_url(url, open).await?;
    let cell = magg_morton::decode(shard).map_err(|e| bad(url, e))?;
    let band = latitude_band(shard).map_err(|e| bad(url, e))?;
    let ds = &config.data_source;
    let mut out = GranuleRows::default();
    for group in &ds.groups {
        let path = |t: &str| t.replace("{group}", group);
        let gpath = group_path(&ds.coordinates.latitude, group);
        match file.list(&gpath).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        }
        let lat_ds = file.dataset(&path(&ds.coordinates.latitude)).await?;
        let lon_ds = file.dataset(&path(&ds.coordinates.longitude)).await?;
        let n = lat_ds.rows();
        if lon_ds.rows() != n {
            return Err(bad(
                url,
                format!(
                    "{}: {} rows but latitude has {n}",
                    lon_ds.path(),
                    lon_ds.rows()
                ),
            ));
        }
        let lat: Vec<f64> = lat_ds.read_all().await?;
        let candidates: Vec<u64> = (0..n)
            .filter(|&i| {
                let v = lat[i as usize];
                v >= band.0 && v <= band.1
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        // Longitude only where the latitude band says there may be rows.
        let cand_runs = runs(&candidates, 256);
        let lon_parts = file
            .read_many::<f64>(
                &cand_runs
                    .iter()
                    .map(|r| (&lon_ds, r.clone()))
                    .collect::<Vec<_>>(),
            )
            .await?;
        let mut inside = Vec::new();
        for (r, lons) in cand_runs.iter().zip(&lon_parts) {
            for (j, &lon) in lons.iter().enumerate() {
                let row = r.start + j as u64;
                let la = lat[row as usize];
                // Non-finite or out-of-range coordinates are not in any shard.
                if let Ok(n) = magg_morton::geo_to_nested(la, lon, cell.order) {
                    if n == cell.nested {
                        inside.push(row);
                    }
                }
            }
        }
        if inside.is_empty() {
            continue;
        }
        let keep = runs(&inside, 64);
        let mut beam = BeamRows {
            group: group.clone(),
            ..BeamRows::default()
        };
        for r in &keep {
            beam.latitude
                .extend_from_slice(&lat[r.start as usize..r.end as usize]);
        }
        let lon_runs: Vec<Vec<f64>> = file
            .read_many(
                &keep
                    .iter()
                    .map(|r| (&lon_ds, r.clone()))
                    .collect::<Vec<_>>(),
            )
            .await?;
        beam.longitude = lon_runs.concat();
        for name in sources {
            let template = ds
                .variables
                .get(name)
                .ok_or_else(|| bad(url, format!("config has no path for source {name:?}")))?;
            let vds = file.dataset(&path(template)).await?;
            check_rows(url, &vds, n)?;
            let parts: Vec<Vec<f64>> = file
                .read_many(&keep.iter().map(|r| (&vds, r.clone())).collect::<Vec<_>>())
                .await?;
            beam.variables.push((parts.concat(), vds.fill_value()));
        }
        if let Some(q) = &ds.quality_filter {
            let qds = file.dataset(&path(&q.dataset)).await?;
            check_rows(url, &qds, n)?;
            let parts: Vec<Vec<i64>> = file
                .read_many(&keep.iter().map(|r| (&qds, r.clone())).collect::<Vec<_>>())
                .await?;
            beam.quality = Some(parts.concat());
        }
        out.beams.push(beam);
    }
    Ok(out)
}

fn check_rows(url: &str, ds: &magg_h5::Dataset, n: u64) -> Result<(), magg_h5::Error> {
    if ds.rows() == n {
        Ok(())
    } else {
        Err(bad(
            url,
            format!("{}: {} rows but latitude has {n}", ds.path(), ds.rows()),
        ))
    }
}

fn bad(url: &str, msg: impl std::fmt::Display) -> magg_h5::Error {
    magg_h5::Error {
        file: url.to_string(),
        object: "/".to_string(),
        kind: magg_h5::ErrorKind::BadRequest(msg.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_small_gaps() {
        assert_eq!(runs(&[1, 2, 3, 10, 11, 100], 8), vec![1..12, 100..101]);
        assert_eq!(runs(&[], 8), Vec::<Range<u64>>::new());
    }

    #[test]
    fn group_paths() {
        assert_eq!(
            group_path("/{group}/land_ice_segments/latitude", "gt1l"),
            "/gt1l"
        );
        assert_eq!(group_path("/a/{group}/x", "gt2r"), "/a/gt2r");
    }

    #[test]
    fn band_contains_cell_corners() {
        let shard = magg_morton::encode(6, 32771).unwrap();
        let (lo, hi) = latitude_band(shard).unwrap();
        let (clat, _) = magg_morton::center(shard).unwrap();
        assert!(lo < clat && clat < hi);
    }
}
