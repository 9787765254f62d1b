//! [`Limiter`]: how many invocations are in flight, and which shard goes
//! next.
//!
//! - **Adaptive limit (AIMD).** A throttled invocation (429, EC2/ENI
//!   throttles, or the orchestrator out of file descriptors) lowers the
//!   limit to `factor ×` the invocations then in flight, once per window:
//!   throttles of invocations that started before the last decrease do not
//!   lower it again. Each invocation the service accepted while shards wait
//!   raises it by one. The run settles at whatever concurrency the account
//!   allows.
//! - **Costliest first.** Waiting shards are served by cost (the plan's
//!   order; a throttled shard goes back in at its own rank, not behind
//!   cheaper shards), ties first come, first served.
//! - **Paced starts.** New invocations start at most `starts_per_second`,
//!   so the first wave reaches the service in plan order and a quota below
//!   the concurrency admits the costliest shards first (a burst would be
//!   admitted in random order, leaving long shards to start late). Lambda
//!   allows 10 synchronous invocation requests per second per unit of
//!   concurrency quota.
//! - **Progress.** An invocation the service accepted, or one in flight for
//!   longer than a throttle takes to come back ([`RUNNING_AFTER`]), is
//!   progress; [`Limiter::stalled_for`] is the time since the last.
//!
//! Written here rather than taken from a crate: the concurrency-limit
//! crates seen (tower's `ConcurrencyLimit`, tokio's `Semaphore`) have a
//! fixed limit and first-come order; this needs a limit that moves, a
//! priority order and pacing: a few fields under one mutex, never held
//! across an await.

use std::cmp::{Ordering as CmpOrdering, Reverse};
use std::collections::{BTreeSet, BinaryHeap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use magg_run::Concurrency;
use tokio::sync::oneshot;

/// An invocation in flight for longer than this was accepted by the
/// service (a throttle answers within a round trip).
pub const RUNNING_AFTER: Duration = Duration::from_secs(5);

/// How the limiter adapts.
#[derive(Debug, Clone, PartialEq)]
pub struct FanOut {
    /// The concurrency asked for (`--concurrency`).
    pub requested: usize,
    /// Invocations in flight at most: `requested`, or fewer when the
    /// open-file limit cannot hold that many connections.
    pub max_in_flight: usize,
    /// New invocations started per second at most.
    pub starts_per_second: f64,
    /// The limit after a throttle, as a fraction of the invocations then in
    /// flight.
    pub decrease: f64,
    /// The soft open-file limit of this process, when known.
    pub open_files: Option<u64>,
}

impl FanOut {
    /// `requested` invocations at once, 5,000 starts a second, ×0.9 on a
    /// throttle.
    pub fn new(requested: usize) -> Self {
        let requested = requested.max(1);
        FanOut {
            requested,
            max_in_flight: requested,
            starts_per_second: 5_000.0,
            decrease: 0.9,
            open_files: None,
        }
    }
}

/// How an invocation ended, for the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The service ran it (an answer, a function error, a function
    /// timeout): progress; room for one more while shards wait.
    Accepted,
    /// Refused for capacity: lower the limit.
    Throttled,
    /// Neither (network error, 5xx, no answer): the limit stays.
    Other,
}

/// The in-flight limit shared by every shard of a run (cheap to clone).
#[derive(Clone)]
pub struct Limiter {
    shared: Arc<Shared>,
}

struct Shared {
    opts: FanOut,
    origin: Instant,
    state: Mutex<State>,
}

struct State {
    limit: f64,
    in_flight: usize,
    epoch: u64,
    seq: u64,
    next_id: u64,
    waiters: BinaryHeap<Waiter>,
    /// Start tokens (pacing) and when they were last counted.
    tokens: f64,
    refilled: Instant,
    timer_armed: bool,
    /// Start times of the permits out.
    running: BTreeSet<(Instant, u64)>,
    last_progress: Instant,
    throttles: u64,
    decreases: u64,
    min_limit: f64,
    peak_in_flight: usize,
    /// (start, end) of every accepted invocation, seconds from `origin`.
    accepted: Vec<(f64, f64)>,
}

