//! figment reads `.` in a variable's name as `__` (`WS_HEALTH_PING.INTERVAL` sets
//! `ping.interval`) and a variable nested under a value (`WS_HEALTH_PING__INTERVAL__X`) as a
//! table in its place. Errors name the variable as it is set, not one the user never wrote,
//! and two variables setting one key are refused instead of one winning by the environment's
//! order.

mod support;

use support::config::jail;
use ws_health::Config;

fn env_error(vars: &[(&str, &str)]) -> String {
    let mut message = String::new();
    jail(|jail| {
        for (name, value) in vars {
            jail.set_env(name, value);
        }
        message = Config::from(Config::figment())
            .expect_err("an error")
            .to_string();
    });
    message
}

#[track_caller]
fn assert_names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "`{part}` missing from:\n{message}");
    }
}

#[test]
fn a_variable_with_a_dot_is_named_as_written() {
    let msg = env_error(&[("WS_HEALTH_PING.INTERVAL", "0s")]);
    assert_names(&msg, &["`ping.interval`", "`WS_HEALTH_PING.INTERVAL`"]);
}

#[test]
fn a_variable_nested_under_a_value_is_named_as_written() {
    let msg = env_error(&[("WS_HEALTH_PING__INTERVAL__X", "5s")]);
    assert_names(&msg, &["`ping.interval`", "`WS_HEALTH_PING__INTERVAL__X`"]);
}

#[test]
fn two_variables_for_one_key_are_refused_whatever_their_separator() {
    let msg = env_error(&[
        ("WS_HEALTH_PING.INTERVAL", "5s"),
        ("WS_HEALTH_PING__INTERVAL", "6s"),
    ]);
    assert_names(
        &msg,
        &[
            "`WS_HEALTH_PING.INTERVAL`",
            "`WS_HEALTH_PING__INTERVAL`",
            "unset one",
        ],
    );
}
