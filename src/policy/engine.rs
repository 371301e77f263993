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
        let after = check.effective;
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
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn the_holder_is_the_first_check_weighing_as_much_as_the_connection() {
        let mut engine = PolicyEngine::new([rule(1, 1, true), rule(1, 1, false)]);
        assert_eq!(engine.holder(), None);
        engine.observe(1, Unhealthy); // not critical: Degraded
        assert_eq!(engine.holder(), Some(1));
        engine.observe(0, Unhealthy);
        assert_eq!(engine.holder(), Some(0));
        engine.observe(0, Healthy);
        assert_eq!((engine.status(), engine.holder()), (Degraded, Some(1)));
    }

    fn rule(failure_threshold: u32, success_threshold: u32, critical: bool) -> Rule {
        Rule {
            failure_threshold,
            success_threshold,
            critical,
        }
    }

    /// Feeds `results` to a one-check engine; returns the effective status after each.
    fn run(rule: Rule, results: &[Status]) -> Vec<Status> {
        let mut engine = PolicyEngine::new([rule]);
        results
            .iter()
            .map(|r| {
                engine.observe(0, *r);
                engine.check_status(0)
            })
            .collect()
    }

    #[test]
    fn failure_threshold_needs_consecutive_failures() {
        let r = rule(3, 1, true);
        assert_eq!(
            run(
                r,
                &[Unhealthy, Unhealthy, Healthy, Unhealthy, Unhealthy, Unhealthy]
            ),
            [Healthy, Healthy, Healthy, Healthy, Healthy, Unhealthy]
        );
    }

    #[test]
    fn success_threshold_needs_consecutive_successes() {
        let r = rule(1, 2, true);
        assert_eq!(
            run(r, &[Unhealthy, Healthy, Unhealthy, Healthy, Healthy]),
            [Unhealthy, Unhealthy, Unhealthy, Unhealthy, Healthy]
        );
    }

    #[test]
    fn degraded_is_immediate_and_recovery_needs_successes() {
        let r = rule(1, 2, true);
        assert_eq!(
            run(r, &[Degraded, Healthy, Healthy]),
            [Degraded, Degraded, Healthy]
        );
        // Leaving Unhealthy through Degraded results counts them as passes.
        assert_eq!(
            run(r, &[Unhealthy, Degraded, Degraded, Healthy, Healthy]),
            [Unhealthy, Unhealthy, Degraded, Degraded, Healthy]
        );
    }

    #[test]
    fn thresholds_of_zero_act_as_one() {
        assert_eq!(
            run(rule(0, 0, true), &[Unhealthy, Healthy]),
            [Unhealthy, Healthy]
        );
    }

    #[test]
    fn connection_transitions_follow_aggregation() {
        let mut engine = PolicyEngine::new([rule(1, 1, true), rule(1, 1, false)]);
        let step = engine.observe(1, Unhealthy);
        assert_eq!(
            step.check,
            Some(Transition {
                from: Healthy,
                to: Unhealthy
            })
        );
        assert_eq!(
            step.connection,
            Some(Transition {
                from: Healthy,
                to: Degraded
            })
        );
        let step = engine.observe(0, Unhealthy);
        assert_eq!(
            step.connection,
            Some(Transition {
                from: Degraded,
                to: Unhealthy
            })
        );
        // A second failure of an already-Unhealthy check changes nothing.
        assert_eq!(engine.observe(0, Unhealthy), Step::default());
        let step = engine.observe(0, Healthy);
        assert_eq!(
            step.connection,
            Some(Transition {
                from: Unhealthy,
                to: Degraded
            })
        );
        let step = engine.observe(1, Healthy);
        assert_eq!(
            step.connection,
            Some(Transition {
                from: Degraded,
                to: Healthy
            })
        );
    }

    #[test]
    fn reload_keeps_counters() {
        let mut engine = PolicyEngine::new([rule(3, 1, true)]);
        engine.observe(0, Unhealthy);
        engine.observe(0, Unhealthy);
        assert_eq!(engine.reload([Some(rule(2, 1, true))]), None);
        // The two failures already seen count against the new threshold at the next result.
        engine.observe(0, Unhealthy);
        assert_eq!(engine.status(), Unhealthy);
    }

    #[test]
    fn reload_owes_a_change_of_status_to_the_check_that_moved_it() {
        let lenient = rule(1, 1, false);
        let mut engine = PolicyEngine::new([rule(1, 1, true), lenient, lenient]);
        engine.observe(2, Unhealthy);
        assert_eq!(engine.status(), Degraded);
        // Check 1 turns critical but is healthy; check 2 turns critical while failing.
        let strict = Some(rule(1, 1, true));
        let change = engine.reload([strict, strict, strict]);
        let worse = Transition {
            from: Degraded,
            to: Unhealthy,
        };
        assert_eq!(change, Some((2, worse)));
        // Disabling it forgets its failure; enabled again, it starts afresh.
        let change = engine.reload([strict, strict, None]);
        let better = Transition {
            from: Unhealthy,
            to: Healthy,
        };
        assert_eq!(change, Some((2, better)));
        assert_eq!(engine.reload([strict, strict, strict]), None);
        assert_eq!(engine.check_status(2), Healthy);
    }
}
