//! What a client tells its application about its connection's life.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use super::StopReason;
use crate::supervisor::Disconnect;
use crate::Status;

/// One step in a [`Client`](super::Client)'s life, from
/// [`Client::events`](super::Client::events). Serialises to JSON with an `event` tag.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientEvent {
    /// A connection is open (the on-connect hook has not run yet).
    Connected {
        /// The connection's id.
        id: u64,
        /// The server's address (the proxy's, through an HTTP proxy).
        peer: Option<SocketAddr>,
    },
    /// The connection's status changed. Read from the connection's health as the client's
    /// task gets to it: changes in quick succession (a check degrading it and another making
    /// it unhealthy in one pass) may be reported once, with the latest, and a change and its
    /// reversal not at all (a new reason for the same status is no change); the events of a hub
    /// the client registers in (`ClientBuilder::with_hub`,
    /// [`Hub::subscribe`](crate::runtime::Hub::subscribe)) carry each.
    HealthChanged {
        /// The connection's id.
        id: u64,
        /// The status now.
        status: Status,
        /// Why: the check that moved it and its reason.
        reason: String,
    },
    /// The connection ended (an on-connect hook that failed ends it too: its error is the
    /// reason).
    Disconnected {
        /// The connection's id.
        id: u64,
        /// How it ended.
        disconnect: Disconnect,
    },
    /// The messages of an ended connection that [`recv`](super::Client::recv) never reached
    /// were dropped, as a newer connection took its place (the client keeps one connection
    /// for `recv`): a feed that must not miss messages resynchronises here.
    UnreadDropped {
        /// The ended connection's id.
        id: u64,
        /// How many messages were dropped.
        unread: usize,
    },
    /// A connection attempt failed (refused, timed out, TLS or HTTP error).
    ConnectFailed {
        /// What went wrong.
        error: String,
    },
    /// The client waits `delay` before retry `attempt` (1 for the first retry after a stable
    /// connection).
    Reconnecting {
        /// Retries since the last stable connection, this one included. Counted from 1,
        /// where [`Backoff::cap`](crate::config::Backoff::cap) counts from 0: `delay` was
        /// drawn under `backoff.cap(attempt - 1)` (or raised to a `Retry-After`).
        attempt: u32,
        /// The pause before it.
        #[serde(with = "humantime_serde")]
        delay: Duration,
    },
    /// The client stopped for good: closed by the application, a final close code, a final
    /// handshake error, `max_retries`, or its task ended (it panicked, or its runtime shut
    /// down). [`Client::stopped`](super::Client::stopped) returns the same reason by the time
    /// it is sent.
    Stopped {
        /// Why, and how many messages accepted for sending were never written; serialised as
        /// its sentence, which then ends with `"; N message(s) accepted and never sent"`.
        reason: StopReason,
    },
}
