//! When to reconnect: full-jitter exponential backoff that resets only after a stable
//! connection, and how many retries in a row have failed. Pure: the caller passes the time,
//! the random source is seedable.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

use crate::config::Backoff;

/// The delay before retry `attempt` (0 for the first) for a uniform random `fraction` in
/// `[0, 1]`: that fraction of `backoff.cap(attempt)` ("full jitter"), so clients that lost their
/// server together come back spread out. A fraction outside `[0, 1]` is clamped (NaN counts as
/// 0). The client draws it from its own random source (seeded by
/// [`with_jitter_seed`](super::ClientBuilder::with_jitter_seed)); taking a number, not a random
/// generator, keeps the function free of any version of `rand`.
///
/// ```
/// use std::time::Duration;
/// use ws_health::config::Backoff;
/// use ws_health::runtime::client::full_jitter;
///
/// let backoff = Backoff::default(); // 1 s, doubling, at most 30 s
/// assert_eq!(full_jitter(&backoff, 3, 0.5), Duration::from_secs(4));
/// assert_eq!(full_jitter(&backoff, 3, 1.0), backoff.cap(3));
/// ```
pub fn full_jitter(backoff: &Backoff, attempt: u32, fraction: f64) -> Duration {
    let cap = backoff.cap(attempt);
    let fraction = if fraction > 0.0 {
        fraction.min(1.0)
    } else {
        0.0
    };
    // A cap near `Duration::MAX` (a backoff built in code) rounds up as f64: keep the cap then.
    Duration::try_from_secs_f64(cap.as_secs_f64() * fraction).map_or(cap, |d| d.min(cap))
}

/// The reconnect state of one client: retries since the last stable connection (the
/// backoff's exponent), retries since an attempt last succeeded (for `max_retries`), and
/// whether the current connection has been Healthy for `stable_after` without a break,
/// counted from [`connected`](Reconnect::connected) (once its on-connect hook succeeded) to
/// the last time the peer was heard: a connection is presumed Healthy until its first check
/// says otherwise, and a peer that never answers is not evidence of a stable one.
#[derive(Debug)]
pub(crate) struct Reconnect {
    backoff: Backoff,
    stable_after: Duration,
    /// Retries since the last stable connection.
    attempt: u32,
    /// Retries since an attempt last succeeded: all of them failed.
    failed: u32,
    /// Attempts failed since one last succeeded (or since the start): the first counts too.
    failures: u32,
    /// Between `connected` and `disconnected`: a connection whose hook failed never is.
    open: bool,
    healthy_since: Option<Instant>,
    stable: bool,
    rng: StdRng,
}

impl Reconnect {
    pub(crate) fn new(backoff: Backoff, stable_after: Duration, seed: Option<u64>) -> Self {
        Reconnect {
            backoff,
            stable_after,
            attempt: 0,
            failed: 0,
            failures: 0,
            open: false,
            healthy_since: None,
            stable: false,
            rng: seed.map_or_else(StdRng::from_os_rng, StdRng::seed_from_u64),
        }
    }

    /// A connection opened at `now`, its on-connect hook done; it starts Healthy.
    pub(crate) fn connected(&mut self, now: Instant) {
        self.open = true;
        self.healthy_since = Some(now);
        self.stable = false;
    }

    /// The connection's status changed at `now`, the peer last heard at `heard`; ignored for
    /// one never `connected`.
    pub(crate) fn health(&mut self, healthy: bool, now: Instant, heard: Instant) {
        if !self.open {
            return;
        }
        if healthy {
            self.healthy_since.get_or_insert(now);
        } else {
            self.note_stable(heard);
            self.healthy_since = None;
        }
    }

    /// The connection ended, the peer last heard at `heard`. A connection that was Healthy
    /// for `stable_after` at some point, and heard from at the end of it, resets the backoff;
    /// one that closed sooner, or went silent sooner, does not.
    pub(crate) fn disconnected(&mut self, heard: Instant) {
        self.note_stable(heard);
        self.open = false;
        self.healthy_since = None;
        if std::mem::take(&mut self.stable) {
            self.attempt = 0;
        }
    }

    /// An attempt succeeded: the connection opened and its on-connect hook finished. However
    /// soon it closes, the retries before it no longer count as failed; the backoff still
    /// waits for a stable connection.
    pub(crate) fn succeeded(&mut self) {
        self.failed = 0;
        self.failures = 0;
    }

    /// An attempt failed (refused, timed out, its handshake or on-connect hook failed): the
    /// attempts failed in a row, this one included, which the client's log thins out.
    pub(crate) fn attempt_failed(&mut self) -> u32 {
        self.failures = self.failures.saturating_add(1);
        self.failures
    }

