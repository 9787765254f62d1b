//! Test fixtures shared by magg's crates (a dev-dependency only).
//!
//! - where the project's reference material lives (`../shared/golden`,
//!   `../shared/data`, overridable with `MAGG_SHARED`);
//! - running the independent Python references (h5py, numpy, mortie,
//!   zarr-python) that tests compare against;
//! - a moto S3 server on loopback ([`s3::S3Server`]) and a fault-injecting
//!   proxy in front of it ([`faults::FaultProxy`]).
//!
//! Missing references are a test *failure* with a message saying what to
//! install, never a silent skip: a test that cannot fail is no test.

pub mod faults;
pub mod s3;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (the folder holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // crates/testkit -> crates -> root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("testkit sits two levels below the workspace root")
        .to_path_buf()
}

/// The shared reference folder: `$MAGG_SHARED`, else `<root>/../shared`.
///
/// # Panics
/// When the folder does not exist, naming the paths tried.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("MAGG_SHARED")
        .map_or_else(|| workspace_root().join("..").join("shared"), PathBuf::from);
    assert!(
        dir.is_dir(),
        "shared reference data not found at {} (set MAGG_SHARED to the folder holding golden/ and data/)",
        dir.display()
    );
    dir
}

/// `shared/golden`: mortie's reference vectors.
pub fn golden_dir() -> PathBuf {
    shared_dir().join("golden")
}

/// `shared/data/sample`: ATL06-layout granules written by libhdf5.
pub fn sample_dir() -> PathBuf {
    shared_dir().join("data").join("sample")
}

/// The sample granules (`*.h5`), sorted by name.
pub fn sample_granules() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(sample_dir())
        .expect("read sample dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "h5"))
        .collect();
    v.sort();
    v
}

/// [`sample_granules`] as strings: what `read_shard`, the catalog and the
/// index take (paths or URLs).
pub fn sample_granule_paths() -> Vec<String> {
    sample_granules()
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

/// The Python interpreter: `$MAGG_PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("MAGG_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// A Python function, `load_atl06(files)`, that reads every ATL06 beam of
/// `files` with h5py in beam order and returns `{"lat", "lon", "h", "s",
/// "q"}` (latitude, longitude, `h_li`, `h_li_sigma`,
/// `atl06_quality_summary`), each one concatenated numpy array: the
/// observations the references of several crates start from.
pub const LOAD_ATL06_PY: &str = r#"
import h5py
import numpy as np

def load_atl06(files):
    cols = {k: [] for k in ("lat", "lon", "h", "s", "q")}
    names = {"lat": "latitude", "lon": "longitude", "h": "h_li", "s": "h_li_sigma",
             "q": "atl06_quality_summary"}
    for path in files:
        with h5py.File(path, "r") as f:
            for beam in ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"):
                if beam not in f:
                    continue
                g = f[beam]["land_ice_segments"]
                for k, name in names.items():
                    cols[k].append(g[name][...])
    return {k: np.concatenate(v) for k, v in cols.items()}
"#;

/// Runs a Python script (given as source text) with arguments and returns
/// its standard output.
///
/// # Panics
/// When Python cannot start or the script fails; the message carries the
/// script's stderr and a hint to install `requirements-test.txt`.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python()));
    assert!(
        out.status.success(),
        "python reference failed ({}):\n{}\nhint: pip install -r requirements-test.txt",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python printed UTF-8")
}

/// Runs a product generator of `tools/products/` (`make_atl08.py`,
/// `make_gedi02a.py`) writing into `out` with extra `args`, and returns the
/// granules it wrote, sorted (each prints `NAME ROWS` per granule).
///
/// # Panics
/// When the generator fails, with its stderr.
pub fn generate_product(script: &str, out: &Path, args: &[&str]) -> Vec<PathBuf> {
    let path = workspace_root().join("tools/products").join(script);
    let run = Command::new(python())
        .arg(&path)
        .arg("--out")
        .arg(out)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python()));
    assert!(
        run.status.success(),
        "{} failed ({}):\n{}\nhint: pip install -r requirements-test.txt",
        path.display(),
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let mut v: Vec<PathBuf> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|name| out.join(name))
        .collect();
    v.sort();
    v
}

/// Writes a GeoJSON Feature holding one latitude/longitude box
/// `[south, north, west, east]` (degrees; `west > east` crosses the
/// antimeridian) as a closed ring.
///
/// # Panics
/// When the file cannot be written.
pub fn write_box_geojson(path: &Path, [s, n, w, e]: [f64; 4]) {
    let ring = format!("[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]");
    let doc = format!(
        r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
    );
    std::fs::write(path, doc).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