struct Waiter {
    cost: usize,
    seq: Reverse<u64>,
    tx: oneshot::Sender<Permit>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (self.cost, self.seq).cmp(&(other.cost, other.seq))
    }
}

/// Room for one invocation; given back when finished or dropped.
pub struct Permit {
    shared: Arc<Shared>,
    id: u64,
    epoch: u64,
    start: Instant,
    open: bool,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("id", &self.id)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl Permit {
    /// Gives the room back, telling the limiter how the invocation went.
    pub fn finish(self, outcome: Outcome) {
        self.finish_ran(outcome, None);
    }

    /// Like [`finish`](Self::finish), with how long the service says the
    /// function ran (its log's duration): the run's concurrency counts the
    /// invocation from then, not from when the request left (time on the
    /// wire and in queues is not running).
    pub fn finish_ran(mut self, outcome: Outcome, ran: Option<Duration>) {
        self.open = false;
        self.shared
            .release(self.id, self.epoch, self.start, outcome, ran);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.open {
            self.open = false;
            self.shared
                .release(self.id, self.epoch, self.start, Outcome::Other, None);
        }
    }
}

impl Limiter {
    /// A limiter starting at `opts.max_in_flight`.
    pub fn new(opts: FanOut) -> Self {
        let now = Instant::now();
        let limit = opts.max_in_flight.max(1) as f64;
        Limiter {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    limit,
                    in_flight: 0,
                    epoch: 0,
                    seq: 0,
                    next_id: 0,
                    waiters: BinaryHeap::new(),
                    tokens: 1.0,
                    refilled: now,
                    timer_armed: false,
                    running: BTreeSet::new(),
                    last_progress: now,
                    throttles: 0,
                    decreases: 0,
                    min_limit: limit,
                    peak_in_flight: 0,
                    accepted: Vec::new(),
                }),
                opts,
                origin: now,
            }),
        }
    }

    /// The options it runs with.
    pub fn options(&self) -> &FanOut {
        &self.shared.opts
    }

    /// Waits for room for one invocation of a shard of `cost` (costlier
    /// shards first).
    pub async fn acquire(&self, cost: usize) -> Permit {
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.shared.lock();
            st.seq += 1;
            let seq = Reverse(st.seq);
            st.waiters.push(Waiter { cost, seq, tx });
        }
        Shared::dispatch(&self.shared);
        // The sender lives in the heap until a permit is sent: the
        // limiter (kept alive by `self`) never drops it unsent.
        rx.await.expect("the limiter answers every waiter")
    }

    /// How long the run has gone without progress (nothing accepted, and
    /// nothing in flight long enough to be running).
    pub fn stalled_for(&self) -> Duration {
        let now = Instant::now();
        let st = self.shared.lock();
        let running = st
            .running
            .first()
            .is_some_and(|(t, _)| now.saturating_duration_since(*t) >= RUNNING_AFTER);
        if running {
            Duration::ZERO
        } else {
            now.saturating_duration_since(st.last_progress)
        }
    }

    /// The limit now.
    pub fn limit(&self) -> usize {
        self.shared.lock().cap(&self.shared.opts)
    }

    /// What the run reached: peak and mean of the invocations the service
    /// accepted, throttles, and the limit's course.
    pub fn report(&self) -> Concurrency {
        let st = self.shared.lock();
        let opts = &self.shared.opts;
        let (peak, mean) = overlap(&st.accepted);
        Concurrency {
            requested: opts.requested,
            max_in_flight: opts.max_in_flight,
            open_files: opts.open_files,
            peak_running: peak,
            mean_running: mean,
            peak_in_flight: st.peak_in_flight,
            throttles: st.throttles,
            decreases: st.decreases,
            min_limit: st.min_limit.floor() as usize,
            final_limit: st.cap(opts),
            connections: None,
        }
    }
}

