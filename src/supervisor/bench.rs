//! Internals opened for `benches/hot_paths` only. Hidden, and not part of the API: no
//! semver promise.

use std::task::Waker;

use bytes::Bytes;
use tokio::time::Instant;

use super::in_flight::{PendingPing, PingState, Pong, Rtts, Wakers};
use super::shared::Inner;
use crate::stats::StatsCell;

/// A connection's in-flight pings, to benchmark matching a pong against them.
pub struct PongTable {
    inner: Inner,
    stats: StatsCell,
}

impl PongTable {
    /// A table with these pings in flight, flushed now, oldest first.
    pub fn with_in_flight(payloads: &[Bytes]) -> Self {
        let now = Instant::now();
        let pings = payloads
            .iter()
            .enumerate()
            .map(|(i, payload)| PendingPing {
                ticket: u32::try_from(i).unwrap_or(u32::MAX),
                check: Some(0),
                payload: payload.clone(),
                state: PingState::Flushed(now),
                waker: None,
                orphaned: false,
                uncounted: false,
                foreign: false,
            })
            .collect();
        PongTable {
            inner: Inner {
                pings,
                ..Inner::default()
            },
            stats: StatsCell::new(now),
        }
    }

    /// Matches one pong arriving at `now` as the driver does (RTTs recorded in the stats);
    /// then puts the answered pings back in flight, so the next call does the same work.
    pub fn answer(&mut self, payload: &[u8], now: Instant) -> bool {
        let (mut wakers, mut rtts) = (Wakers::new(), Rtts::new());
        let matched = self.inner.answer_pong(
            payload,
            now,
            &self.stats,
            Waker::noop(),
            &mut wakers,
            &mut rtts,
        );
        rtts.into_iter()
            .for_each(|rtt| crate::metrics::rtt(None, rtt));
        for ping in &mut self.inner.pings {
            ping.state = PingState::Flushed(now);
        }
        matched != Pong::Unsolicited
    }
}

impl std::fmt::Debug for PongTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PongTable")
            .field("in_flight", &self.inner.pings.len())
            .finish()
    }
}
