//! What a hub's subscribers see.

use std::net::SocketAddr;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::Side;
use crate::supervisor::{Disconnect, Initiator};
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
        #[serde(serialize_with = "serialize_disconnect")]
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

pub(crate) fn initiator_name(initiator: Initiator) -> &'static str {
    match initiator {
        Initiator::Policy => "policy",
        Initiator::Application => "application",
        Initiator::Peer => "peer",
        Initiator::Network => "network",
        Initiator::Protocol => "protocol",
        #[allow(unreachable_patterns)]
        _ => "unknown",
    }
}

pub(crate) fn serialize_disconnect<S: Serializer>(d: &Disconnect, s: S) -> Result<S::Ok, S::Error> {
    let mut out = s.serialize_struct("Disconnect", 7)?;
    out.serialize_field("by", initiator_name(d.initiator))?;
    out.serialize_field("code", &d.code)?;
    out.serialize_field("reason", &d.reason)?;
    out.serialize_field("clean", &d.clean)?;
    out.serialize_field("reconnect", &d.reconnect)?;
    out.serialize_field("unsent", &d.unsent)?;
    out.serialize_field("undelivered", &d.undelivered)?;
    out.end()
}