    /// Retries since an attempt last succeeded (or since the start), every one failed.
    pub(crate) fn failed_retries(&self) -> u32 {
        self.failed
    }

    /// The next retry's number (from 1 after a stable connection) and delay: at least what
    /// the server's `Retry-After` asked, if it did, with up to a quarter more drawn at random
    /// (the clients it turned away together do not come back in step), within `backoff.max`;
    /// a wait the cap cuts short is drawn from its last fifth, spread still.
    pub(crate) fn next_delay(&mut self, retry_after: Option<Duration>) -> (u32, Duration) {
        let mut delay = full_jitter(&self.backoff, self.attempt, self.rng.random());
        if let Some(asked) = retry_after {
            let max = self.backoff.max;
            // Four fifths of `max`, worked out so as not to overflow at `Duration::MAX`.
            let least = asked.min(max - max / 5);
            let spread = (asked / 4).min(max.saturating_sub(least));
            let spread = u64::try_from(spread.as_nanos()).unwrap_or(u64::MAX);
            let floor = least + Duration::from_nanos(self.rng.random_range(0..=spread));
            delay = delay.max(floor);
        }
        self.attempt = self.attempt.saturating_add(1);
        self.failed = self.failed.saturating_add(1);
        (self.attempt, delay)
    }

    fn note_stable(&mut self, heard: Instant) {
        if let Some(since) = self.healthy_since {
            if heard.saturating_duration_since(since) >= self.stable_after {
                self.stable = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff() -> Backoff {
        Backoff {
            initial: Duration::from_millis(100),
            multiplier: 2.0,
            max: Duration::from_secs(1),
        }
    }

    #[test]
    fn delays_stay_under_a_growing_cap() {
        let mut rng = StdRng::seed_from_u64(1);
        let b = backoff();
        for attempt in 0..20 {
            let cap = b.cap(attempt);
            for _ in 0..200 {
                assert!(full_jitter(&b, attempt, rng.random()) <= cap);
            }
        }
        assert_eq!(b.cap(0), Duration::from_millis(100));
        assert_eq!(b.cap(2), Duration::from_millis(400));
        assert_eq!(b.cap(4), Duration::from_secs(1));
    }

    #[test]
    fn full_jitter_spreads_over_the_whole_window() {
        let mut rng = StdRng::seed_from_u64(2);
        let b = backoff();
        let samples: Vec<_> = (0..2000)
            .map(|_| full_jitter(&b, 3, rng.random()))
            .collect();
        let cap = b.cap(3);
        let low = samples.iter().filter(|d| **d < cap / 4).count();
        let high = samples.iter().filter(|d| **d > cap * 3 / 4).count();
        // Uniform: about 500 each; far from a burst at one value.
        assert!((350..650).contains(&low), "{low}");
        assert!((350..650).contains(&high), "{high}");
    }

    /// Out-of-range fractions are clamped, and a cap `as_secs_f64` rounds up past
    /// `Duration::MAX` is kept, not a panic.
    #[test]
    fn full_jitter_clamps_its_fraction_and_keeps_a_huge_cap() {
        let b = backoff();
        assert_eq!(full_jitter(&b, 0, -1.0), Duration::ZERO);
        assert_eq!(full_jitter(&b, 0, f64::NAN), Duration::ZERO);
        assert_eq!(full_jitter(&b, 0, 7.0), b.cap(0));
        assert_eq!(full_jitter(&b, 0, 0.25), Duration::from_millis(25));
        let huge = Backoff {
            max: Duration::MAX,
            initial: Duration::MAX,
            ..b
        };
        assert_eq!(full_jitter(&huge, 0, 1.0), Duration::MAX);
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let mut a = Reconnect::new(backoff(), Duration::from_secs(1), Some(9));
        let mut b = Reconnect::new(backoff(), Duration::from_secs(1), Some(9));
        for _ in 0..10 {
            assert_eq!(a.next_delay(None), b.next_delay(None));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_resets_only_after_a_stable_connection() {
        let stable_after = Duration::from_secs(5);
        let mut r = Reconnect::new(backoff(), stable_after, Some(3));
        assert_eq!(r.next_delay(None).0, 1);
        assert_eq!(r.next_delay(None).0, 2);

        // Accepted and closed at once: no reset, the next retry is the third.
        r.connected(Instant::now());
        tokio::time::advance(Duration::from_millis(50)).await;
        r.disconnected(Instant::now());
        assert_eq!(r.next_delay(None).0, 3);

        // Healthy for 4 s, degraded, healthy again for 4 s: never 5 s in a row, no reset.
        r.connected(Instant::now());
        tokio::time::advance(Duration::from_secs(4)).await;
        r.health(false, Instant::now(), Instant::now());
        r.health(true, Instant::now(), Instant::now());
        tokio::time::advance(Duration::from_secs(4)).await;
        r.disconnected(Instant::now());
        assert_eq!(r.next_delay(None).0, 4);

        // Healthy for 5 s, heard until then, then lost to a keepalive timeout: that was
        // stable, reset.
        r.connected(Instant::now());
        tokio::time::advance(stable_after).await;
        let heard = Instant::now();
        tokio::time::advance(Duration::from_secs(20)).await;
        r.health(false, Instant::now(), heard);
        r.disconnected(heard);
        let (attempt, delay) = r.next_delay(None);
        assert_eq!(attempt, 1);
        assert!(delay <= backoff().initial);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_never_counted_as_connected_is_never_stable() {
        let stable_after = Duration::from_secs(5);
        let mut r = Reconnect::new(backoff(), stable_after, Some(5));
        assert_eq!(r.next_delay(None).0, 1);
        // Its hook failed: health changes while it closes do not start the clock.
        r.health(false, Instant::now(), Instant::now());
        r.health(true, Instant::now(), Instant::now());
        tokio::time::advance(stable_after * 2).await;
        r.disconnected(Instant::now());
        assert_eq!(r.next_delay(None).0, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_presumed_healthy_but_never_heard_from_is_not_stable() {
        let stable_after = Duration::from_secs(5);
        let mut r = Reconnect::new(backoff(), stable_after, Some(6));
        assert_eq!(r.next_delay(None).0, 1);
        // Presumed Healthy from the connect; its first ping times out long after
        // `stable_after`, the peer silent all along.
        let connected = Instant::now();
        r.connected(connected);
        tokio::time::advance(stable_after * 3).await;
        r.health(false, Instant::now(), connected);
        r.disconnected(connected);
        assert_eq!(r.next_delay(None).0, 2);
        // Heard for a while, then silent: stable only if heard for `stable_after`.
        r.connected(Instant::now());
        let heard = Instant::now() + stable_after - Duration::from_millis(1);
        tokio::time::advance(stable_after * 3).await;
        r.disconnected(heard);
        assert_eq!(r.next_delay(None).0, 3);
    }

    #[test]
    fn only_retries_since_the_last_success_count_as_failed() {
        let mut r = Reconnect::new(backoff(), Duration::from_secs(30), Some(4));
        r.next_delay(None);
        r.next_delay(None);
        assert_eq!(r.failed_retries(), 2);
        // A connection that opened, however short-lived: the count starts again, the
        // backoff's exponent does not.
        r.succeeded();
        assert_eq!(r.failed_retries(), 0);
        assert_eq!(r.next_delay(None).0, 3);
        assert_eq!(r.failed_retries(), 1);
    }

    #[test]
    fn a_servers_retry_after_is_waited_spread_and_within_the_max() {
        // backoff(): first delays of at most 100 ms, never over 1 s.
        let asked = Duration::from_millis(400);
        let first = |seed| {
            let mut r = Reconnect::new(backoff(), Duration::from_secs(30), Some(seed));
            r.next_delay(Some(asked)).1
        };
        let delays: Vec<_> = (0..50).map(first).collect();
        assert!(
            delays.iter().all(|d| (asked..=asked * 5 / 4).contains(d)),
            "{delays:?}"
        );
        assert!(delays.iter().any(|d| *d != delays[0]), "spread: {delays:?}");
        // More than `backoff.max` (1 s) asked: spread over the cap's last fifth.
        let capped = |seed| {
            let mut r = Reconnect::new(backoff(), Duration::from_secs(30), Some(seed));
            r.next_delay(Some(Duration::from_secs(3600))).1
        };
        let delays: Vec<_> = (0..50).map(capped).collect();
        let last_fifth = Duration::from_millis(800)..=Duration::from_secs(1);
        assert!(delays.iter().all(|d| last_fifth.contains(d)), "{delays:?}");
        assert!(delays.iter().any(|d| *d != delays[0]), "spread: {delays:?}");
        let mut r = Reconnect::new(backoff(), Duration::from_secs(30), Some(5));
        r.next_delay(Some(Duration::from_secs(3600)));
        assert!(r.next_delay(None).1 <= Duration::from_millis(200));
    }
}
