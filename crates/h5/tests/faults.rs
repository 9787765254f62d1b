//! Reads through a fault-injecting proxy in front of a real S3 server
//! (moto on loopback): transient 500/503/SlowDown answers, connection
//! resets and mid-body stalls are retried and the values equal a clean
//! local read (which `samples` compares with h5py); persistent faults end
//! within the I/O policy's bound, in one error naming the granule.

use std::time::{Duration, Instant};

use magg_h5::{File, IoPolicy, OpenOptions};
use magg_testkit::faults::{Fault, FaultProxy, Rule};
use magg_testkit::s3::S3Server;

const COLS: [&str; 3] = ["latitude", "longitude", "h_li"];

/// Opens `url` and reads three columns of every beam.
async fn read_all(url: &str, opts: &OpenOptions) -> magg_h5::Result<Vec<Vec<f64>>> {
    let file = File::open_url(url, opts).await?;
    let mut ds = Vec::new();
    for beam in file.list("/").await? {
        if beam.name.starts_with("gt") {
            for c in COLS {
                let path = format!("/{}/land_ice_segments/{c}", beam.name);
                ds.push(file.dataset(&path).await?);
            }
        }
    }
    let reqs: Vec<_> = ds.iter().map(|d| (d, 0..d.rows())).collect();
    file.read_many(&reqs).await
}

/// Short backoff and timeouts, so the test is fast; `timeout` per attempt
/// (the retry window covers three timed-out attempts).
fn policy(timeout: Duration) -> IoPolicy {
    IoPolicy {
        max_retries: 4,
        init_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        retry_timeout: timeout * 3,
        connect_timeout: Duration::from_secs(2),
        request_timeout: timeout,
    }
}

struct Setup {
    _s3: S3Server,
    proxy: FaultProxy,
    key: String,
    url: String,
    want: Vec<Vec<f64>>,
}

async fn setup() -> Setup {
    let s3 = S3Server::start();
    s3.create_bucket("granules");
    // The smallest sample granule.
    let local = magg_testkit::sample_granules()
        .into_iter()
        .min_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let key = format!("atl06/{}", local.file_name().unwrap().to_str().unwrap());
    s3.put_file("granules", &key, &local);
    let want = read_all(&local.display().to_string(), &OpenOptions::default())
        .await
        .unwrap();
    let proxy = FaultProxy::in_front_of(&s3);
    let url = s3.url("granules", &key);
    Setup {
        _s3: s3,
        proxy,
        key: format!("/granules/{key}"),
        url,
        want,
    }
}

fn opts(setup: &Setup, io: IoPolicy) -> OpenOptions {
    OpenOptions {
        store_options: setup.proxy.store_options(),
        io,
        ..OpenOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_retried_and_reads_equal_a_clean_read() {
    let s = setup().await;
    let opts = opts(&s, policy(Duration::from_secs(3)));
    // Clean through the proxy first.
    assert_eq!(read_all(&s.url, &opts).await.unwrap(), s.want);
    let clean_requests = s.proxy.seen();
    for fault in [
        Fault::Status(500),
        Fault::Status(503),
        Fault::SlowDown,
        Fault::Reset,
        Fault::Stall,
    ] {
        let rule = s.proxy.add(Rule::new(fault, &s.key).method("GET").first(2));
        let got = read_all(&s.url, &opts)
            .await
            .unwrap_or_else(|e| panic!("{fault:?} twice was not retried: {e}"));
        assert_eq!(got, s.want, "{fault:?}: values differ from a clean read");
        assert_eq!(s.proxy.hits(rule), 2, "{fault:?}");
        s.proxy.clear();
    }
    assert!(s.proxy.seen() > clean_requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_faults_fail_in_bounded_time_naming_the_granule() {
    let s = setup().await;
    for (fault, timeout) in [
        (Fault::SlowDown, Duration::from_secs(3)),
        (Fault::Status(500), Duration::from_secs(3)),
        (Fault::Reset, Duration::from_secs(3)),
        // A stall forever: every attempt is cut by the request timeout.
        (Fault::Stall, Duration::from_secs(1)),
    ] {
        let io = policy(timeout);
        let bound = io.worst_case();
        let rule = s.proxy.add(Rule::new(fault, &s.key));
        let t0 = Instant::now();
        let err = read_all(&s.url, &opts(&s, io.clone()))
            .await
            .expect_err("a persistent fault must fail the read");
        let took = t0.elapsed();
        let msg = err.to_string();
        assert!(
            msg.contains(&s.url),
            "{fault:?}: error does not name the granule: {msg}"
        );
        assert!(
            took < bound + Duration::from_secs(2),
            "{fault:?}: {took:?} > bound {bound:?}"
        );
        // The first request and every retry met the fault, then it stopped.
        let hits = s.proxy.hits(rule);
        assert!(
            hits >= 2 && hits <= io.max_retries + 1,
            "{fault:?}: {hits} attempts: {msg}"
        );
        if fault == Fault::Stall {
            assert!(
                msg.to_lowercase().contains("timed out") || msg.contains("timeout"),
                "{msg}"
            );
        }
        s.proxy.clear();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_one_fault_is_one_error() {
    let s = setup().await;
    let io = IoPolicy {
        max_retries: 0,
        ..policy(Duration::from_secs(3))
    };
    let rule = s
        .proxy
        .add(Rule::new(Fault::Status(503), &s.key).method("GET").first(1));
    let err = read_all(&s.url, &opts(&s, io)).await.unwrap_err();
    assert!(err.to_string().contains(&s.url), "{err}");
    assert_eq!(s.proxy.hits(rule), 1);
}

/// The benchmark's latency rule: every GET waits, then passes unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_answers_are_slower_and_unchanged() {
    let s = setup().await;
    let stats = magg_h5::IoStats::new();
    let opts = OpenOptions {
        stats: Some(stats.clone()),
        ..opts(&s, policy(Duration::from_secs(3)))
    };
    let delay = Duration::from_millis(150);
    let rule = s
        .proxy
        .add(Rule::new(Fault::Delay(delay), &s.key).method("GET"));
    let t = Instant::now();
    assert_eq!(read_all(&s.url, &opts).await.unwrap(), s.want);
    let took = t.elapsed();
    let hits = s.proxy.hits(rule);
    let c = stats.snapshot();
    // Every GET was delayed; each round waits for at least one of them.
    assert_eq!(hits as u64, c.requests, "{c:?}");
    assert!(c.rounds >= 2 && c.rounds < c.requests, "{c:?}");
    assert!(
        took >= delay * c.rounds as u32,
        "{c:?}: {took:?} < rounds × {delay:?}"
    );
}
