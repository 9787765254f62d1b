//! Read throughput: the 5 ATL06 columns (latitude, longitude, h_li,
//! h_li_sigma, atl06_quality_summary) of all beams of the largest sample
//! granule from local disk, file opened afresh each pass, on ONE core
//! (the process re-runs itself under `taskset -c 0`), side by side with
//! h5py on the same file in the same run. Prints decoded MB/s, rows/s and
//! the ratio.
//!
//! Run: `cargo bench -p magg-h5 --bench read`

use std::process::Command;
use std::time::{Duration, Instant};

use magg_h5::{File, OpenOptions};

const COLS: [&str; 5] = [
    "latitude",
    "longitude",
    "h_li",
    "h_li_sigma",
    "atl06_quality_summary",
];
const PINNED: &str = "MAGG_BENCH_PINNED";

const H5PY: &str = r#"
import sys, time, h5py
path, cols, beams, min_s = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(","), float(sys.argv[4])
def once():
    with h5py.File(path, "r") as f:
        for b in beams:
            for c in cols:
                f[f"{b}/land_ice_segments/{c}"][:]
for _ in range(3):
    once()
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < min_s:
    once(); n += 1
print((time.perf_counter() - t0) / n)
"#;

/// One pass: open, then read every beam's 5 columns in their stored types,
/// all requests concurrently. Returns (rows, decoded bytes).
async fn pass(path: &str, beams: &[String]) -> (u64, u64) {
    let file = File::open_url(path, &OpenOptions::default()).await.unwrap();
    let work = beams.iter().map(|beam| {
        let file = file.clone();
        async move {
            let paths: Vec<String> = COLS
                .iter()
                .map(|c| format!("/{beam}/land_ice_segments/{c}"))
                .collect();
            let ds = futures::future::try_join_all(paths.iter().map(|p| file.dataset(p)))
                .await
                .unwrap();
            let rows = ds[0].rows();
            let (lat, lon, h, sigma, q) = futures::join!(
                ds[0].read_rows::<f64>(0..rows),
                ds[1].read_rows::<f64>(0..rows),
                ds[2].read_rows::<f32>(0..rows),
                ds[3].read_rows::<f32>(0..rows),
                ds[4].read_rows::<i8>(0..rows),
            );
            let bytes = lat.unwrap().len() * 8
                + lon.unwrap().len() * 8
                + h.unwrap().len() * 4
                + sigma.unwrap().len() * 4
                + q.unwrap().len();
            (rows, bytes as u64)
        }
    });
    let mut total = (0, 0);
    for (rows, bytes) in futures::future::join_all(work).await {
        total.0 += rows;
        total.1 += bytes;
    }
    total
}

fn main() {
    // Pin to one core (children inherit it): re-run under taskset once.
    if std::env::var_os(PINNED).is_none()
        && let Ok(status) = Command::new("taskset")
            .args(["-c", "0"])
            .arg(std::env::current_exe().unwrap())
            .args(std::env::args().skip(1))
            .env(PINNED, "1")
            .status()
    {
        std::process::exit(status.code().unwrap_or(1));
    }
    let pinned = std::env::var_os(PINNED).is_some();
    let granules = magg_testkit::sample_granules();
    let path = granules
        .iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let p = path.display().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let beams: Vec<String> = rt.block_on(async {
        let f = File::open_url(&p, &OpenOptions::default()).await.unwrap();
        f.list("/")
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.name.starts_with("gt"))
            .map(|e| e.name)
            .collect()
    });
    let min = Duration::from_secs(3);
    for _ in 0..3 {
        rt.block_on(pass(&p, &beams));
    }
    let (mut n, mut rows, mut bytes) = (0u32, 0u64, 0u64);
    let t0 = Instant::now();
    while t0.elapsed() < min {
        let (r, b) = rt.block_on(pass(&p, &beams));
        rows = r;
        bytes = b;
        n += 1;
    }
    let ours = t0.elapsed().as_secs_f64() / f64::from(n);
    let out = magg_testkit::run_python(H5PY, &[&p, &COLS.join(","), &beams.join(","), "3"]);
    let theirs: f64 = out.trim().parse().expect("h5py seconds");
    let mb = bytes as f64 / 1e6;
    println!(
        "file: {} ({} beams, {rows} rows, {mb:.2} MB decoded per pass)",
        path.display(),
        beams.len()
    );
    println!("pinned to one core: {pinned}");
    println!(
        "magg-h5: {:8.3} ms/pass  {:8.1} MB/s  {:10.0} rows/s",
        ours * 1e3,
        mb / ours,
        rows as f64 / ours
    );
    println!(
        "h5py:    {:8.3} ms/pass  {:8.1} MB/s  {:10.0} rows/s",
        theirs * 1e3,
        mb / theirs,
        rows as f64 / theirs
    );
    println!("ratio (h5py time / magg-h5 time): {:.2}x", theirs / ours);
}
