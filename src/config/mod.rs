//! Configuration: every timing and policy, as plain serde values.

mod check;
mod client;
mod server;
mod socket;

pub use check::CheckSettings;
pub use client::{Backoff, ClientConfig, CodeRange};
pub use server::ServerConfig;
pub use socket::{SocketConfig, TcpKeepalive};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::Result;

/// The whole ws-health configuration.
///
/// # Default
/// Python `websockets`' behaviour: ping every 20 s, no pong within 20 s closes with 1011
/// "keepalive ping timeout", close handshake bounded by 10 s.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The built-in ping/pong check.
    pub ping: CheckSettings,
    /// Settings of user checks, by the name they are registered under.
    pub checks: BTreeMap<String, CheckSettings>,
    /// What to do when a connection's status changes.
    pub policy: Policy,
    /// Queue sizes between the supervisor and the application.
    pub queues: Queues,
    /// TCP and WebSocket buffer settings used by the runtime.
    pub socket: SocketConfig,
    /// The runtime's server: handshake timeout, connection limit, shutdown.
    pub server: ServerConfig,
    /// The runtime's client: connect timeout, backoff, final close codes, offline queue.
    pub client: ClientConfig,
}

/// Bounded queues between a connection's supervisor and its application.
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

impl Config {
    /// The settings of the check registered as `name`: its `[checks.<name>]` table, or the
    /// defaults when it has none.
    pub fn check(&self, name: &str) -> CheckSettings {
        self.checks.get(name).cloned().unwrap_or_default()
    }

    /// Checks every value; the error names the offending key.
    pub fn validate(&self) -> Result<()> {
        self.ping.validate("ping")?;
        for (name, settings) in &self.checks {
            settings.validate(name)?;
        }
        for action in self
            .policy
            .on_degraded
            .iter()
            .chain(&self.policy.on_unhealthy)
            .chain(&self.policy.on_recovered)
        {
            action.validate()?;
        }
        self.server.validate()?;
        self.client.validate()?;
        Ok(())
    }
}
