//! Queue sizes between a connection's supervisor and its application.

use serde::{Deserialize, Serialize};

use super::validate::{Validate, Validator};

/// Bounded queues between a connection's supervisor and its application: the `[queues]`
/// table. They apply to connections supervised after a (re)load.
///
/// # Default
/// 64 inbound and 64 outbound messages. Queues allocate only when used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Queues {
    /// Messages received but not yet taken by the application. When full, the supervisor
    /// stops reading (TCP backpressure) and reports the connection Degraded "slow consumer"
    /// instead of blaming the peer for answers it could not read.
    pub inbound: usize,
    /// Messages the application sent that are not yet written.
    pub outbound: usize,
}

impl Default for Queues {
    fn default() -> Self {
        Queues {
            inbound: 64,
            outbound: 64,
        }
    }
}

impl Validate for Queues {
    fn report(&self, v: &mut Validator) {
        v.nonzero("inbound", self.inbound as u64);
        v.nonzero("outbound", self.outbound as u64);
    }
}
