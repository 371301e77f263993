//! Acting on a change of the connection's status, and closing.

use std::fmt::Write;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tracing::field::DisplayValue;
use tracing::{debug, warn};

use super::{later, Closing, Driver};
use crate::error::panic_message;
use crate::policy::{aggregate, Action, ActionEvent, LogLevel, Step, Transition};
use crate::supervisor::observer::call_observer;
use crate::supervisor::plan::Plan;
use crate::supervisor::shared::signal;
use crate::supervisor::{Disconnect, Initiator, Transport};
use crate::{frame, Health, Status};

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
            self.begin_close(frame, Initiator::Application, false, None, now);
            return true;
        }
        if self.shared.abandoned() {
            let frame = frame::close_frame(1000, "").expect("1000 is a valid close code");
            self.begin_close(frame, Initiator::Application, false, None, now);
            return true;
        }
        false
    }

    /// Publishes the connection's new status, which check `i`'s result `health` brought.
    pub(super) fn publish(&mut self, plan: &Plan, i: usize, t: Transition, health: &Health) {
        let status = self.connection_health(plan, i, health);
        self.reason_of = u16::try_from(i).unwrap_or(u16::MAX);
        // Set before the observer hears of it: a hub subscriber that looks the connection up
        // on the event reads the new status.
        self.shared.health.set(status.clone());
        if let Some(observer) = &self.shared.observer {
            call_observer("status_changed", || {
                observer.status_changed(self.shared.id, t.from, &status);
            });
        }
        self.gauge.status_changed(&plan.checks[i].name, t.to);
    }

    /// Restates why the connection is where it is after check `i`'s status changed and the
    /// connection's did not: else its reason would go on naming a check that recovered while
    /// another holds it there. A change of reason only: no observer event, no action.
    pub(super) fn restate(&mut self, plan: &Plan, i: usize, health: &Health) {
        if self.engine.status() != Status::Healthy {
            let status = self.connection_health(plan, i, health);
            self.reason_of = u16::try_from(i).unwrap_or(u16::MAX);
            self.shared.health.set(status);
        }
    }

    /// The connection's health after check `i`'s result `health`: that check and its reason,
    /// and the check that holds the connection's status if another.
    fn connection_health(&self, plan: &Plan, i: usize, health: &Health) -> Health {
        let status = self.engine.status();
        let mut reason = format!("{}: {}", plan.checks[i].name, health.reason());
        if let Some(held) = self.engine.holder().filter(|&j| j != i) {
            let _ = write!(reason, "; {} still {status}", plan.checks[held].name);
        }
        let mut out = Health::new(status, reason);
        if let Some(rtt) = health.rtt() {
            out = out.with_rtt(rtt);
        }
        out
    }

    /// Runs the actions due for check `i`'s result `health`, which made `step`.
    ///
    /// A check's own actions follow its own status, even where the connection stays (held
    /// there by another check: a session check's close 1008 is not lost behind a ping that
    /// only logs); otherwise a change of the connection's runs the check's own for it, else
    /// the policy's. The policy's list for a worse status runs once each time the connection
    /// gets there: where a check's own ran instead, it is owed to the first check that later
    /// raises its weight to that status with no own actions for it (a dead peer is closed
    /// behind a session check that only logs).
    pub(super) fn act_on(
        &mut self,
        plan: &Plan,
        i: usize,
        step: Step,
        health: &Health,
        now: Instant,
    ) {
        let own = step.check.and_then(|t| Some((plan.own_actions(i, t)?, t)));
        if let Some((actions, t)) = own {
            self.act(plan, i, actions, health, Changed::Check(t), now);
            if let Some(c) = step.connection {
                self.policy_owed = c.to > c.from;
            }
        } else if let Some(c) = step.connection {
            self.policy_owed = c.to > c.from && plan.own_actions(i, c).is_some();
            self.act(
                plan,
                i,
                plan.actions(i, c),
                health,
                Changed::Connection(c),
                now,
            );
        } else if let Some(t) = step.check.filter(|_| self.policy_owed) {
            let critical = plan.checks[i].settings.rule().critical;
            let weight = Transition {
                from: aggregate([(t.from, critical)]),
                to: aggregate([(t.to, critical)]),
            };
            let status = self.engine.status();
            if weight.to == status && weight.from < status {
                self.policy_owed = plan.own_actions(i, weight).is_some();
                self.act(
                    plan,
                    i,
                    plan.actions(i, weight),
                    health,
                    Changed::Check(weight),
                    now,
                );
            }
        }
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
                Action::Log { level } => {
                    let who = self.shared.unspanned();
                    log_transition(*level, name, t, health, changed, who);
                }
                Action::Close { code, reason } => {
                    let reason = reason
                        .as_deref()
                        .unwrap_or_else(|| frame::truncate_reason(health.reason()));
                    self.policy_close(*code, reason, false, (name, health), now);
                }
                Action::Reconnect => {
                    let reason = frame::truncate_reason(health.reason());
                    self.policy_close(1011, reason, true, (name, health), now);
                }
                Action::Custom { name: action } => {
                    let state = self.shared.state.as_deref();
                    let event = ActionEvent::new(self.shared.id, name, health, t.from, t.to)
                        .with_connection(self.shared.peer, state);
                    if let Some(custom) = plan.custom.get(action) {
                        // The action may log nothing itself: this says it ran, and for what.
                        debug!(action, check = name, from = %t.from, to = %t.to, %health,
                            "running custom action");
                        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| custom.run(&event))) {
                            let (id, peer) = self.shared.unspanned();
                            warn!(
                                id,
                                peer,
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

    /// Closes as check `cause.0`'s result `cause.1` asked, through the policy.
    pub(super) fn policy_close(
        &mut self,
        code: u16,
        reason: &str,
        reconnect: bool,
        cause: (&str, &Health),
        now: Instant,
    ) {
        // The application's close, asked for by an earlier action of the list or an observer,
        // goes first (see `complete`).
        if self.take_requests(now) {
            return;
        }
        match frame::close_frame(code, reason) {
            Ok(frame) => self.begin_close(frame, Initiator::Policy, reconnect, Some(cause), now),
            // Validated when the plan was built; kept as a fallback, never a panic.
            Err(err) => {
                let (id, peer) = self.shared.unspanned();
                warn!(id, peer, %err, "policy close refused");
            }
        }
    }

    /// Begins the close handshake with `frame`. `cause`: the check and the result that made
    /// a policy close, which the event names (the frame's reason may be the action's own).
    pub(super) fn begin_close(
        &mut self,
        frame: CloseFrame,
        initiator: Initiator,
        reconnect: bool,
        cause: Option<(&str, &Health)>,
        now: Instant,
    ) {
        // Closing already, or the stream has ended: the end already has its outcome.
        if self.closing.is_some() || self.transport_done {
            return;
        }
        let code = u16::from(frame.code);
        let reason = frame.reason.as_str().to_owned();
        let (id, peer) = self.shared.unspanned();
        match cause {
            Some((check, health)) => {
                warn!(id, peer, code, reason, check, %health, "closing connection");
            }
            None => debug!(id, peer, code, reason, "closing connection"),
        }
        let mut outcome = Disconnect::new(initiator, code, reason);
        outcome.reconnect = reconnect;
        self.outcome = Some(Box::new(outcome));
        self.shared.request_close(|| frame.clone());
        self.closing = Some(Box::new(Closing {
            deadline: later(now, self.plan.policy.close_timeout),
            frame: Some(frame),
            after_data: initiator == Initiator::Application,
            peer_closed: false,
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
    (id, peer): (Option<u64>, Option<DisplayValue<SocketAddr>>),
) {
    macro_rules! at {
        ($level:expr) => {
            match changed {
                Changed::Connection(_) => tracing::event!($level, id, peer, check, from = %t.from, to = %t.to, %health, "connection health changed"),
                Changed::Check(_) => tracing::event!($level, id, peer, check, from = %t.from, to = %t.to, %health, "check health changed"),
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
