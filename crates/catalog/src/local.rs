//! Shard maps from granule files directly (no CMR): read each granule's
//! coordinates with `magg-h5` and list it under every shard holding one
//! of its points (exact: no footprint, no buffer, no false positive).

use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use magg_coverage::{Moc, Region};
use magg_h5::{File, IoStats, OpenOptions};
use magg_index::{ChunkIndex, Entry, IndexSpec, index_granule};

use crate::build::{BuildSpec, assemble, point_shards};
use crate::error::Error;
use crate::granule::{BBox, GranuleRef, GranuleUrls};
use crate::shardmap::ShardMap;
use crate::window::WindowPlan;

/// Where the coordinates of a product live: the beam groups and the
/// latitude/longitude dataset templates (`{group}` is replaced by each
/// group), as a pipeline config's `data_source` names them. A group is read
/// when the granule's root lists it (beams without data are omitted from
/// granules); a listed group lacking a coordinate dataset is an error
/// naming the granule and the dataset ([`Error::Dataset`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Beam groups, top-level groups of a granule, read when present.
    pub groups: Vec<String>,
    /// Latitude dataset template, e.g. `/{group}/land_ice_segments/latitude`.
    pub latitude: String,
    /// Longitude dataset template.
    pub longitude: String,
    /// How far (metres) an observation may lie from the coordinates read
    /// (0: they are the observations'). Above 0 (a config's linked read,
    /// `AggConfig::spatial_coordinates`: ATL03's segment reference points
    /// for its photons) a granule is listed under every shard within the
    /// margin of a point ([`crate::widen::widened_shards`]).
    pub margin_m: f64,
}

impl Layout {
    /// A layout from a config's groups and coordinate templates.
    pub fn new(groups: Vec<String>, latitude: &str, longitude: &str) -> Layout {
        Layout {
            groups,
            latitude: latitude.to_string(),
            longitude: longitude.to_string(),
            margin_m: 0.0,
        }
    }

    /// The layout with observations up to `margin_m` metres from the
    /// coordinates read (see [`Layout::margin_m`]).
    #[must_use]
    pub fn with_margin(mut self, margin_m: f64) -> Layout {
        self.margin_m = margin_m;
        self
    }

    /// ATL06: six beams, `/{group}/land_ice_segments/latitude|longitude`
    /// (the built-in config's).
    pub fn atl06() -> Layout {
        Layout::new(
            ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]
                .map(String::from)
                .to_vec(),
            "/{group}/land_ice_segments/latitude",
            "/{group}/land_ice_segments/longitude",
        )
    }

    /// The layout a chunk index describes (the same groups and templates).
    pub fn of_index(spec: &IndexSpec) -> Layout {
        Layout::new(spec.groups.clone(), &spec.latitude, &spec.longitude)
    }

    /// `(latitude, longitude)` paths of one group.
    fn paths(&self, group: &str) -> (String, String) {
        let sub = |t: &str| t.replace("{group}", group);
        (sub(&self.latitude), sub(&self.longitude))
    }
}

/// The granule files named by `arg`: a directory (its `*.h5`, sorted), an
/// `s3://bucket/prefix/` (its `*.h5` objects under the prefix, sorted; S3
/// settings from the `AWS_*` environment), a text file listing one path or
/// URL per line (`#` comments), or a single `.h5` path or URL. An
/// `http(s)://` location must name a file: plain HTTP has no listing.
pub async fn granule_list(arg: &str) -> Result<Vec<String>, Error> {
    let io = |source| Error::Io {
        path: arg.to_string(),
        source,
    };
    let path = Path::new(arg);
    if path.extension().is_some_and(|e| e == "h5") {
        return Ok(vec![arg.to_string()]);
    }
    if arg.contains("://") && !arg.starts_with("file://") {
        return list_prefix(arg).await;
    }
    let path = Path::new(arg.strip_prefix("file://").unwrap_or(arg));
    if path.is_dir() {
        let mut v: Vec<String> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "h5"))
            .map(|p| p.display().to_string())
            .collect();
        v.sort();
        return Ok(v);
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

