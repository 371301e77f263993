//! How a supervised connection ended.

use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Who ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Initiator {
    /// A policy action closed it (a failed check).
    Policy,
    /// The application closed it, or dropped every handle to it.
    Application,
    /// The peer sent a close frame; also when the application's close had not left yet as
    /// the peer's was read (it is then never sent, and the code is the peer's).
    Peer,
    /// The transport failed or ended without a close frame.
    Network,
    /// The peer broke the protocol or a limit, and ws-health failed the connection with the
    /// code RFC 6455 gives for it: 1009 for a message over `socket.max_message_size` or a
    /// frame over `socket.max_frame_size`, 1007 for text that is not UTF-8, 1002 for a
    /// malformed frame. Python `websockets` does the same; tungstenite alone drops TCP
    /// without a close frame.
    Protocol,
}

impl Initiator {
    /// The lower-case name used in logs and serialized events: `policy`, `application`,
    /// `peer`, `network` or `protocol`.
    pub fn as_str(self) -> &'static str {
        match self {
            Initiator::Policy => "policy",
            Initiator::Application => "application",
            Initiator::Peer => "peer",
            Initiator::Network => "network",
            Initiator::Protocol => "protocol",
        }
    }
}

impl fmt::Display for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As its name ([`as_str`](Initiator::as_str)).
impl Serialize for Initiator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How a supervised connection ended: returned by
/// [`Sender::closed`](crate::Sender::closed).
///
/// `code` follows RFC 6455, including the two codes that only ever describe a close
/// locally: 1005 when the peer's close frame had no code, 1006 when the connection ended
/// without a close frame at all. A peer's close with a code no endpoint may send (1005,
/// 999, 2000, …) reads as 1002 "Protocol violation", from the peer: tungstenite answers it
/// with that code and does not keep the one the peer sent.
///
/// Serialized (in [`HubEvent`](crate::runtime::HubEvent)s and
/// [`ClientEvent`](crate::runtime::client::ClientEvent)s too) with the initiator as `by`:
/// `{"by":"peer","code":1000,"reason":"","clean":true,"reconnect":false,"unsent":0,`
/// `"undelivered":0}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Disconnect {
    /// Who ended it.
    pub initiator: Initiator,
    /// The close code sent or received (1005 or 1006 as above).
    pub code: u16,
    /// The close reason sent or received, or the transport error.
    pub reason: String,
    /// Whether a policy asked the runtime to reconnect.
    pub reconnect: bool,
    /// Whether the close handshake completed: both close frames went, whatever ended TCP
    /// after them, our own drop of TCP at the close timeout included when only its end had not
    /// come (a client waits for the server to end it, RFC 6455 7.1.1). False: TCP was dropped
    /// at the close timeout before both went, after a protocol failure once our close frame
    /// was out, or the transport failed before both went.
    pub clean: bool,
    /// Messages the application queued that were never handed to the transport: the peer
    /// closed first (also while our own close waited behind them), or the transport failed.
    /// Zero after an orderly close by the application. Messages the transport had taken but
    /// not yet written when it failed die with it, uncounted, as with tungstenite alone: up to
    /// `socket.write_buffer_size` bytes of them (4 KiB by default) and the one being written,
    /// so tens of small messages, not one, against a peer that stopped reading (24 of 100
    /// bytes each per connection, 560 with a 64 KiB buffer).
    pub unsent: usize,
    /// Messages the peer sent that never reached the application: they arrived while the
    /// connection was closing, with the inbound queue full (reading goes on then, so that
    /// the close completes), or after one that was so dropped (what `recv` yields is a prefix
    /// of what the peer sent, never with a hole). Not counted: what arrives once the
    /// application has dropped its `Connection`, which nobody could read.
    pub undelivered: usize,
}

impl Serialize for Disconnect {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Disconnect", 7)?;
        out.serialize_field("by", &self.initiator)?;
        out.serialize_field("code", &self.code)?;
        out.serialize_field("reason", &self.reason)?;
        out.serialize_field("clean", &self.clean)?;
        out.serialize_field("reconnect", &self.reconnect)?;
        out.serialize_field("unsent", &self.unsent)?;
        out.serialize_field("undelivered", &self.undelivered)?;
        out.end()
    }
}

impl Disconnect {
    pub(crate) fn new(initiator: Initiator, code: u16, reason: impl Into<String>) -> Self {
        Disconnect {
            initiator,
            code,
            reason: reason.into(),
            reconnect: false,
            clean: false,
            unsent: 0,
            undelivered: 0,
        }
    }
}

impl fmt::Display for Disconnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "closed by {} with {}", self.initiator, self.code)?;
        if !self.reason.is_empty() {
            write!(f, " {:?}", self.reason)?;
        }
        if !self.clean {
            f.write_str(" (unclean)")?;
        }
        if self.unsent > 0 {
            write!(f, " with {} message(s) unsent", self.unsent)?;
        }
        if self.undelivered > 0 {
            write!(f, "; {} received message(s) dropped", self.undelivered)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Disconnect` of its own serializes as it does inside the hub's and client's events.
    #[test]
    fn a_disconnect_serializes_with_its_initiator_as_by() {
        let mut d = Disconnect::new(Initiator::Policy, 1011, "keepalive ping timeout");
        d.unsent = 2;
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            json,
            r#"{"by":"policy","code":1011,"reason":"keepalive ping timeout","clean":false,"reconnect":false,"unsent":2,"undelivered":0}"#
        );
        assert_eq!(Initiator::Protocol.to_string(), "protocol");
    }
}
