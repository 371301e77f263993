//! Policy: what to do about what the checks found.
//!
//! [`PolicyEngine`] is a pure state machine — results in, transitions out, no I/O and no
//! clock — so every rule here is testable with plain values. The supervisor feeds it each
//! check result and carries out the [`Action`]s of the transitions it reports, a
//! [`CustomAction`] looked up by the name it was registered under with
//! [`with_custom_action`](crate::supervisor::SupervisorBuilder::with_custom_action).
//!
//! # How a connection's status is aggregated
//!
//! Each check has an *effective* status, moved by its thresholds (see [`Rule`]). The
//! connection's status is the worst effective status among its checks, where a non-critical
//! check counts as at most Degraded:
//!
//! | check's effective status | critical check makes the connection | non-critical check makes it |
//! |---|---|---|
//! | Healthy   | at least Healthy   | at least Healthy  |
//! | Degraded  | at least Degraded  | at least Degraded |
//! | Unhealthy | Unhealthy          | at least Degraded |
//!
//! A connection with no checks is Healthy.

mod action;
mod aggregate;
mod engine;

pub use action::{Action, ActionEvent, CustomAction, LogLevel};
pub use aggregate::aggregate;
pub use engine::{PolicyEngine, Rule, Step, Transition};

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The connection-wide policy: the actions taken when the connection's status changes, for
/// checks that do not name their own, and the close handshake's bound.
///
/// Each list runs once each time the connection reaches its status, for the check whose result
/// brought it there, unless that check names its own actions for its change, which run instead.
/// `on_degraded` or `on_unhealthy` is then still owed: it runs for the first check without actions
/// of its own whose weight rises to that status (a non-critical check weighs Degraded at most)
/// while the connection stays there, so that a ping check set to only log does not keep a revoked
/// session open, nor a session check that only logs a dead peer.
///
/// # Default
/// Python `websockets`' behaviour: Unhealthy closes with 1011 and the failing check's reason
/// (for the ping check, "keepalive ping timeout"); Degraded and recovery are logged; the
/// close handshake gets 10 s before TCP is dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Actions when the connection becomes Degraded, unless the check that made it so has
    /// its own for its change (which then run instead; a non-critical check's own
    /// `on_unhealthy` when it fails).
    pub on_degraded: Vec<Action>,
    /// Actions when the connection becomes Unhealthy, unless the check that made it so has
    /// its own (a critical check whose own actions only log leaves the connection open until
    /// a check without its own fails there: the list is owed to it).
    pub on_unhealthy: Vec<Action>,
    /// Actions when the connection's status improves (to Healthy, or from Unhealthy to
    /// Degraded), unless the check that improved it has its own.
    pub on_recovered: Vec<Action>,
    /// How long to wait for the peer's close frame before dropping TCP.
    #[serde(with = "humantime_serde")]
    pub close_timeout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            on_degraded: vec![Action::Log {
                level: LogLevel::Warn,
            }],
            on_unhealthy: vec![Action::Close {
                code: 1011,
                reason: None,
            }],
            on_recovered: vec![Action::Log {
                level: LogLevel::Info,
            }],
            close_timeout: Duration::from_secs(10),
        }
    }
}