/// The `*.h5` objects under an `s3://bucket/prefix`, as `s3://` URLs,
/// sorted (ListObjectsV2, every page).
async fn list_prefix(location: &str) -> Result<Vec<String>, Error> {
    let bad = |reason: String| Error::Listing {
        location: location.to_string(),
        reason,
    };
    let target = magg_objects::Target::parse(location).map_err(|e| bad(e.reason))?;
    let magg_objects::Target::S3 { bucket, key } = target else {
        return Err(bad(
            "only s3:// prefixes can be listed (plain HTTP has no listing): give a .h5 URL, \
             or a text file with one URL per line"
                .into(),
        ));
    };
    let store = magg_objects::s3_bucket(&bucket, &[], &magg_objects::IoPolicy::default())
        .map_err(|e| bad(e.reason))?;
    let prefix = key.trim_matches('/');
    let prefix = (!prefix.is_empty())
        .then(|| magg_objects::Path::from_url_path(prefix))
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let mut keys: Vec<String> = store
        .list(prefix.as_ref())
        .map_ok(|meta| meta.location.to_string())
        .try_filter(|k| std::future::ready(Path::new(k).extension().is_some_and(|e| e == "h5")))
        .try_collect()
        .await
        .map_err(|e| bad(e.to_string()))?;
    keys.sort();
    Ok(keys
        .into_iter()
        .map(|k| format!("s3://{bucket}/{k}"))
        .collect())
}

/// Every beam's latitudes and longitudes of one granule, concatenated (in
/// group order). All beams' datasets are opened at once and read in one
/// coalesced read: from S3, a granule costs a few rounds of requests. A
/// group the granule does not list is skipped; a listed group lacking a
/// coordinate dataset, or coordinates of different lengths, are
/// [`Error::Dataset`] naming the granule and the dataset.
pub async fn read_coordinates(url: &str, layout: &Layout) -> Result<(Vec<f64>, Vec<f64>), Error> {
    let file = File::open_url(url, &OpenOptions::default()).await?;
    let root = file.names("/").await?;
    let bad = |dataset: &str, reason: String| Error::Dataset {
        granule: url.to_string(),
        dataset: dataset.to_string(),
        reason,
    };
    let open = |path: String| {
        let file = &file;
        async move {
            match file.dataset(&path).await {
                Ok(d) => Ok(d),
                Err(e) if e.is_not_found() => Err(bad(&path, "not found".into())),
                Err(e) => Err(bad(&path, e.to_string())),
            }
        }
    };
    let present = layout
        .groups
        .iter()
        .filter(|g| root.iter().any(|n| n == *g));
    let opened = futures::future::join_all(present.map(|group| {
        let (lat, lon) = layout.paths(group);
        async { futures::try_join!(open(lat), open(lon)) }
    }))
    .await;
    let mut reqs = Vec::new();
    for beam in opened {
        let (lat, lon) = beam?;
        if lat.rows() != lon.rows() {
            return Err(bad(
                lon.path(),
                format!("{} rows, but {} has {}", lon.rows(), lat.path(), lat.rows()),
            ));
        }
        reqs.push((lat, lon));
    }
    let ranges: Vec<(&magg_h5::Dataset, std::ops::Range<u64>)> = reqs
        .iter()
        .flat_map(|(lat, lon)| [(lat, 0..lat.rows()), (lon, 0..lon.rows())])
        .collect();
    let cols: Vec<Vec<f64>> = file.read_many(&ranges).await?;
    let (mut lats, mut lons) = (Vec::new(), Vec::new());
    for pair in cols.chunks(2) {
        lats.extend_from_slice(&pair[0]);
        lons.extend_from_slice(&pair[1]);
    }
    Ok((lats, lons))
}

/// The smallest lat/lon box of points (`west > east` across 180°).
pub fn points_bbox(lats: &[f64], lons: &[f64]) -> Option<BBox> {
    if lats.is_empty() {
        return None;
    }
    let south = lats.iter().copied().fold(f64::INFINITY, f64::min);
    let north = lats.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut l: Vec<f64> = lons.iter().map(|x| x.rem_euclid(360.0)).collect();
    l.sort_by(f64::total_cmp);
    let n = l.len();
    let (mut gap, mut after) = (l[0] + 360.0 - l[n - 1], 0);
    for i in 1..n {
        if l[i] - l[i - 1] > gap {
            gap = l[i] - l[i - 1];
            after = i;
        }
    }
    let wrap = |x: f64| if x > 180.0 { x - 360.0 } else { x };
    Some(
        BBox {
            west: wrap(l[after]),
            south,
            east: wrap(l[(after + n - 1) % n]),
            north,
        }
        .rounded(),
    )
}

/// A granule record for a local or object-store file.
fn record(url: &str, bbox: BBox) -> GranuleRef {
    let id = url.rsplit(['/', '\\']).next().unwrap_or(url).to_string();
    let urls = if url.starts_with("s3://") {
        GranuleUrls {
            s3: Some(url.to_string()),
            ..GranuleUrls::default()
        }
    } else if url.starts_with("http://") || url.starts_with("https://") {
        GranuleUrls {
            https: Some(url.to_string()),
            ..GranuleUrls::default()
        }
    } else {
        GranuleUrls {
            file: Some(url.to_string()),
            ..GranuleUrls::default()
        }
    };
    GranuleRef {
        id,
        urls,
        bbox,
        time_start: None,
        time_end: None,
        concept_id: None,
        window: 0,
    }
}

