//! Shared by the CLI tests: running the binary; for the reliability tests,
//! a clean demo run (made once per test process), granule variants written
//! with h5py, and comparisons of results JSON and chunk files with the
//! clean run.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The demo granule the variants damage.
pub const DEMO_GRANULE: &str = "ATL06_20231218222155_00012211_006_01.h5";

/// Runs `magg args` in `dir`: (success, stdout, stderr).
pub fn magg(dir: &Path, args: &[&str]) -> (bool, String, String) {
    magg_env(dir, args, &[])
}

/// Runs `magg args` in the current directory, asserting success:
/// (stdout, stderr).
pub fn magg_ok(args: &[&str]) -> (String, String) {
    magg_ok_in(Path::new("."), args)
}

/// Runs `magg args` in `dir`, asserting success: (stdout, stderr).
pub fn magg_ok_in(dir: &Path, args: &[&str]) -> (String, String) {
    let (ok, out, err) = magg(dir, args);
    assert!(ok, "magg {args:?}: {err}");
    (out, err)
}

/// Like [`magg`] with extra environment variables.
pub fn magg_env(dir: &Path, args: &[&str], env: &[(String, String)]) -> (bool, String, String) {
    outcome(
        Command::new(env!("CARGO_BIN_EXE_magg"))
            .args(args)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v))),
    )
}

/// Runs `cmd` to its end: (success, stdout, stderr).
pub fn outcome(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// AWS environment pointing object_store at `endpoint` (moto's keys).
pub fn s3_env(endpoint: &str) -> Vec<(String, String)> {
    s3_env_as("AWS_ENDPOINT_URL", endpoint)
}

/// Like [`s3_env`], with the endpoint under `variable` (e.g.
/// `AWS_ENDPOINT_URL_S3`, which redirects S3 only).
pub fn s3_env_as(variable: &str, endpoint: &str) -> Vec<(String, String)> {
    [
        (variable, endpoint),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect()
}

/// Parses a JSON file.
pub fn results(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A folder holding a clean `magg demo` run (`magg-demo/...`), made once.
pub fn clean() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = process_dir("clean-");
        let (ok, _, err) = magg(&dir, &["demo", "--quiet", "--workers", "2"]);
        assert!(ok, "clean demo run: {err}");
        dir
    })
}

