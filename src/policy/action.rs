//! Actions a policy can take, and the trait for custom ones.

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::frame::{check_close_code, check_close_reason};
use crate::{Health, Result, Status};

/// One thing to do when a connection's status, or a check's, changes (see
/// [`CheckSettings::on_degraded`](crate::CheckSettings::on_degraded) for which run when).
///
/// In configuration each action is a table tagged by `action`:
///
/// ```toml
/// on_unhealthy = [
///     { action = "log", level = "error" },
///     { action = "close", code = 1011, reason = "keepalive ping timeout" },
/// ]
/// on_degraded = [{ action = "custom", name = "page-oncall" }]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Action {
    /// Emit a `tracing` event at `level` naming the check, the transition and the reason.
    Log {
        /// The event's level.
        #[serde(default)]
        level: LogLevel,
    },
    /// Close the connection with `code`, wait at most the policy's close timeout for the
    /// peer's close frame, then drop TCP.
    Close {
        /// The close code; must be one that may be sent (see [`crate::frame::check_close_code`]).
        code: u16,
        /// The close reason; when absent, the failing check's reason, cut to 123 bytes
        /// ("configuration reloaded" when a reload's new rules made the change; the
        /// connection's reason, "feed: feed stale", when a reload gave the status the
        /// connection stays at a close it did not have).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Close like `Close { code: 1011 }` and ask the runtime to reconnect (clients) whatever
    /// its final-close rules say.
    // A unit variant of a tagged enum would take any other keys in silence (serde#2123).
    #[serde(deserialize_with = "no_fields")]
    Reconnect,
    /// Run the [`CustomAction`] registered under `name`.
    Custom {
        /// The registered name.
        name: String,
    },
}

impl Action {
    /// `Close` with `code` and a fixed `reason`.
    ///
    /// ```
    /// use ws_health::policy::Action;
    ///
    /// let expired = Action::close(1008, "session expired");
    /// assert!(expired.validate().is_ok());
    /// ```
    pub fn close(code: u16, reason: impl Into<String>) -> Self {
        Action::Close {
            code,
            reason: Some(reason.into()),
        }
    }

    /// `Log` at `level`.
    pub fn log(level: LogLevel) -> Self {
        Action::Log { level }
    }

    /// Checks the action's values: close codes that may be sent, reasons that fit.
    pub fn validate(&self) -> Result<()> {
        if let Action::Close { code, reason } = self {
            check_close_code(*code)?;
            if let Some(reason) = reason {
                check_close_reason(reason)?;
            }
        }
        Ok(())
    }
}

/// A `tracing` level, as written in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum LogLevel {
    Trace,
    Debug,
    #[default]
    Info,
    Warn,
    Error,
}

/// What a [`CustomAction`] is told.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ActionEvent<'a> {
    /// The connection's id.
    pub connection_id: u64,
    /// The peer's address, if the connection was given one (the runtime's are).
    pub peer: Option<SocketAddr>,
    /// The connection's state for its checks; read with [`state`](Self::state).
    state: Option<&'a (dyn Any + Send + Sync)>,
    /// The check whose result brought the change.
    pub check: &'a str,
    /// That check's result.
    pub health: &'a Health,
    /// The status before: the check's when its own actions run for its own change, the
    /// connection's when actions run for the connection's change; and when the policy's list
    /// runs owed (a check's own list ran in its place when the connection got there), the
    /// weight in the connection's status of the check that rose to it: Healthy to Degraded
    /// for a non-critical check that failed, whose `health` says Unhealthy.
    pub from: Status,
    /// The status now, the check's or the connection's as `from`.
    pub to: Status,
}

impl<'a> ActionEvent<'a> {
    /// An event as the supervisor makes it, for running a [`CustomAction`] in a unit test.
    ///
    /// ```
    /// use ws_health::policy::{ActionEvent, CustomAction};
    /// use ws_health::{Health, Status};
    ///
    /// let page = |event: &ActionEvent<'_>| assert_eq!(event.to, Status::Unhealthy);
    /// let health = Health::unhealthy("keepalive ping timeout");
    /// page.run(&ActionEvent::new(7, "ping", &health, Status::Healthy, Status::Unhealthy));
    /// ```
    pub fn new(
        connection_id: u64,
        check: &'a str,
        health: &'a Health,
        from: Status,
        to: Status,
    ) -> Self {
        ActionEvent {
            connection_id,
            peer: None,
            state: None,
            check,
            health,
            from,
            to,
        }
    }

