//! The policy state machine: check results in, status transitions out.

use smallvec::SmallVec;

use super::aggregate;
use crate::Status;

/// How one check's results move its effective status, Kubernetes-style.
///
/// # Default
/// `failure_threshold = 1`, `success_threshold = 1`, `critical = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Consecutive Unhealthy results before the check counts as Unhealthy.
    pub failure_threshold: u32,
    /// Consecutive Healthy results before a Degraded or Unhealthy check counts as Healthy
    /// again (and consecutive non-failing results before an Unhealthy one counts as Degraded).
    pub success_threshold: u32,
    /// Whether the check can make the connection Unhealthy (otherwise at most Degraded).
    pub critical: bool,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            failure_threshold: 1,
            success_threshold: 1,
            critical: true,
        }
    }
}

/// A change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The status before.
    pub from: Status,
    /// The status after.
    pub to: Status,
}

/// What one observation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Step {
    /// The observed check's effective status changed.
    pub check: Option<Transition>,
    /// The connection's aggregated status changed; its actions are due.
    pub connection: Option<Transition>,
}

#[derive(Debug, Clone, Copy)]
struct CheckState {
    rule: Rule,
    effective: Status,
    /// Consecutive Unhealthy results.
    fails: u32,
    /// Consecutive Healthy or Degraded results.
    passes: u32,
    /// Consecutive Healthy results.
    oks: u32,
}

/// The per-connection policy state: one small record per check, no I/O, no clock.
///
/// ```
/// use ws_health::policy::{PolicyEngine, Rule, Transition};
/// use ws_health::Status::*;
///
/// let mut engine = PolicyEngine::new([Rule { failure_threshold: 2, ..Rule::default() }]);
/// assert_eq!(engine.observe(0, Unhealthy).connection, None); // 1 of 2
/// let step = engine.observe(0, Unhealthy);
/// assert_eq!(step.connection, Some(Transition { from: Healthy, to: Unhealthy }));
/// ```
#[derive(Debug, Clone)]
pub struct PolicyEngine {
    /// Inline for up to two checks (the ping and one of the application's).
    checks: SmallVec<[CheckState; 2]>,
    status: Status,
}

impl PolicyEngine {
    /// An engine for checks with these rules, all starting Healthy (a new connection is
    /// presumed healthy: its handshake just succeeded).
    pub fn new(rules: impl IntoIterator<Item = Rule>) -> Self {
        let checks = rules.into_iter().map(CheckState::new).collect();
        PolicyEngine {
            checks,
            status: Status::Healthy,
        }
    }

    /// The connection's aggregated status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The first check that holds the connection at its status (its weight in the aggregate
    /// is the connection's status); `None` while the connection is Healthy.
    pub fn holder(&self) -> Option<usize> {
        if self.status == Status::Healthy {
            return None;
        }
        self.checks.iter().position(|c| c.weight() == self.status)
    }

    /// The effective status of check `index`.
    ///
    /// # Panics
    /// If `index` is not a check of this engine.
    pub fn check_status(&self, index: usize) -> Status {
        self.checks[index].effective
    }

