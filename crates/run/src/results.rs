//! Where a run's results JSON goes, and writing it there.

use std::path::{Path, PathBuf};

use magg_objects::{IoPolicy, Target};
use object_store::{ObjectStoreExt, PutPayload};

use crate::report::RunReport;

/// Where the results JSON of a run into a store is written.
///
/// - A local store's (path or `file://`): `<store>.results.json`, the file
///   beside the store.
/// - An `s3://` store's: the object `<store>.results.json`, beside the
///   store in its bucket, and a local copy named after the store in the
///   working directory: `<bucket>_<key, '/' as '_'>.results.json`
///   (`s3://out/runs/c22.zarr` → `out_runs_c22.zarr.results.json`).
///
/// `--results PATH` replaces the local file (the object beside an `s3://`
/// store is still written). Each store has its own: a run into another
/// store never replaces it; the next run into the same store does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsPlace {
    /// The local file.
    pub local: PathBuf,
    /// The object beside a remote store, as a URL.
    pub beside: Option<String>,
}

impl ResultsPlace {
    /// The places for a run into `store`, with the local file `given` if
    /// any.
    pub fn for_store(store: &str, given: Option<&Path>) -> Self {
        let store = store.trim_end_matches('/');
        let (named, beside) = match Target::parse(store) {
            Ok(Target::S3 { bucket, key }) => {
                let name = if key.is_empty() {
                    bucket.clone()
                } else {
                    format!("{bucket}_{}", key.replace('/', "_"))
                };
                (PathBuf::from(name), Some(format!("{store}.results.json")))
            }
            Ok(Target::Local(path)) => (path, None),
            // Not a store magg writes (refused before any result exists).
            _ => (PathBuf::from(store.replace(['/', ':'], "_")), None),
        };
        let local = given.map_or_else(
            || {
                let mut name = named.into_os_string();
                name.push(".results.json");
                PathBuf::from(name)
            },
            Path::to_path_buf,
        );
        ResultsPlace { local, beside }
    }

    /// Writes `report` to every place; the places written, or the first
    /// error naming its place.
    pub async fn write(&self, report: &RunReport, io: &IoPolicy) -> Result<Vec<String>, String> {
        let text = report.to_json_text();
        std::fs::write(&self.local, &text)
            .map_err(|e| format!("writing results JSON {}: {e}", self.local.display()))?;
        let mut written = vec![self.local.display().to_string()];
        if let Some(url) = &self.beside {
            let fail = |e: &dyn std::fmt::Display| format!("writing results JSON {url}: {e}");
            let (store, path) = magg_objects::open(url, &[], io).map_err(|e| fail(&e))?;
            store
                .put(&path, PutPayload::from(text.into_bytes()))
                .await
                .map_err(|e| fail(&e))?;
            written.push(url.clone());
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_store_has_its_own_results() {
        let p = ResultsPlace::for_store("s3://out/runs/c22.zarr/", None);
        assert_eq!(p.local, PathBuf::from("out_runs_c22.zarr.results.json"));
        assert_eq!(
            p.beside.as_deref(),
            Some("s3://out/runs/c22.zarr.results.json")
        );
        let q = ResultsPlace::for_store("s3://other/runs/c22.zarr", None);
        assert_ne!(p.local, q.local);
        let given = ResultsPlace::for_store("s3://out/x.zarr", Some(Path::new("r.json")));
        assert_eq!(given.local, PathBuf::from("r.json"));
        assert_eq!(
            given.beside.as_deref(),
            Some("s3://out/x.zarr.results.json")
        );

        let local = ResultsPlace::for_store("some/dir/out.zarr", None);
        assert!(local.local.is_absolute());
        assert!(local.local.ends_with("some/dir/out.zarr.results.json"));
        assert_eq!(local.beside, None);
        let url = ResultsPlace::for_store("file:///data/out.zarr/", None);
        assert_eq!(url.local, PathBuf::from("/data/out.zarr.results.json"));
    }
}
