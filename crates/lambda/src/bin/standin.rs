//! `magg-lambda-standin`: the loopback Lambda stand-in in synthetic mode,
//! as a process, for fan-out benchmarks (`BENCHMARKS.md`, "Fan-out"). It
//! answers each invocation itself after `base + per-granule × granules`,
//! throttles (429) every invocation beyond `--quota` running at once and
//! all of them inside `--burst` windows, and counts what it saw.
//!
//! ```text
//! magg-lambda-standin [--quota N] [--base-ms MS] [--per-granule-ms MS]
//!     [--burst START_MS:LEN_MS]... [--function NAME]
//!     [--map FILE [--shards N] [--granules LO..HI]]
//! ```
//!
//! `--map` writes a synthetic shard map for it (default 1,427 shards of
//! 1..41 fake granules: 2.0–6.0 s each at the default times). It prints
//! `endpoint http://127.0.0.1:P` (a free port), serves until its standard input closes
//! or it gets SIGINT/SIGTERM, then prints its counters as JSON.

use std::process::ExitCode;
use std::time::Duration;

use magg_lambda::emulator::{Emulator, EmulatorOptions, Synthetic, synthetic};

struct Args {
    function: String,
    syn: Synthetic,
    map: Option<String>,
    shards: usize,
    granules: (usize, usize),
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        function: "magg-worker".into(),
        syn: Synthetic::new(Duration::from_millis(1900), Duration::from_millis(100)),
        map: None,
        shards: 1427,
        granules: (1, 41),
    };
    let ms = |v: &str| {
        v.parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|e| format!("{v}: {e}"))
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--quota" => a.syn.quota = Some(value()?.parse().map_err(|e| format!("--quota: {e}"))?),
            "--base-ms" => a.syn.base = ms(&value()?)?,
            "--per-granule-ms" => a.syn.per_granule = ms(&value()?)?,
            "--burst" => {
                let v = value()?;
                let (s, l) = v.split_once(':').ok_or("--burst START_MS:LEN_MS")?;
                a.syn.bursts.push((ms(s)?, ms(l)?));
            }
            "--function" => a.function = value()?,
            "--map" => a.map = Some(value()?),
            "--shards" => a.shards = value()?.parse().map_err(|e| format!("--shards: {e}"))?,
            "--granules" => {
                let v = value()?;
                let (lo, hi) = v.split_once("..").ok_or("--granules LO..HI")?;
                a.granules = (
                    lo.parse().map_err(|e| format!("--granules: {e}"))?,
                    hi.parse().map_err(|e| format!("--granules: {e}"))?,
                );
            }
            other => return Err(format!("unknown option {other} (see the source's doc)")),
        }
    }
    Ok(a)
}

async fn serve(a: Args) -> Result<(), String> {
    if let Some(path) = &a.map {
        let map = synthetic::shard_map(a.shards, a.granules.0..=a.granules.1);
        map.write(std::path::Path::new(path))
            .map_err(|e| e.to_string())?;
        eprintln!("shard map: {} shards -> {path}", map.shards.len());
    }
    let emu = Emulator::start(EmulatorOptions::synthetic(a.function, a.syn))
        .await
        .map_err(|e| format!("cannot start: {e}"))?;
    println!("endpoint {}", emu.endpoint);
    let stdin_closed = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    tokio::select! {
        _ = stdin_closed => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    println!(
        "{}",
        serde_json::json!({
            "connections": emu.connections(),
            "peak_requests": emu.peak_requests(),
            "peak_running": emu.peak_running(),
            "throttled": emu.throttled(),
            "completed": emu.completed(),
            "crashes": emu.crashes(),
        })
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("magg-lambda-standin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("magg-lambda-standin: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("magg-lambda-standin: {e}");
            ExitCode::FAILURE
        }
    }
}
