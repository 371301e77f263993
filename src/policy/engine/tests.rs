//! The policy engine's unit tests: thresholds, aggregation, reload.

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
    // Both weigh Degraded now: the first holds it.
    engine.observe(0, Degraded);
    assert_eq!(engine.holder(), Some(0));
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

/// A failure too few to make the check Unhealthy still breaks a run of successes: they must
/// be consecutive.
#[test]
fn a_failure_below_the_failure_threshold_breaks_a_run_of_successes() {
    let r = rule(2, 2, true);
    assert_eq!(
        run(r, &[Degraded, Healthy, Unhealthy, Healthy, Healthy]),
        [Degraded, Degraded, Degraded, Degraded, Healthy]
    );
}

/// The success threshold is for recovering: a Healthy check needs no run of successes to stay
/// Healthy, nor after a failure too few to count.
#[test]
fn a_healthy_check_stays_healthy_whatever_its_success_threshold() {
    assert_eq!(
        run(rule(2, 3, true), &[Healthy, Unhealthy, Healthy]),
        [Healthy, Healthy, Healthy]
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

/// A run excused (its answer sat unread behind the application) neither counts as a failure
/// nor breaks a run of them: the failures around it are consecutive, and an Unhealthy check
/// does not recover by it. It makes a Healthy check Degraded.
#[test]
fn an_excused_run_degrades_without_touching_the_counts() {
    let mut engine = PolicyEngine::new([rule(2, 1, true)]);
    engine.observe(0, Unhealthy);
    let step = engine.excuse(0);
    assert_eq!(
        step.check,
        Some(Transition {
            from: Healthy,
            to: Degraded
        })
    );
    engine.observe(0, Unhealthy);
    assert_eq!(
        engine.check_status(0),
        Unhealthy,
        "the two failures were consecutive"
    );

    assert_eq!(engine.excuse(0), Step::default());
    assert_eq!(engine.check_status(0), Unhealthy, "recovered by an excuse");
    engine.observe(0, Healthy);
    assert_eq!(engine.check_status(0), Healthy);
}

#[test]
#[should_panic(expected = "fewer rules than checks")]
fn a_reload_cannot_remove_a_check() {
    let mut engine = PolicyEngine::new([rule(1, 1, true)]);
    engine.observe(0, Unhealthy);
    engine.reload([]);
}

/// Nor does an excuse break a run of successes.
#[test]
fn an_excused_run_keeps_a_run_of_successes() {
    let mut engine = PolicyEngine::new([rule(1, 2, true)]);
    engine.observe(0, Healthy);
    engine.excuse(0);
    assert_eq!(engine.check_status(0), Degraded);
    engine.observe(0, Healthy);
    assert_eq!(
        engine.check_status(0),
        Healthy,
        "the two successes were consecutive"
    );
}
