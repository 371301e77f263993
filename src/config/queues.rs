//! Queue sizes between a connection's supervisor and its application.

use serde::{Deserialize, Serialize};

use super::validate::{Validate, Validator};

/// Bounded queues between a connection's supervisor and its application: the `[queues]`
/// table. They apply to connections supervised after a (re)load.
///
/// Each is bounded twice, in messages and in bytes (the sum of the payloads), and is full at
/// the first bound it meets: the count bounds the bookkeeping of many small messages, the
/// bytes what a peer that floods large ones and never reads can make a connection hold (with
/// counts alone, 64 messages of up to `socket.max_message_size` each way). A message larger
/// than a budget still passes alone: a queue holds at most its budget and one message more.
///
/// # Default
/// 64 messages and 8 MiB each way. Queues allocate only when used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Queues {
    /// Messages received but not yet taken by the application. When full, the supervisor
    /// stops reading (TCP backpressure) and reports the connection Degraded "slow consumer"
    /// instead of blaming the peer for answers it could not read.
    pub inbound: usize,
    /// Messages the application sent that are not yet written. When full, `send` waits and
    /// `try_send` hands the message back.
    pub outbound: usize,
    /// Bytes of the inbound queue's messages at which it is full, as at `inbound` messages.
    pub inbound_bytes: usize,
    /// Bytes of the outbound queue's messages at which it is full, as at `outbound` messages.
    pub outbound_bytes: usize,
}

impl Default for Queues {
    fn default() -> Self {
        Queues {
            inbound: 64,
            outbound: 64,
            inbound_bytes: 8 << 20,
            outbound_bytes: 8 << 20,
        }
    }
}

impl Validate for Queues {
    fn report(&self, v: &mut Validator) {
        v.nonzero("inbound", self.inbound as u64);
        v.nonzero("outbound", self.outbound as u64);
        v.nonzero("inbound_bytes", self.inbound_bytes as u64);
        v.nonzero("outbound_bytes", self.outbound_bytes as u64);
    }
}