    /// The event with the peer's address.
    #[must_use]
    pub fn with_peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    /// The event with the connection's state.
    #[must_use]
    pub fn with_state<T: Any + Send + Sync>(mut self, state: &'a T) -> Self {
        self.state = Some(state);
        self
    }

    /// The event with what the supervisor knows of the connection.
    pub(crate) fn with_connection(
        mut self,
        peer: Option<SocketAddr>,
        state: Option<&'a (dyn Any + Send + Sync)>,
    ) -> Self {
        self.peer = peer;
        self.state = state;
        self
    }

    /// The connection's state (given to `Supervisor::supervise_with_state`, the server's
    /// handshake hook or the client's `with_connection_state`), if it is a `T`: the device or
    /// user an action pages about, without a lookup in the hub.
    ///
    /// ```
    /// use ws_health::policy::ActionEvent;
    /// use ws_health::{Health, Status};
    ///
    /// struct Device(&'static str);
    /// let health = Health::unhealthy("telemetry stale");
    /// let device = Device("meter-17");
    /// let event = ActionEvent::new(7, "telemetry", &health, Status::Healthy, Status::Unhealthy)
    ///     .with_state(&device);
    /// assert_eq!(event.state::<Device>().map(|d| d.0), Some("meter-17"));
    /// ```
    pub fn state<T: Any>(&self) -> Option<&'a T> {
        self.state?.downcast_ref::<T>()
    }
}

impl fmt::Debug for ActionEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionEvent")
            .field("connection_id", &self.connection_id)
            .field("peer", &self.peer)
            .field("state", &self.state.is_some())
            .field("check", &self.check)
            .field("health", &self.health)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

/// An action of your own, registered by name on the supervisor builder and named in a
/// policy as `{ action = "custom", name = "..." }`.
///
/// It runs on the connection's task, so it must not block: hand slow work to a channel or
/// spawn it. Closures implement it.
///
/// ```
/// use ws_health::policy::ActionEvent;
/// use ws_health::Supervisor;
///
/// let supervisor = Supervisor::builder()
///     .with_custom_action("count", |event: &ActionEvent<'_>| {
///         println!("connection {} is now {}", event.connection_id, event.to);
///     })
///     .build()
///     .unwrap();
/// # drop(supervisor);
/// ```
pub trait CustomAction: Send + Sync + 'static {
    /// Carries out the action.
    fn run(&self, event: &ActionEvent<'_>);
}

impl<F> CustomAction for F
where
    F: Fn(&ActionEvent<'_>) + Send + Sync + 'static,
{
    fn run(&self, event: &ActionEvent<'_>) {
        self(event)
    }
}

impl fmt::Debug for dyn CustomAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomAction")
    }
}

/// Refuses any key beside `action`, as the other actions' `deny_unknown_fields` do.
fn no_fields<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoFields {}
    NoFields::deserialize(deserializer).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_actions_are_validated() {
        let bad = Action::Close {
            code: 1006,
            reason: None,
        };
        assert!(bad.validate().unwrap_err().to_string().contains("1006"));
        let long = Action::Close {
            code: 1000,
            reason: Some("x".repeat(124)),
        };
        assert!(long.validate().is_err());
        Action::Reconnect.validate().unwrap();
    }

    /// Debug shows the event without asking its state to be `Debug`: only whether it has one.
    #[test]
    fn debug_shows_an_event_and_whether_it_has_state() {
        struct Opaque;
        let health = Health::unhealthy("feed stale");
        let event = ActionEvent::new(7, "feed", &health, Status::Healthy, Status::Unhealthy)
            .with_state(&Opaque);
        let shown = format!("{event:?}");
        for part in [
            "connection_id: 7",
            "check: \"feed\"",
            "state: true",
            "to: Unhealthy",
        ] {
            assert!(shown.contains(part), "{part} not in {shown}");
        }
        let action: Box<dyn CustomAction> = Box::new(|_: &ActionEvent<'_>| {});
        assert_eq!(format!("{action:?}"), "CustomAction");
    }
}
