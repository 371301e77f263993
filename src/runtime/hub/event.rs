//! What a hub's subscribers see.

use std::net::SocketAddr;

use serde::Serialize;

use super::Side;
use crate::supervisor::Disconnect;
use crate::Status;

/// One change in a hub: a connection opened, changed status, or closed. Serialises to JSON
/// lines such as `{"event":"status_changed","id":7,"side":"server","peer":"127.0.0.1:50312",
/// "from":"healthy","to":"unhealthy","reason":"ping: keepalive ping timeout"}`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HubEvent {
    /// A connection was attached; it starts Healthy.
    Opened {
        /// The connection's id.
        id: u64,
        /// Which end of it this process is.
        side: Side,
        /// The peer's address, if known.
        peer: Option<SocketAddr>,
    },
    /// A connection's status changed.
    StatusChanged {
        /// The connection's id.
        id: u64,
        /// Which end of it this process is.
        side: Side,
        /// The peer's address, if known.
        peer: Option<SocketAddr>,
        /// The status before.
        from: Status,
        /// The status now.
        to: Status,
        /// Why: the check that moved it and its reason.
        reason: String,
    },
    /// A connection ended.
    Closed {
        /// The connection's id.
        id: u64,
        /// Which end of it this process is.
        side: Side,
        /// The peer's address, if known.
        peer: Option<SocketAddr>,
        /// How it ended.
        disconnect: Disconnect,
    },
}

impl HubEvent {
    /// The connection the event is about.
    pub fn id(&self) -> u64 {
        match self {
            HubEvent::Opened { id, .. }
            | HubEvent::StatusChanged { id, .. }
            | HubEvent::Closed { id, .. } => *id,
        }
    }
}
