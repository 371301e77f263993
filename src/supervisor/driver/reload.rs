//! A live reload on one connection: the new plan's timings for the checks waiting to run,
//! and the new rules over the results already seen, acted on at once.

use smallvec::SmallVec;
use tokio::time::Instant;
use tracing::debug;

use super::actions::Changed;
use super::runs::{jitter, next_point};
use super::{later, Driver};
use crate::policy::{aggregate, Action, Transition};
use crate::supervisor::plan::Plan;
use crate::supervisor::Transport;
use crate::{Health, Status};

impl<S: Transport> Driver<S> {
    /// Takes the new plan; true if the status it changed closes the connection.
    pub(super) fn reload(&mut self, now: Instant) -> bool {
        let old = std::mem::replace(&mut self.plan, self.plan_rx.borrow_and_update().clone());
        debug!("configuration reloaded");
        let plan = self.plan.clone();
        // A disabled check's run in flight ends without a result now: finished below, it
        // would be judged by the rule of a check that no longer counts.
        for (slot, planned) in self.slots.iter_mut().zip(&plan.checks) {
            if let Some(run) = slot.run.take_if(|_| !planned.settings.enabled) {
                slot.end_run(run, &planned.name, &self.shared, None);
            }
        }
        // A check waiting for its next run moves onto the new spacing: its next grid point is
        // the first at or after now in the new interval counted from its last one, so that a
        // reload from a minute to two seconds is not waited out at the minute, and each
        // connection keeps its own place in the cycle (connections do not ping in step). A
        // jitter-only change redraws the jitter. A check enabled again runs at the next
        // point of its grid, not at once. A first run after an explicit initial delay keeps
        // its time (the new settings' delay is for connections opened later); a run in flight
        // keeps its deadline.
        for ((slot, planned), was) in self.slots.iter_mut().zip(&plan.checks).zip(&old.checks) {
            let (new, was) = (&planned.settings, &was.settings);
            let enabled_again = new.enabled && !was.enabled;
            if slot.run.is_some() || (slot.first_delayed && !enabled_again) {
                continue;
            }
            if new.interval != was.interval && !slot.first_delayed {
                let last = slot.grid.checked_sub(was.interval).unwrap_or(now);
                slot.grid = next_point(last, new.interval, now);
            } else if !enabled_again && new.jitter == was.jitter {
                continue;
            }
            // Its grid went on while it was off: from the first point at or after now.
            if enabled_again && slot.grid < now {
                slot.grid = next_point(slot.grid, new.interval, now);
            }
            slot.first_delayed = false;
            slot.next_due = later(slot.grid, jitter(new.jitter)).max(now);
        }
        let weights = self.weights(&old);
        let holder = self.engine.holder();
        let Some((i, t)) = self.engine.reload(plan.reload_rules()) else {
            self.act_on_same_status(&plan, &old, &weights, now);
            self.restate_if_disabled(&plan, holder);
            return self.closing.is_some();
        };
        // New rules over the results already seen: acted on now, not at the next result,
        // which a check made critical while failing would never bring (Unhealthy to
        // Unhealthy is no change).
        let health = Health::new(t.to, "configuration reloaded");
        // Owed on if the check's own list ran, or was skipped as unchanged, instead.
        self.policy_owed = t.to > t.from && plan.own_actions(i, t).is_some();
        self.publish(&plan, i, t, &health);
        let actions = plan.reload_actions(&old, i, t);
        self.act(&plan, i, actions, &health, Changed::Connection(t), now);
        // Another check that rose with it, with no own list, is owed the policy's now.
        self.pay_owed(&plan, &weights, &health, now);
        self.closing.is_some()
    }

    /// After a reload that left the connection's status where it was: if the published
    /// reason names a check the reload disabled (as the check it is about, or as the one
    /// that held the status, `was_holder`), it names the check that holds it now instead.
    fn restate_if_disabled(&mut self, plan: &Plan, was_holder: Option<usize>) {
        let Some(holder) = self.engine.holder().filter(|_| self.closing.is_none()) else {
            return;
        };
        let enabled = |i: usize| plan.checks.get(i).is_some_and(|c| c.settings.enabled);
        if enabled(usize::from(self.reason_of)) && was_holder.is_none_or(enabled) {
            return;
        }
        let health = Health::new(self.engine.status(), "configuration reloaded");
        self.restate(plan, holder, &health);
    }

    /// Each check's weight in the connection's status under `plan`'s rules.
    fn weights(&self, plan: &Plan) -> SmallVec<[Status; 2]> {
        let rules = plan.checks.iter().map(|c| c.settings.rule().critical);
        let statuses = (0..plan.checks.len()).map(|j| self.engine.check_status(j));
        statuses.zip(rules).map(|s| aggregate([s])).collect()
    }

    /// After a reload from `old` (whose weights were `was`) that left the connection's status
    /// where it was, the actions the new rules owe it there, at once: no result would bring
    /// them, as Unhealthy to Unhealthy is no change. The policy's list if it was owed and a
    /// check with no own list for it rose to the status (a failing check made critical
    /// behind one whose own list only logged); else what the lists due at the status gained
    /// (a dry run's log turned into a close), each check there asked for its own (or the
    /// policy's), not only the first: not the actions they had already.
    fn act_on_same_status(&mut self, plan: &Plan, old: &Plan, was: &[Status], now: Instant) {
        let status = self.engine.status();
        if status == Status::Healthy {
            return;
        }
        let health = self.shared.health.get();
        if self.pay_owed(plan, was, &health, now) {
            return;
        }
        let t = Transition {
            from: status,
            to: status,
        };
        let (mut gained, mut first) = (Vec::<Action>::new(), None);
        for (i, weight) in self.weights(plan).into_iter().enumerate() {
            if weight != status {
                continue;
            }
            // The policy's list, if that is one due, has run now.
            if plan.own_actions(i, t).is_none() {
                self.policy_owed = false;
            }
            let had = old.actions(i, t);
            for action in plan.actions(i, t) {
                if !had.contains(action) && !gained.contains(action) {
                    gained.push(action.clone());
                    first.get_or_insert(i);
                }
            }
        }
        if let Some(i) = first {
            self.act(plan, i, &gained, &health, Changed::Connection(t), now);
        }
    }

    /// The policy's list, if it is owed, for the first check that rose to the connection's
    /// status (from its weight in `was`) with no own list for the rise (one with its own ran
    /// it when it failed); true if it ran.
    fn pay_owed(&mut self, plan: &Plan, was: &[Status], health: &Health, now: Instant) -> bool {
        let status = self.engine.status();
        if !self.policy_owed || self.closing.is_some() {
            return false;
        }
        let weight = |i: usize| Transition {
            from: was[i],
            to: status,
        };
        let rose = self
            .weights(plan)
            .into_iter()
            .enumerate()
            .position(|(i, now)| {
                now == status && was[i] < status && plan.own_actions(i, weight(i)).is_none()
            });
        let Some(i) = rose else {
            return false;
        };
        self.policy_owed = false;
        let actions = plan.actions(i, weight(i));
        self.act(plan, i, actions, health, Changed::Check(weight(i)), now);
        true
    }
}
