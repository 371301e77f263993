//! Point-in-time views of a hub's connections.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use super::Side;
use crate::supervisor::WeakSender;
use crate::Status;

/// One connection as the hub saw it when asked. Durations serialise like
/// [`Stats`](crate::Stats)'s, as humantime strings ("12ms 345us").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConnectionSnapshot {
    /// The connection's id.
    pub id: u64,
    /// Which end of it this process is.
    pub side: Side,
    /// The peer's address, if known.
    pub peer: Option<SocketAddr>,
    /// Its status.
    pub status: Status,
    /// Why: the check whose status last changed and its reason ("connected" at first), and
    /// the check that holds it there if another ("ping: pong received; feed still degraded").
    pub reason: String,
    /// The round-trip time of the last answered ping; zero before the first.
    #[serde(with = "humantime_serde")]
    pub latency: Duration,
    /// The smoothed round-trip time (RFC 6298); zero before the first pong.
    #[serde(with = "humantime_serde")]
    pub smoothed_rtt: Duration,
    /// Pings flushed to the socket.
    pub pings_sent: u64,
    /// Pings that went unanswered within their timeout.
    pub pings_missed: u64,
    /// Time since the connection was supervised.
    #[serde(with = "humantime_serde")]
    pub uptime: Duration,
    /// Messages the application sent that wait to be written: a slow peer's backlog.
    pub outbound_queued: usize,
    /// Their bytes (payloads): a backlog of large messages.
    pub outbound_queued_bytes: usize,
}

impl ConnectionSnapshot {
    pub(super) fn of(
        weak: &WeakSender,
        side: Side,
        peer: Option<SocketAddr>,
    ) -> Option<ConnectionSnapshot> {
        let (health, stats) = weak.health_and_stats()?;
        Some(ConnectionSnapshot {
            id: weak.id(),
            side,
            peer,
            status: health.status(),
            reason: health.reason().to_owned(),
            latency: stats.latency,
            smoothed_rtt: stats.smoothed_rtt,
            pings_sent: stats.pings_sent,
            pings_missed: stats.pings_missed,
            uptime: stats.uptime,
            outbound_queued: stats.outbound_queued,
            outbound_queued_bytes: stats.outbound_queued_bytes,
        })
    }
}

/// Live connections per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct StatusCounts {
    /// Healthy connections.
    pub healthy: usize,
    /// Degraded connections.
    pub degraded: usize,
    /// Unhealthy connections (closing, by the default policy).
    pub unhealthy: usize,
}

impl StatusCounts {
    /// All live connections.
    pub fn total(&self) -> usize {
        self.healthy + self.degraded + self.unhealthy
    }

    /// The count for `status`.
    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Healthy => self.healthy,
            Status::Degraded => self.degraded,
            Status::Unhealthy => self.unhealthy,
        }
    }

    pub(super) fn add(&mut self, status: Status) {
        match status {
            Status::Healthy => self.healthy += 1,
            Status::Degraded => self.degraded += 1,
            Status::Unhealthy => self.unhealthy += 1,
        }
    }

    pub(super) fn sub(&mut self, status: Status) {
        match status {
            Status::Healthy => self.healthy -= 1,
            Status::Degraded => self.degraded -= 1,
            Status::Unhealthy => self.unhealthy -= 1,
        }
    }
}