    /// A live reload: each check's new rule, or `None` for a check the reload disabled, whose
    /// results are forgotten (it counts as Healthy, and starts afresh if enabled again). The
    /// other checks keep their counters; checks beyond the old count start Healthy.
    ///
    /// Returns the connection's change of status, if the new rules make one (a failing check
    /// made critical, a degraded one disabled), with the check it is owed to: the first whose
    /// weight in the aggregate moved the same way. Its actions are due, as after a result.
    ///
    /// # Panics
    /// If `rules` has fewer entries than the engine has checks: a check is disabled with
    /// `None`, not removed (removing one would leave a change owed to no check).
    ///
    /// ```
    /// use ws_health::policy::{PolicyEngine, Rule, Transition};
    /// use ws_health::Status::*;
    ///
    /// let lenient = Rule { critical: false, ..Rule::default() };
    /// let mut engine = PolicyEngine::new([Rule::default(), lenient]);
    /// engine.observe(1, Unhealthy); // Degraded: check 1 is not critical
    /// let change = engine.reload([Some(Rule::default()), Some(Rule::default())]);
    /// assert_eq!(change, Some((1, Transition { from: Degraded, to: Unhealthy })));
    /// let change = engine.reload([Some(Rule::default()), None]);
    /// assert_eq!(change, Some((1, Transition { from: Unhealthy, to: Healthy })));
    /// ```
    pub fn reload(
        &mut self,
        rules: impl IntoIterator<Item = Option<Rule>>,
    ) -> Option<(usize, Transition)> {
        let before: SmallVec<[Status; 2]> = self.checks.iter().map(CheckState::weight).collect();
        let old = std::mem::take(&mut self.checks);
        let mut old = old.into_iter();
        for rule in rules {
            let kept = old.next();
            let state = match (rule, kept) {
                (Some(rule), Some(kept)) => CheckState { rule, ..kept },
                (rule, _) => CheckState::new(rule.unwrap_or_default()),
            };
            self.checks.push(state);
        }
        assert!(
            old.next().is_none(),
            "PolicyEngine::reload: fewer rules than checks; disable a check with `None`"
        );
        let from = self.status;
        self.status = self.aggregate();
        let t = Transition {
            from,
            to: self.status,
        };
        if t.from == t.to {
            return None;
        }
        let worse = t.to > t.from;
        let owed = self.checks.iter().enumerate().position(|(i, check)| {
            let was = before.get(i).copied().unwrap_or(Status::Healthy);
            let now = check.weight();
            if worse {
                now == t.to && now > was
            } else {
                now < was
            }
        });
        // Some check's weight moved with the aggregate; 0 only if none did, which the
        // aggregate (the greatest weight) rules out.
        Some((owed.unwrap_or(0), t))
    }

    /// Feeds one result of check `index`.
    ///
    /// # Panics
    /// If `index` is not a check of this engine.
    pub fn observe(&mut self, index: usize, result: Status) -> Step {
        let check = &mut self.checks[index];
        let before = check.effective;
        let rule = check.rule;
        match result {
            Status::Unhealthy => {
                check.fails = check.fails.saturating_add(1);
                check.passes = 0;
                check.oks = 0;
                if check.fails >= rule.failure_threshold.max(1) {
                    check.effective = Status::Unhealthy;
                }
            }
            Status::Degraded | Status::Healthy => {
                check.fails = 0;
                check.passes = check.passes.saturating_add(1);
                check.oks = if result == Status::Healthy {
                    check.oks.saturating_add(1)
                } else {
                    0
                };
                let threshold = rule.success_threshold.max(1);
                check.effective = match (before, result) {
                    (Status::Unhealthy, _) if check.passes < threshold => Status::Unhealthy,
                    (_, Status::Degraded) => Status::Degraded,
                    (Status::Healthy, Status::Healthy) => Status::Healthy,
                    // Recovering: Healthy only after enough consecutive Healthy results.
                    (_, _) if check.oks >= threshold => Status::Healthy,
                    (_, _) => Status::Degraded,
                };
            }
        }
        self.step(index, before)
    }

    /// A run of check `index` that could not conclude through no fault of the peer (its
    /// answer may sit unread behind an application that is not reading): the check is at
    /// least Degraded, and its counts stay, so the results on either side are consecutive
    /// (failures, and successes) and an Unhealthy check does not recover by it.
    ///
    /// # Panics
    /// If `index` is not a check of this engine.
    pub fn excuse(&mut self, index: usize) -> Step {
        let check = &mut self.checks[index];
        let before = check.effective;
        check.effective = before.max(Status::Degraded);
        self.step(index, before)
    }

    /// The step from check `index`'s effective status `before` to its current one.
    fn step(&mut self, index: usize, before: Status) -> Step {
        let after = self.checks[index].effective;
        let status_before = self.status;
        self.status = self.aggregate();
        Step {
            check: (before != after).then_some(Transition {
                from: before,
                to: after,
            }),
            connection: (status_before != self.status).then_some(Transition {
                from: status_before,
                to: self.status,
            }),
        }
    }

    fn aggregate(&self) -> Status {
        aggregate(self.checks.iter().map(|c| (c.effective, c.rule.critical)))
    }
}

impl CheckState {
    fn new(rule: Rule) -> Self {
        CheckState {
            rule,
            effective: Status::Healthy,
            fails: 0,
            passes: 0,
            oks: 0,
        }
    }

    /// What this check gives the aggregate.
    fn weight(&self) -> Status {
        aggregate([(self.effective, self.rule.critical)])
    }
}

#[cfg(test)]
mod tests;
