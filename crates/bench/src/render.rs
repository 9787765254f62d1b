//! Text renderings of the reports (what `magg bench` prints).

use std::fmt::Write as _;

use crate::shard::ShardReport;
use crate::slice::SliceReport;

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

/// The shard report as a table, with totals, I/O, RSS and the Python ratio.
pub fn shard(r: &ShardReport) -> String {
    let mut s = String::new();
    let obs = r.observations.max(1) as f64;
    let _ = writeln!(
        s,
        "shard {} from {}: {} granules, {} rows read, {} observations, {} cells",
        r.shard, r.source, r.granules, r.rows_read, r.observations, r.cells
    );
    let _ = writeln!(
        s,
        "{:<30} {:>9} {:>9} {:>14} {:>10}  how",
        "stage", "wall s", "cpu s", "obs/s/core", "µs/obs"
    );
    for st in &r.stages {
        // CPU time has 10 ms resolution and excludes waiting: a stage
        // occupies at least one core for its wall time.
        let busy = st.cpu_seconds.unwrap_or(0.0).max(st.seconds).max(1e-9);
        let cpu = st
            .cpu_seconds
            .map_or_else(|| "-".to_string(), |c| format!("{c:.3}"));
        let _ = writeln!(
            s,
            "{:<30} {:>9.4} {:>9} {:>14.0} {:>10.4}  {}",
            st.name,
            st.seconds,
            cpu,
            obs / busy,
            busy * 1e6 / obs,
            st.how
        );
    }
    let busy = r.total_cpu_seconds.max(r.total_seconds);
    let _ = writeln!(
        s,
        "total (read_shard + reduce + write, fastest whole pass): wall {:.3} s, cpu {:.3} s = {:.3} µs/obs/core (max of cpu, wall) ({:.2} M obs/s/core); wall {:.3} µs/obs",
        r.total_seconds,
        r.total_cpu_seconds,
        busy * 1e6 / obs,
        obs / busy.max(1e-9) / 1e6,
        r.total_seconds * 1e6 / obs
    );
    let io = &r.io;
    let _ = writeln!(
        s,
        "I/O: {} requests in {} rounds/shard (most of one granule: {}; open alone: {} requests, {} rounds), {:.1} MB fetched = {:.2} B/obs, {:.1} MB decompressed, {} chunks decoded",
        io.requests,
        io.rounds,
        r.granule_rounds,
        r.open_io.requests,
        r.open_io.rounds,
        mb(io.bytes_fetched),
        io.bytes_fetched as f64 / obs,
        mb(io.bytes_decompressed),
        io.chunks_decoded
    );
    let _ = writeln!(
        s,
        "row search: {:?}, {} beam(s) fell back to whole latitude columns",
        r.row_search, r.row_search_fallbacks
    );
    if r.indexed > 0 || r.index_fallbacks > 0 {
        let _ = writeln!(
            s,
            "chunk index: {} of {} granules read from it, {} fell back to their metadata",
            r.indexed, r.granules, r.index_fallbacks
        );
    }
    if let Some(rss) = r.peak_rss {
        let during = r.pipeline_peak_rss.map_or_else(String::new, |p| {
            format!("; during the pipeline passes: {:.0} MB", mb(p))
        });
        let _ = writeln!(
            s,
            "peak RSS (VmHWM, whole process): {:.0} MB{during}",
            mb(rss)
        );
    }
    if let Some(py) = &r.python {
        let stages: Vec<String> = py
            .seconds
            .iter()
            .map(|(k, v)| format!("{k} {v:.3}"))
            .collect();
        let _ = writeln!(
            s,
            "python h5py+numpy+mortie: {:.3} s ({}; fastest of {} whole passes), {} observations, {} cells; magg is {:.1}× faster (fastest whole pass each, wall, same run)",
            py.total_seconds,
            stages.join(", "),
            py.passes,
            py.observations,
            py.cells,
            py.total_seconds / r.total_seconds.max(1e-9)
        );
        if py.observations != r.observations || py.cells != r.cells {
            let _ = writeln!(
                s,
                "WARNING: python and magg disagree on observations or cells"
            );
        }
        if let Some(needed) = py.needed_bytes {
            let _ = writeln!(
                s,
                "needed: {:.1} MB stored in the chunks of the 5 columns meeting the shard's {} rows (h5py get_chunk_info); fetched/needed = {:.2}",
                mb(needed),
                py.shard_rows.unwrap_or(0),
                io.bytes_fetched as f64 / needed.max(1) as f64
            );
        }
    }
    s
}

/// The slice report: catalog time and the run's summary and totals.
pub fn slice(r: &SliceReport) -> String {
    let mut s = String::new();
    let t = &r.run.totals;
    let _ = writeln!(
        s,
        "shard map: {} shards in {:.1} s; ran {} shards ({} with data, {} errors) on {} workers",
        r.shards_in_map, r.catalog_seconds, t.shards, t.with_data, t.errors, r.run.workers
    );
    s.push_str(&r.run.summary());
    let obs = t.observations.max(1) as f64;
    if let Some(cpu) = r.run.cpu_seconds {
        let _ = writeln!(
            s,
            "totals: {} observations, wall {:.2} s, cpu {:.2} s = {:.3} µs/obs/core; {:.2} B/obs fetched, {} requests",
            t.observations,
            r.run.wall_seconds,
            cpu,
            cpu * 1e6 / obs,
            t.bytes_read as f64 / obs,
            t.requests
        );
    }
    if let Some(rss) = r.peak_rss {
        let _ = writeln!(s, "peak RSS (VmHWM, whole process): {:.0} MB", mb(rss));
    }
    s
}