/// Builds a shard map from granule files, reading `concurrency` files at
/// a time, in one window: their cycle's when every name says the same one,
/// else one over everything ([`WindowPlan::from_names`]). Granules without
/// any point in the region are left out.
pub async fn build(
    urls: &[String],
    region: &Region,
    region_moc: &Moc,
    spec: &BuildSpec,
    layout: &Layout,
    concurrency: usize,
) -> Result<ShardMap, Error> {
    let plan = WindowPlan::from_names(urls.iter().map(String::as_str));
    build_in(urls, &plan, region, region_moc, spec, layout, concurrency).await
}

/// [`build`] with the windows of `plan`: each granule in its window (by
/// its name; files in no window are not read).
pub async fn build_in(
    urls: &[String],
    plan: &WindowPlan,
    region: &Region,
    region_moc: &Moc,
    spec: &BuildSpec,
    layout: &Layout,
    concurrency: usize,
) -> Result<ShardMap, Error> {
    let read = |url: String| async move {
        let (lats, lons) = read_coordinates(&url, layout).await?;
        Ok((lats, lons, None))
    };
    let (map, _) = build_with(
        urls,
        plan,
        (region, region_moc),
        spec,
        layout.margin_m,
        concurrency,
        read,
    )
    .await?;
    Ok(map)
}

/// What [`build_indexed`] gives besides the shard map (every granule
/// read, also those outside the region; `io` counts the coordinates and the
/// index's metadata together; `skipped` granules had their coordinates read
/// without the index).
pub use magg_index::IndexPass;

/// [`build`], also building the chunk index of the datasets `index`
/// names from the same reads: the coordinates the shard map needs are the
/// ones the index's summaries are made of, so the index costs only the
/// other datasets' metadata. A granule that cannot be indexed (a beam
/// lacking one of the datasets, say) is read as [`build`] reads it, left
/// out of the index and named in [`IndexPass::skipped`].
pub async fn build_indexed(
    urls: &[String],
    region: &Region,
    region_moc: &Moc,
    spec: &BuildSpec,
    (layout, index): (&Layout, &IndexSpec),
    concurrency: usize,
) -> Result<(ShardMap, IndexPass), Error> {
    let plan = WindowPlan::from_names(urls.iter().map(String::as_str));
    build_indexed_in(
        urls,
        &plan,
        region,
        region_moc,
        spec,
        (layout, index),
        concurrency,
    )
    .await
}

/// [`build_indexed`] with the windows of `plan` (as [`build_in`]); the
/// index covers every granule read, those in no window are not read.
pub async fn build_indexed_in(
    urls: &[String],
    plan: &WindowPlan,
    region: &Region,
    region_moc: &Moc,
    spec: &BuildSpec,
    (layout, index): (&Layout, &IndexSpec),
    concurrency: usize,
) -> Result<(ShardMap, IndexPass), Error> {
    let stats = IoStats::new();
    let open = OpenOptions {
        stats: Some(stats.clone()),
        ..OpenOptions::default()
    };
    let open = &open;
    let read = |url: String| async move {
        match index_granule(&url, index, open).await {
            Ok(g) => {
                let (mut lats, mut lons) = (Vec::new(), Vec::new());
                for (la, lo) in g.coordinates {
                    lats.extend(la);
                    lons.extend(lo);
                }
                Ok((lats, lons, Some(Ok(g.entry))))
            }
            Err(e) => {
                let (lats, lons) = read_coordinates(&url, layout).await?;
                Ok((lats, lons, Some(Err(e.to_string()))))
            }
        }
    };
    let (map, entries) = build_with(
        urls,
        plan,
        (region, region_moc),
        spec,
        layout.margin_m,
        concurrency,
        read,
    )
    .await?;
    let mut ok = Vec::new();
    let mut skipped = Vec::new();
    for e in entries {
        match e {
            Ok(e) => ok.push(e),
            Err(why) => skipped.push(why),
        }
    }
    // In input order, whatever order the reads finished in.
    ok.sort_by_key(|e| urls.iter().position(|u| *u == e.url));
    let pass = IndexPass {
        index: ChunkIndex::new(index.summary_order, ok),
        io: stats.snapshot(),
        skipped,
    };
    Ok((map, pass))
}

/// One granule's coordinates, and its index entry (or why it has none)
/// when indexing.
type Read = (Vec<f64>, Vec<f64>, Option<Result<Entry, String>>);

/// One granule read: its record and shards (`None` without a point), and
/// its index entry (or why it has none) when indexing.
type Listed = (
    Option<(GranuleRef, Vec<u64>)>,
    Option<Result<Entry, String>>,
);