/// Most intervals open at once, and their summed length over the span
/// from the first start to the last end.
fn overlap(intervals: &[(f64, f64)]) -> (usize, f64) {
    if intervals.is_empty() {
        return (0, 0.0);
    }
    let mut events: Vec<(f64, i32)> = intervals
        .iter()
        .flat_map(|&(a, b)| [(a, 1), (b, -1)])
        .collect();
    // Ends before starts at the same instant.
    events.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let (mut open, mut peak) = (0i32, 0i32);
    for (_, d) in &events {
        open += d;
        peak = peak.max(open);
    }
    let busy: f64 = intervals.iter().map(|(a, b)| b - a).sum();
    let span = events.last().map_or(0.0, |e| e.0) - events[0].0;
    (peak as usize, if span > 0.0 { busy / span } else { 0.0 })
}

impl State {
    fn cap(&self, opts: &FanOut) -> usize {
        (self.limit.floor() as usize).clamp(1, opts.max_in_flight.max(1))
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves counts, not invariants
        // that matter more than finishing the run.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Hands out permits to the costliest waiters while there is room and
    /// a start token; arms a timer when only the pacing holds them back.
    fn dispatch(this: &Arc<Shared>) {
        let mut unsent = Vec::new();
        let mut wake_in = None;
        {
            let mut st = this.lock();
            let now = Instant::now();
            let rate = this.opts.starts_per_second.max(1.0);
            let burst = (rate / 1000.0).max(1.0);
            let elapsed = now.saturating_duration_since(st.refilled).as_secs_f64();
            st.tokens = (st.tokens + elapsed * rate).min(burst);
            st.refilled = now;
            while !st.waiters.is_empty() && st.in_flight < st.cap(&this.opts) {
                if st.tokens < 1.0 {
                    if !st.timer_armed {
                        st.timer_armed = true;
                        wake_in = Some(Duration::from_secs_f64((1.0 - st.tokens) / rate));
                    }
                    break;
                }
                let w = st.waiters.pop().expect("not empty");
                st.tokens -= 1.0;
                st.in_flight += 1;
                st.peak_in_flight = st.peak_in_flight.max(st.in_flight);
                st.next_id += 1;
                let id = st.next_id;
                st.running.insert((now, id));
                let permit = Permit {
                    shared: Arc::clone(this),
                    id,
                    epoch: st.epoch,
                    start: now,
                    open: true,
                };
                if let Err(p) = w.tx.send(permit) {
                    // The waiter gave up: give the room back, unlocked.
                    unsent.push(p);
                }
            }
        }
        // Outside a runtime (dropped at shutdown) nobody waits any more.
        if let (Some(d), Ok(rt)) = (wake_in, tokio::runtime::Handle::try_current()) {
            let shared = Arc::clone(this);
            rt.spawn(async move {
                tokio::time::sleep(d).await;
                shared.lock().timer_armed = false;
                Shared::dispatch(&shared);
            });
        }
        drop(unsent);
    }

    fn release(
        self: &Arc<Self>,
        id: u64,
        epoch: u64,
        start: Instant,
        outcome: Outcome,
        ran: Option<Duration>,
    ) {
        {
            let mut st = self.lock();
            let now = Instant::now();
            let in_flight = st.in_flight;
            st.in_flight -= 1;
            st.running.remove(&(start, id));
            match outcome {
                Outcome::Accepted => {
                    st.last_progress = now;
                    let t = |i: Instant| i.saturating_duration_since(self.origin).as_secs_f64();
                    let began = ran
                        .and_then(|d| now.checked_sub(d))
                        .map_or(start, |b| b.max(start));
                    st.accepted.push((t(began), t(now)));
                    if !st.waiters.is_empty() {
                        st.limit = (st.limit + 1.0).min(self.opts.max_in_flight as f64);
                    }
                }
                Outcome::Throttled => {
                    st.throttles += 1;
                    if epoch == st.epoch {
                        st.limit = (st.limit.min(in_flight as f64) * self.opts.decrease).max(1.0);
                        st.min_limit = st.min_limit.min(st.limit);
                        st.epoch += 1;
                        st.decreases += 1;
                    }
                }
                Outcome::Other => {}
            }
        }
        Shared::dispatch(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: usize) -> Limiter {
        Limiter::new(FanOut {
            starts_per_second: 1e9,
            ..FanOut {
                max_in_flight: max,
                ..FanOut::new(max)
            }
        })
    }

    #[tokio::test]
    async fn never_more_in_flight_than_the_limit() {
        let lim = limiter(3);
        let mut held: Vec<Permit> = Vec::new();
        for _ in 0..3 {
            held.push(lim.acquire(1).await);
        }
        let other = lim.clone();
        let fourth = tokio::spawn(async move { other.acquire(1).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!fourth.is_finished(), "a fourth waits");
        held.pop().unwrap().finish(Outcome::Accepted);
        held.push(fourth.await.unwrap());
        drop(held);
        assert_eq!(lim.report().peak_in_flight, 3);
    }

    #[tokio::test]
    async fn costliest_waiter_goes_first_then_first_come() {
        let l = limiter(1);
        let held = l.acquire(0).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, cost) in [("cheap", 1), ("dear", 9), ("mid-a", 5), ("mid-b", 5)] {
            let (l, order) = (l.clone(), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let p = l.acquire(cost).await;
                order.lock().unwrap().push(name);
                tokio::time::sleep(Duration::from_millis(2)).await;
                p.finish(Outcome::Accepted);
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        held.finish(Outcome::Accepted);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["dear", "mid-a", "mid-b", "cheap"]);
    }

    #[tokio::test]
    async fn a_throttle_lowers_the_limit_once_per_window_and_acceptance_raises_it() {
        let l = limiter(100);
        let mut permits = Vec::new();
        for _ in 0..50 {
            permits.push(l.acquire(1).await);
        }
        // Two throttles of the same window: one decrease, from the 50 in
        // flight (not the 100 allowed).
        permits.pop().unwrap().finish(Outcome::Throttled);
        permits.pop().unwrap().finish(Outcome::Throttled);
        assert_eq!(l.limit(), 45);
        // Below the new limit again, a permit of the new window is
        // throttled: lowers it again.
        for _ in 0..4 {
            permits.pop().unwrap().finish(Outcome::Other);
        }
        let p = l.acquire(1).await;
        p.finish(Outcome::Throttled);
        assert_eq!(l.limit(), 40, "min(45, 45 in flight) × 0.9 = 40.5");
        // Acceptances raise it only while shards wait.
        permits.pop().unwrap().finish(Outcome::Accepted);
        assert_eq!(l.limit(), 40);
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move { l.acquire(1).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        for _ in 0..3 {
            permits.pop().unwrap().finish(Outcome::Accepted);
        }
        assert_eq!(l.limit(), 43);
        for w in waiting {
            drop(w.await.unwrap());
        }
        let r = l.report();
        assert_eq!((r.throttles, r.decreases, r.min_limit), (3, 2, 40));
    }

    #[tokio::test]
    async fn starts_are_paced() {
        let l = Limiter::new(FanOut {
            starts_per_second: 1000.0,
            ..FanOut::new(1000)
        });
        let t0 = Instant::now();
        let mut permits = Vec::new();
        for _ in 0..60 {
            permits.push(l.acquire(1).await);
        }
        let took = t0.elapsed();
        assert!(took >= Duration::from_millis(50), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }

    #[tokio::test]
    async fn a_dropped_waiter_or_permit_gives_the_room_back() {
        let l = limiter(1);
        let held = l.acquire(1).await;
        let l2 = l.clone();
        let gone = tokio::spawn(async move { l2.acquire(5).await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        gone.abort();
        let _ = gone.await;
        drop(held);
        let again = tokio::time::timeout(Duration::from_secs(1), l.acquire(1)).await;
        assert!(again.is_ok(), "room came back");
    }

    #[test]
    fn overlap_counts_the_most_open_at_once() {
        assert_eq!(overlap(&[]), (0, 0.0));
        let (peak, mean) = overlap(&[(0.0, 2.0), (1.0, 3.0), (2.0, 4.0), (3.5, 4.0)]);
        assert_eq!(peak, 2, "ends before starts at the same instant");
        assert!((mean - 6.5 / 4.0).abs() < 1e-12);
    }

    #[tokio::test]
    async fn progress_is_an_acceptance_or_a_long_running_invocation() {
        let l = limiter(2);
        let p = l.acquire(1).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(l.stalled_for() >= Duration::from_millis(30));
        p.finish(Outcome::Accepted);
        assert!(l.stalled_for() < Duration::from_millis(30));
    }
}
