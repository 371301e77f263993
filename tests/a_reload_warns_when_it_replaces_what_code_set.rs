//! A reload replaces the ping settings, policy and queue sizes with the configuration's, those
//! set in code after `with_config` too (as documented). That is easy to miss until the first
//! SIGHUP undoes an adjustment, so the reload warns where it replaces a value set in code with
//! another; once replaced, the configuration's values are no longer code's, and a value set
//! in code before `with_config`, or set to what the configuration gave, never was. A check
//! registered with settings of its own is warned of when a reload gives it a table.

mod support;

use std::time::Duration;

use support::logs::Captured;
use ws_health::check::PingCheck;
use ws_health::config::Queues;
use ws_health::policy::{Action, LogLevel, Policy};
use ws_health::{CheckSettings, Config, Supervisor};

fn lenient_policy() -> Policy {
    Policy {
        on_unhealthy: vec![Action::log(LogLevel::Warn)],
        ..Policy::default()
    }
}

fn fast_ping() -> CheckSettings {
    CheckSettings::every(Duration::from_secs(2), Duration::from_secs(1))
}

fn warnings_of(reload: impl FnOnce()) -> String {
    let logs = Captured::default();
    let _guard = logs.install("warn");
    reload();
    logs.text()
}

#[test]
fn a_reload_warns_of_each_value_set_in_code_it_replaces() {
    let config = Config::default();
    let supervisor = Supervisor::builder()
        .with_config(&config)
        .with_policy(lenient_policy())
        .with_ping_settings(fast_ping())
        .with_check("feed", PingCheck, fast_ping())
        .build()
        .unwrap();

    let first = warnings_of(|| supervisor.reload(&config).unwrap());
    for part in [
        "`SupervisorBuilder::with_policy` set in code",
        "configuration's [policy]",
        "`SupervisorBuilder::with_ping_settings` set in code",
        "configuration's [ping]",
    ] {
        assert!(first.contains(part), "`{part}` missing from:\n{first}");
    }
    assert!(
        !first.contains("with_queues"),
        "queues were not set in code:\n{first}"
    );

    // The check's own settings stay: the configuration has no `[checks.feed]`.
    assert!(!first.contains("with_check"), "{first}");

    // A table for the check replaces the settings it was registered with.
    let mut with_table = config.clone();
    with_table
        .checks
        .insert("feed".into(), CheckSettings::default());
    let second = warnings_of(|| supervisor.reload(&with_table).unwrap());
    for part in [
        "`SupervisorBuilder::with_check` set in code",
        "[checks.feed]",
    ] {
        assert!(second.contains(part), "`{part}` missing from:\n{second}");
    }

    // The configuration's values are now in place: a reload replaces nothing of code's.
    let third = warnings_of(|| supervisor.reload(&config).unwrap());
    assert!(!third.contains("set in code"), "{third}");
}

#[test]
fn a_reload_warns_of_queue_sizes_set_in_code() {
    let config = Config::default();
    let queues = Queues {
        inbound: 7,
        outbound: 9,
        ..Default::default()
    };
    let supervisor = Supervisor::builder()
        .with_config(&config)
        .with_queues(queues)
        .build()
        .unwrap();
    let logs = warnings_of(|| supervisor.reload(&config).unwrap());
    for part in ["`SupervisorBuilder::with_queues` set in code", "[queues]"] {
        assert!(logs.contains(part), "`{part}` missing from:\n{logs}");
    }
}

#[test]
fn no_warning_where_code_set_what_the_configuration_has_or_set_it_before_with_config() {
    let config = Config::default();
    // The same values the configuration gives: nothing is lost.
    let same = Supervisor::builder()
        .with_config(&config)
        .with_policy(config.policy.clone())
        .with_queues(config.queues)
        .build()
        .unwrap();
    // ... a reload that changes them replaces the configuration's, not code's.
    let mut changed = config.clone();
    changed.queues.inbound = 7;
    changed.policy = lenient_policy();
    let logs = warnings_of(|| same.reload(&changed).unwrap());
    assert!(!logs.contains("set in code"), "{logs}");

    // Set before `with_config`, which replaced it at the build already.
    let before = Supervisor::builder()
        .with_policy(lenient_policy())
        .with_config(&config)
        .build()
        .unwrap();
    let logs = warnings_of(|| before.reload(&changed).unwrap());
    assert!(!logs.contains("set in code"), "{logs}");
}