async fn build_with<F, Fut>(
    urls: &[String],
    plan: &WindowPlan,
    (region, region_moc): (&Region, &Moc),
    spec: &BuildSpec,
    margin_m: f64,
    concurrency: usize,
    read: F,
) -> Result<(ShardMap, Vec<Result<Entry, String>>), Error>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Read, Error>>,
{
    spec.validate()?;
    let mut placed = Vec::with_capacity(urls.len());
    for url in urls {
        // The window goes by the name (local records have no catalog time).
        let nowhere = BBox {
            west: 0.0,
            south: 0.0,
            east: 0.0,
            north: 0.0,
        };
        if let Some(w) = plan.assign(&record(url, nowhere))? {
            placed.push((url, w));
        }
    }
    let read = &read;
    let results: Vec<Listed> = futures::stream::iter(placed)
        .map(|(url, window)| async move {
            let (lats, lons, entry) = read(url.clone()).await?;
            let Some(bbox) = points_bbox(&lats, &lons) else {
                return Ok::<_, Error>((None, entry));
            };
            let spec = *spec;
            let moc = region_moc.clone();
            let shards = tokio::task::spawn_blocking(move || {
                if margin_m > 0.0 {
                    crate::widen::widened_shards(&lats, &lons, margin_m, &moc, &spec)
                } else {
                    point_shards(&lats, &lons, &moc, &spec)
                }
            })
            .await
            .map_err(|e| Error::Parameter(format!("indexing task failed: {e}")))??;
            let mut g = record(url, bbox);
            g.window = window;
            Ok((Some((g, shards)), entry))
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    let mut entries = Vec::new();
    let mut listed = Vec::new();
    for (g, e) in results {
        listed.extend(g);
        entries.extend(e);
    }
    let mut query = spec.query("local", region, region_moc)?;
    let ids: Vec<&str> = listed.iter().map(|(g, _)| g.id.as_str()).collect();
    (query.short_name, query.version) = common_name_fields(&ids);
    query.temporal = plan.search_range();
    let map = assemble(
        listed.iter().map(|(g, s)| (g, s.clone())),
        query,
        plan.windows.clone(),
        spec,
    );
    Ok((map, entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_across_the_antimeridian() {
        let b = points_bbox(&[-70.0, -71.0, -72.0], &[179.0, -179.5, 178.0]).unwrap();
        assert_eq!((b.west, b.east), (178.0, -179.5));
        assert_eq!((b.south, b.north), (-72.0, -70.0));
    }
}

/// Product and release shared by every granule name, each `None` unless
/// all agree. The product is what precedes the name's timestamp (the first
/// part of 13 or more digits: `ATL06_YYYYMMDDhhmmss_…`,
/// `GEDI02_A_YYYYDDDhhmmss_…`); the release is the part two after it when
/// it is 3 digits (`ATL06_…_ttttccrr_vvv_RR.h5`).
fn common_name_fields(ids: &[&str]) -> (Option<String>, Option<String>) {
    fn same<T: PartialEq>(mut it: impl Iterator<Item = Option<T>>) -> Option<T> {
        let first = it.next()??;
        it.all(|x| x.as_ref() == Some(&first)).then_some(first)
    }
    let parts = |id: &str| -> Option<(String, Option<String>)> {
        let parts: Vec<&str> = id.trim_end_matches(".h5").split('_').collect();
        let stamp = parts
            .iter()
            .position(|p| p.len() >= 13 && p.bytes().all(|b| b.is_ascii_digit()))
            .filter(|&i| i > 0)?;
        let release = parts
            .get(stamp + 2)
            .filter(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
            .map(|p| (*p).to_string());
        Some((parts[..stamp].join("_"), release))
    };
    (
        same(ids.iter().map(|id| parts(id).map(|p| p.0))),
        same(ids.iter().map(|id| parts(id).and_then(|p| p.1))),
    )
}

#[cfg(test)]
mod name_tests {
    use super::common_name_fields;

    #[test]
    fn shared_fields_only() {
        let a = "ATL06_20231218222155_00012211_006_01.h5";
        let b = "ATL06_20240201233310_06892211_006_02.h5";
        let c = "ATL08_20240401000000_00012311_006_01.h5";
        assert_eq!(
            common_name_fields(&[a, b]),
            (Some("ATL06".into()), Some("006".into()))
        );
        assert_eq!(common_name_fields(&[a, c]), (None, Some("006".into())));
        assert_eq!(common_name_fields(&[]), (None, None));
        assert_eq!(common_name_fields(&["x.h5"]), (None, None));
        let gedi = "GEDI02_A_2019108080338_O01964_T05337_02_003_01_V002.h5";
        assert_eq!(common_name_fields(&[gedi]), (Some("GEDI02_A".into()), None));
        let atl08 = "ATL08_20231218222155_00012211_006_01.h5";
        assert_eq!(common_name_fields(&[atl08, gedi]).0, None);
    }
}
