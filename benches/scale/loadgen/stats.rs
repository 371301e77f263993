//! What the load generator records: ping arrivals in the measurement window (count and
//! period histogram), and every close with what the connection was doing when it came.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// Shared by every connection of this process (one thread: the lock is never contended).
#[derive(Debug)]
pub struct Recorder {
    pub started: Instant,
    window: Option<Window>,
    done: Option<WindowReport>,
    pub closes: Vec<CloseRecord>,
    pub answered: u64,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    pings: u64,
    periods: u64,
    period_sum_us: u128,
    period_max_us: u64,
    /// Periods by whole milliseconds.
    hist_ms: BTreeMap<u64, u64>,
}

/// The measurement window, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct WindowReport {
    pub secs: f64,
    pub pings: u64,
    pub periods: u64,
    pub period_sum_us: u128,
    pub period_max_us: u64,
    pub period_hist_ms: BTreeMap<u64, u64>,
}

/// One connection's end, as the peer saw it.
#[derive(Debug, Clone, Serialize)]
pub struct CloseRecord {
    pub conn: usize,
    pub frozen: bool,
    /// The close code received, or 1006 when the TCP connection ended without one.
    pub code: u16,
    pub reason: String,
    /// Milliseconds since this process started.
    pub at_ms: f64,
    /// Milliseconds from the moment this connection stopped answering pings.
    pub since_freeze_ms: Option<f64>,
    /// Milliseconds from the first ping this connection left unanswered.
    pub since_unanswered_ping_ms: Option<f64>,
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Recorder {
    pub fn new() -> Self {
        Recorder {
            started: Instant::now(),
            window: None,
            done: None,
            closes: Vec::new(),
            answered: 0,
        }
    }

    pub fn window_start(&mut self) {
        self.window = Some(Window {
            started: Instant::now(),
            pings: 0,
            periods: 0,
            period_sum_us: 0,
            period_max_us: 0,
            hist_ms: BTreeMap::new(),
        });
        self.done = None;
    }

    pub fn window_end(&mut self) {
        if let Some(w) = self.window.take() {
            self.done = Some(WindowReport {
                secs: w.started.elapsed().as_secs_f64(),
                pings: w.pings,
                periods: w.periods,
                period_sum_us: w.period_sum_us,
                period_max_us: w.period_max_us,
                period_hist_ms: w.hist_ms,
            });
        }
    }

    pub fn window(&self) -> Option<&WindowReport> {
        self.done.as_ref()
    }

    /// A ping arrived; `previous` is the arrival of the connection's previous ping.
    pub fn ping(&mut self, previous: Option<Instant>, now: Instant) {
        let Some(w) = &mut self.window else { return };
        w.pings += 1;
        if let Some(previous) = previous {
            let us = u64::try_from(now.duration_since(previous).as_micros()).unwrap_or(u64::MAX);
            w.periods += 1;
            w.period_sum_us += u128::from(us);
            w.period_max_us = w.period_max_us.max(us);
            *w.hist_ms.entry(us / 1000).or_default() += 1;
        }
    }
}
