//! Acting on a change of the connection's status, and closing.

use std::fmt::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tracing::{debug, warn};

use super::{later, Closing, Driver};
use crate::error::panic_message;
use crate::policy::{Action, ActionEvent, LogLevel, Transition};
use crate::supervisor::observer::call_observer;
use crate::supervisor::plan::Plan;
use crate::supervisor::shared::signal;
use crate::supervisor::{Disconnect, Initiator, Transport};
use crate::{frame, Health};

impl<S: Transport> Driver<S> {
    /// Close requests from the application, and the application going away.
    pub(super) fn take_requests(&mut self, now: Instant) -> bool {
        if self.closing.is_some() {
            return false;
        }
        // The lock is taken only when a close was requested.
        let request = self
            .shared
            .signalled(signal::CLOSE)
            .then(|| self.shared.lock().close_request.as_deref().cloned())
            .flatten();
        if let Some(frame) = request {
            self.begin_close(frame, Initiator::Application, false, now);
            return true;
        }
        if self.shared.abandoned() {
            let frame = frame::close_frame(1000, "").expect("1000 is a valid close code");
            self.begin_close(frame, Initiator::Application, false, now);
            return true;
        }
        false
    }

    /// Publishes the connection's new status, which check `i`'s result `health` brought.
    pub(super) fn publish(&mut self, plan: &Plan, i: usize, t: Transition, health: &Health) {
        let name = &*plan.checks[i].name;
        let mut reason = format!("{name}: {}", health.reason());
        // Improved, but held where it is by another check: say which.
        if let Some(held) = self.engine.holder().filter(|&j| j != i) {
            let _ = write!(reason, "; {} still {}", plan.checks[held].name, t.to);
        }
        let mut status = Health::new(t.to, reason);
        if let Some(rtt) = health.rtt() {
            status = status.with_rtt(rtt);
        }
        // Set before the observer hears of it: a hub subscriber that looks the connection up
        // on the event reads the new status.
        self.shared.health.set(status.clone());
        if let Some(observer) = &self.shared.observer {
            call_observer("status_changed", || {
                observer.status_changed(self.shared.id, t.from, &status);
            });
        }
        self.gauge.status_changed(name, t.to);
    }

    /// Runs `actions` for check `i`'s result `health`, which brought the change `changed`.
    pub(super) fn act(
        &mut self,
        plan: &Plan,
        i: usize,
        actions: &[Action],
        health: &Health,
        changed: Changed,
        now: Instant,
    ) {
        let t = changed.transition();
        let name = &*plan.checks[i].name;
        for action in actions {
            match action {
                Action::Log { level } => log_transition(*level, name, t, health, changed),
                Action::Close { code, reason } => {
                    let reason = reason
                        .as_deref()
                        .unwrap_or_else(|| frame::truncate_reason(health.reason()));
                    self.policy_close(*code, reason, false, now);
                }
                Action::Reconnect => {
                    let reason = frame::truncate_reason(health.reason());
                    self.policy_close(1011, reason, true, now);
                }
                Action::Custom { name: action } => {
                    let event = ActionEvent {
                        connection_id: self.shared.id,
                        check: name,
                        health,
                        from: t.from,
                        to: t.to,
                    };
                    if let Some(custom) = plan.custom.get(action) {
                        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| custom.run(&event))) {
                            warn!(
                                action,
                                panic = panic_message(&*panic),
                                "custom action panicked"
                            );
                        }
                    }
                }
            }
        }
    }

    pub(super) fn policy_close(&mut self, code: u16, reason: &str, reconnect: bool, now: Instant) {
        match frame::close_frame(code, reason) {
            Ok(frame) => self.begin_close(frame, Initiator::Policy, reconnect, now),
            // Validated when the plan was built; kept as a fallback, never a panic.
            Err(err) => warn!(%err, "policy close refused"),
        }
    }

    pub(super) fn begin_close(
        &mut self,
        frame: CloseFrame,
        initiator: Initiator,
        reconnect: bool,
        now: Instant,
    ) {
        // Closing already, or the stream has ended: the end already has its outcome.
        if self.closing.is_some() || self.transport_done {
            return;
        }
        let code = u16::from(frame.code);
        let reason = frame.reason.as_str().to_owned();
        match initiator {
            Initiator::Policy => warn!(code, reason, "closing connection"),
            _ => debug!(code, reason, "closing connection"),
        }
        let mut outcome = Disconnect::new(initiator, code, reason);
        outcome.reconnect = reconnect;
        self.outcome = Some(Box::new(outcome));
        self.shared.request_close(|| frame.clone());
        self.closing = Some(Box::new(Closing {
            deadline: later(now, self.plan.policy.close_timeout),
            frame: Some(frame),
            after_data: initiator == Initiator::Application,
            undelivered: 0,
        }));
        self.cancel_runs();
    }
}

/// Whose status changed: the connection's, or the check's (whose own actions follow it).
#[derive(Debug, Clone, Copy)]
pub(super) enum Changed {
    Connection(Transition),
    Check(Transition),
}

impl Changed {
    fn transition(self) -> Transition {
        match self {
            Changed::Connection(t) | Changed::Check(t) => t,
        }
    }
}

pub(super) fn log_transition(
    level: LogLevel,
    check: &str,
    t: Transition,
    health: &Health,
    changed: Changed,
) {
    macro_rules! at {
        ($level:expr) => {
            match changed {
                Changed::Connection(_) => tracing::event!($level, check, from = %t.from, to = %t.to, %health, "connection health changed"),
                Changed::Check(_) => tracing::event!($level, check, from = %t.from, to = %t.to, %health, "check health changed"),
            }
        };
    }
    match level {
        LogLevel::Trace => at!(tracing::Level::TRACE),
        LogLevel::Debug => at!(tracing::Level::DEBUG),
        LogLevel::Info => at!(tracing::Level::INFO),
        LogLevel::Warn => at!(tracing::Level::WARN),
        LogLevel::Error => at!(tracing::Level::ERROR),
    }
}