/// A new empty folder `<prefix><pid>` in the tests' temporary directory,
/// for what a test binary makes once (in a `OnceLock`), after removing
/// those of test processes that have ended ([`remove_dead`]).
pub fn process_dir(prefix: &str) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    remove_dead(tmp, prefix);
    let dir = tmp.join(format!("{prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Removes the `<prefix><pid>` folders of test processes that have ended
/// (a static is never dropped, so each test binary leaves its folder, such
/// as the demo run of [`clean`], about 230 MB, behind). A folder whose
/// process is still running (another test binary, or this one) is kept.
pub fn remove_dead(tmp: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return; // no process table to ask: keep everything
    }
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Data chunk files of order 12 under a store, keyed `var/<shard nested
/// id>` (a chunk's shard comes from the store's shard list, so stores over
/// different shard maps compare shard by shard). The `cell_ids` and
/// `morton` chunks are the template's, a function of the shard list alone,
/// and are left out.
pub fn chunk_files(store: &Path) -> BTreeMap<String, Vec<u8>> {
    let root: Value =
        serde_json::from_slice(&std::fs::read(store.join("zarr.json")).unwrap()).unwrap();
    let shards: Vec<u64> = root["attributes"]["magg"]["spec"]["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let mut out = BTreeMap::new();
    let base = store.join("12");
    for var in std::fs::read_dir(&base).unwrap().map(|e| e.unwrap().path()) {
        let c = var.join("c");
        let name = var.file_name().unwrap().to_string_lossy().into_owned();
        if !c.is_dir() || name == "cell_ids" || name == "morton" {
            continue;
        }
        for f in walk(&c) {
            let index: usize = f.file_name().unwrap().to_str().unwrap().parse().unwrap();
            out.insert(
                format!("{name}/{}", shards[index]),
                std::fs::read(&f).unwrap(),
            );
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v
}

/// A copy of the demo granules and shard map in a fresh folder, to damage.
pub struct Variant {
    _tmp: tempfile::TempDir,
    /// The folder: `g/` granules, `shardmap.json`, then `out.zarr`, `results.json`.
    pub dir: PathBuf,
}

impl Variant {
    /// Copies the clean run's granules and shard map (paths now `g/...`).
    pub fn new(name: &str) -> Variant {
        let c = clean();
        let tmp = tempfile::Builder::new().prefix(name).tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir(dir.join("g")).unwrap();
        for e in std::fs::read_dir(c.join("magg-demo/granules")).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.join("g").join(p.file_name().unwrap())).unwrap();
        }
        let map = std::fs::read_to_string(c.join("magg-demo/shardmap.json")).unwrap();
        std::fs::write(
            dir.join("shardmap.json"),
            map.replace("magg-demo/granules/", "g/"),
        )
        .unwrap();
        Variant { _tmp: tmp, dir }
    }

    /// The copy of granule `name`.
    pub fn granule(&self, name: &str) -> PathBuf {
        self.dir.join("g").join(name)
    }

    /// Edits granule `name` with h5py: `code` runs with `f` open `r+`.
    pub fn h5py(&self, name: &str, code: &str) {
        let script =
            format!("import sys, h5py\nf = h5py.File(sys.argv[1], 'r+')\n{code}\nf.close()\n");
        magg_testkit::run_python(&script, &[self.granule(name).to_str().unwrap()]);
    }

    /// Removes granule `name` from the shard map (and shards left empty).
    pub fn drop_granule(&self, name: &str) {
        let path = self.dir.join("shardmap.json");
        let mut map = results(&path);
        let shards = map["shards"].as_object_mut().unwrap();
        for list in shards.values_mut() {
            list.as_array_mut().unwrap().retain(|g| g["id"] != name);
        }
        shards.retain(|_, l| !l.as_array().unwrap().is_empty());
        let pairs: usize = shards.values().map(|l| l.as_array().unwrap().len()).sum();
        let ids: std::collections::BTreeSet<String> = shards
            .values()
            .flat_map(|l| l.as_array().unwrap().iter().map(|g| g["id"].to_string()))
            .collect();
        let n = shards.len();
        map["totals"] = serde_json::json!({"shards": n, "granules": ids.len(), "pairs": pairs});
        std::fs::write(path, map.to_string()).unwrap();
    }

    /// How many shards of the shard map list granule `name`.
    pub fn shards_reading(&self, name: &str) -> usize {
        let map = results(&self.dir.join("shardmap.json"));
        map["shards"]
            .as_object()
            .unwrap()
            .values()
            .filter(|l| l.as_array().unwrap().iter().any(|g| g["id"] == name))
            .count()
    }

    /// `magg run` on the variant into `out.zarr` (results in `results.json`
    /// unless `extra` names another).
    pub fn run(&self, extra: &[&str]) -> (bool, String, String) {
        self.run_env(extra, &[])
    }

    /// [`run`](Self::run) with extra environment variables.
    pub fn run_env(&self, extra: &[&str], env: &[(String, String)]) -> (bool, String, String) {
        let mut args = vec![
            "run",
            "--catalog",
            "shardmap.json",
            "--store",
            "out.zarr",
            "--quiet",
            "--workers",
            "2",
        ];
        if !extra.contains(&"--results") {
            args.extend(["--results", "results.json"]);
        }
        args.extend(extra);
        magg_env(&self.dir, &args, env)
    }

    /// The results JSON's totals.
    pub fn totals(&self) -> Value {
        results(&self.dir.join("results.json"))["totals"].clone()
    }

    /// Every shard recorded done in `results.json` has the clean run's
    /// numbers; every chunk file in `out.zarr` is byte-equal to the clean
    /// one; failed shards have no chunk and a status record with the error.
    pub fn assert_done_shards_equal_clean(&self) {
        assert_store_matches_clean(
            &self.dir.join("out.zarr"),
            &results(&self.dir.join("results.json")),
        );
    }
}

impl Variant {
    /// After a rerun has finished the store: `out.zarr` equals the clean
    /// run (every shard done, chunks byte-equal) and `magg verify` finds no
    /// problem in it.
    pub fn assert_store_equals_clean_and_verifies(&self) {
        assert_store_matches_clean(
            &self.dir.join("out.zarr"),
            &results(&clean().join("magg-demo/results.json")),
        );
        let (ok, out, err) = magg(
            &self.dir,
            &["verify", "out.zarr", "--catalog", "shardmap.json"],
        );
        assert!(ok, "{out}{err}");
        assert!(out.contains("0 problem(s)"), "{out}");
    }
}

/// See [`Variant::assert_done_shards_equal_clean`].
pub fn assert_store_matches_clean(store: &Path, report: &Value) {
    let c = clean();
    let clean_report = results(&c.join("magg-demo/results.json"));
    let by_shard: BTreeMap<u64, &Value> = clean_report["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["shard"].as_u64().unwrap(), s))
        .collect();
    let mut done_with_data = 0;
    for s in report["shards"].as_array().unwrap() {
        let shard = s["shard"].as_u64().unwrap();
        let status = results(&store.join(format!("_magg/status/{shard}.json")));
        assert_eq!(
            status["error"], s["error"],
            "shard {shard}: status record = results"
        );
        if s["error"].is_null() {
            let cl = by_shard[&shard];
            assert_eq!(s["observations"], cl["observations"], "shard {shard}");
            assert_eq!(s["cells"], cl["cells"], "shard {shard}");
            if s["observations"].as_u64().unwrap() > 0 {
                done_with_data += 1;
            }
        }
    }
    let clean_chunks = chunk_files(&c.join("magg-demo/atl06.zarr"));
    let chunks = chunk_files(store);
    for (k, bytes) in &chunks {
        assert!(
            clean_chunks.get(k) == Some(bytes),
            "chunk {k} differs from the clean run"
        );
    }
    let counts = chunks.keys().filter(|k| k.starts_with("count/")).count();
    assert_eq!(
        counts, done_with_data,
        "one count chunk per complete shard with data, none for failed ones"
    );
}

/// The Python lines magg printed after `open it in Python:` (indented by
/// four spaces), trimmed: what `magg demo` and `magg run` tell a user to
/// run.
#[allow(dead_code)] // not every test binary reads them
pub fn printed_snippet(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| !l.starts_with("open it in Python:"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(str::trim)
        .collect()
}

/// `script` with this crate's `tests/py` on Python's import path, for the
/// reference modules there (`dhdt_reference.py`): `run_python` runs a
/// script given as text, which has no folder of its own to import from.
pub fn with_py_modules(script: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py");
    let dir = serde_json::to_string(&dir.to_string_lossy()).unwrap(); // a Python string literal
    format!("import sys\nsys.path.insert(0, {dir})\n{script}")
}

/// Runs in Python, in `dir`, the `lines` lines magg printed in `printed`
/// to open its store ([`printed_snippet`]), with every warning an error
/// (`setup`, Python run first, may add filters), then `checks`, Python
/// over what the snippet opened; all must pass.
pub fn assert_snippet_runs(dir: &Path, printed: &str, lines: usize, setup: &str, checks: &str) {
    let snippet = printed_snippet(printed);
    assert_eq!(snippet.len(), lines, "{printed}");
    let script = format!(
        "import os, sys, warnings\nos.chdir(sys.argv[1])\nwarnings.simplefilter('error')\n\
         {setup}{}\n{checks}print('SNIPPET OK')\n",
        snippet.join("\n")
    );
    let said = magg_testkit::run_python(&script, &[dir.to_str().unwrap()]);
    assert!(said.contains("SNIPPET OK"), "{said}");
}

/// `magg catalog` and `magg run` of the granules in `dir/g`, cycle by
/// cycle, with the arguments a test gives every call (a config, a region).
pub struct Cycles<'a> {
    /// The folder: granules in `g/`; shard maps and stores go here.
    pub dir: &'a Path,
    /// Added to every `magg catalog`, before `--out`.
    pub catalog_args: &'a [&'a str],
    /// Added to every `magg run`, before `--store`.
    pub run_args: &'a [&'a str],
}

impl Cycles<'_> {
    /// `magg catalog --granules g --cycles <cycles> ... --out <out>`,
    /// which must succeed: its stdout.
    pub fn catalog(&self, cycles: &str, out: &str) -> String {
        let mut args = vec!["catalog", "--granules", "g", "--cycles", cycles];
        args.extend_from_slice(self.catalog_args);
        args.extend(["--out", out]);
        magg_ok_in(self.dir, &args).0
    }

    /// `magg run --catalog <map> ... --store <store> <more>`, which must
    /// succeed: (stdout, stderr).
    pub fn run(&self, map: &str, store: &str, more: &[&str]) -> (String, String) {
        let mut args = vec!["run", "--catalog", map];
        args.extend_from_slice(self.run_args);
        args.extend(["--store", store]);
        args.extend_from_slice(more);
        magg_ok_in(self.dir, &args)
    }

    /// One store per cycle of `cycles` (shard map `c<cycle>.json`, store
    /// `c<cycle>.zarr`, two workers, quiet): their paths, in that order.
    pub fn single_cycle_stores(&self, cycles: &[&str]) -> Vec<String> {
        cycles
            .iter()
            .map(|c| {
                let (map, store) = (format!("c{c}.json"), format!("c{c}.zarr"));
                self.catalog(c, &map);
                self.run(&map, &store, &["--workers", "2", "--overwrite", "--quiet"]);
                self.dir.join(store).to_string_lossy().into_owned()
            })
            .collect()
    }
}

/// The recovery checks of a dh/dt reference report (`time_reference.py`,
/// `py/polar_time_reference.py`): per group of cells, the mean rate
/// against the truth within three standard errors of the mean (over more
/// than 100 cells); and, with one degree of freedom, the χ²-scaled
/// error's coverage as Student-t(1)'s: P(|t| < 1) = 0.5, P(|t| < 2) = 0.705.
pub fn assert_recovery(r: &Value, groups: &[&str]) {
    for group in groups {
        let g = &r["groups"][group];
        let (got, truth, se) = (
            g["dhdt_mean"].as_f64().unwrap(),
            g["truth_mean"].as_f64().unwrap(),
            g["standard_error"].as_f64().unwrap(),
        );
        assert!(g["cells"].as_u64().unwrap() > 100, "{group}: {g}");
        assert!(
            (got - truth).abs() < 3.0 * se,
            "{group}: {got} vs {truth} ± {se}"
        );
    }
    let s1 = r["scaled_within_1"].as_f64().unwrap();
    let s2 = r["scaled_within_2"].as_f64().unwrap();
    assert!(
        (0.40..0.60).contains(&s1) && (0.60..0.80).contains(&s2),
        "{s1} {s2}"
    );
}
