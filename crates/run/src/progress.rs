//! Progress: a bar with ETA on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use magg_store::ShardStatus;

/// How a run shows its progress.
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    total: u64,
    plain: Mutex<Plain>,
}

struct Plain {
    done: u64,
    observations: u64,
    errors: u64,
    last_print: Instant,
}

/// Plain-line mode prints at most this often (plus the last shard).
const PLAIN_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    /// A bar on stderr when it is a terminal, plain lines otherwise;
    /// `quiet` shows nothing.
    pub fn new(total: u64, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:32} {pos}/{len} shards  ETA {eta}  {msg}",
                )
                .expect("static template"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let quiet_plain = quiet || bar.is_some();
        Progress {
            bar,
            start: Instant::now(),
            total,
            plain: Mutex::new(Plain {
                done: 0,
                observations: 0,
                errors: 0,
                // Suppress plain output entirely when quiet or on a bar.
                last_print: if quiet_plain {
                    Instant::now() + Duration::from_secs(u64::from(u32::MAX))
                } else {
                    Instant::now()
                },
            }),
        }
    }

    /// Records a finished shard.
    pub fn shard_done(&self, status: &ShardStatus) {
        let mut p = self.plain.lock().expect("progress lock");
        p.done += 1;
        p.observations += status.observations;
        p.errors += u64::from(status.error.is_some());
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!(
                "{} obs, {} errors",
                human(p.observations),
                p.errors
            ));
            if let Some(e) = &status.error {
                bar.println(format!("shard {} failed: {e}", status.shard));
            }
            return;
        }
        let now = Instant::now();
        if now >= p.last_print + PLAIN_EVERY || (p.done == self.total && now >= p.last_print) {
            p.last_print = now;
            let elapsed = self.start.elapsed().as_secs_f64();
            let eta = elapsed / p.done as f64 * (self.total - p.done) as f64;
            eprintln!(
                "[{elapsed:7.1}s] {}/{} shards, {} observations, {} errors, ETA {eta:.0}s",
                p.done,
                self.total,
                human(p.observations),
                p.errors
            );
        }
    }

    /// Ends the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// 1234567 → "1.23 M".
pub fn human(n: u64) -> String {
    let x = n as f64;
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1} k", x / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2} M", x / 1e6),
        _ => format!("{:.3} G", x / 1e9),
    }
}
