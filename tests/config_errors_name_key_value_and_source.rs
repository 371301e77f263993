//! Each bad value is an error (not a panic, not a silent default) whose message names the
//! key, the bad value and its source: the file and key, or the environment variable.

mod support;

use support::config::{env_error, file_error, jail};
use ws_health::{Config, ErrorKind};

#[track_caller]
fn assert_names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "`{part}` missing from:\n{message}");
    }
}

const FILE_KEY: &str = "from TOML file ws-health.toml, key";

#[test]
fn unknown_keys_suggest_the_nearest_known_key() {
    let msg = file_error("[ping]\nintreval = \"5s\"");
    assert_names(&msg, &["`ping.intreval`", "\"5s\"", "unknown key"]);
    assert_names(&msg, &["did you mean `interval`?", FILE_KEY]);

    let msg = file_error("[checks.feed]\ncritcal = true");
    assert_names(&msg, &["`checks.feed.critcal`", "did you mean `critical`?"]);

    let msg = file_error("[socket]\nno_delay = true");
    assert_names(&msg, &["`socket.no_delay`", "did you mean `nodelay`?"]);

    let msg =
        file_error("[policy]\non_unhealthy = [{ action = \"close\", code = 1000, reson = \"x\" }]");
    assert_names(
        &msg,
        &["`policy.on_unhealthy[0].reson`", "did you mean `reason`?"],
    );
    // `reconnect` has no keys of its own: a close code there is refused, not ignored.
    let msg = file_error("[policy]\non_unhealthy = [{ action = \"reconnect\", code = 4000 }]");
    assert_names(&msg, &["`policy.on_unhealthy[0].code`", "unknown key"]);

    let msg = env_error("WS_HEALTH_PING__TIMOUT", "5s");
    assert_names(&msg, &["`ping.timout`", "did you mean `timeout`?"]);
    assert_names(&msg, &["environment variable `WS_HEALTH_PING__TIMOUT`"]);
}

#[test]
fn a_nested_key_written_with_one_underscore_is_pointed_at() {
    // A variable with `_` where `__` belongs.
    let msg = env_error("WS_HEALTH_PING_INTERVAL", "5s");
    assert_names(
        &msg,
        &[
            "`ping_interval`",
            "did you mean `ping.interval`, which a variable sets as `WS_HEALTH_PING__INTERVAL`?",
        ],
    );
    let msg = env_error("WS_HEALTH_CLIENT__BACKOFF_MAX", "5s");
    assert_names(&msg, &["`WS_HEALTH_CLIENT__BACKOFF__MAX`"]);
    // In a file, the dotted key.
    let msg = file_error("ping_interval = \"5s\"");
    assert_names(&msg, &["did you mean `ping.interval`?", FILE_KEY]);
    // A dotted key quoted whole is one key.
    let msg = file_error("\"ping.interval\" = \"5s\"");
    assert_names(
        &msg,
        &[
            "`\"ping.interval\"` = \"5s\"",
            "did you mean `ping.interval`, unquoted?",
            "key `\"ping.interval\"`",
        ],
    );
}

#[test]
fn zero_intervals_and_timeouts_are_errors_that_point_at_enabled_false() {
    let msg = file_error("[ping]\ninterval = \"0s\"");
    assert_names(&msg, &["`ping.interval` = \"0s\"", "greater than zero"]);
    assert_names(&msg, &["enabled = false", FILE_KEY, "`ping.interval`)"]);

    let msg = file_error("[checks.feed]\ntimeout = \"0ms\"");
    assert_names(
        &msg,
        &["`checks.feed.timeout` = \"0s\"", "greater than zero"],
    );

    let msg = file_error("[policy]\nclose_timeout = \"0s\"");
    assert_names(&msg, &["`policy.close_timeout`", "greater than zero"]);

    let msg = env_error("WS_HEALTH_PING__TIMEOUT", "0s");
    assert_names(
        &msg,
        &["`ping.timeout`", "\"0s\"", "WS_HEALTH_PING__TIMEOUT"],
    );
}

#[test]
fn negative_durations_are_errors() {
    let msg = file_error("[ping]\ninterval = \"-5s\"");
    assert_names(
        &msg,
        &["`ping.interval` = \"-5s\"", "cannot be negative", FILE_KEY],
    );

    let msg = file_error("[ping]\ntimeout = -5");
    assert_names(&msg, &["`ping.timeout` = -5", "cannot be negative"]);

    let msg = env_error("WS_HEALTH_PING__INTERVAL", "-1s");
    assert_names(
        &msg,
        &["`ping.interval` = \"-1s\"", "WS_HEALTH_PING__INTERVAL"],
    );
}

#[test]
fn durations_over_a_year_are_errors_that_name_the_limit() {
    // humantime reads this, but no clock reaches it: a typo, not a silent "never".
    let msg = file_error("[ping]\ninterval = \"400000000000y\"");
    assert_names(
        &msg,
        &[
            "`ping.interval` = \"400000000000years\"",
            "at most \"1year\"",
        ],
    );
    assert_names(&msg, &["enabled = false", FILE_KEY, "`ping.interval`)"]);

    let msg = file_error("[policy]\nclose_timeout = \"2years\"");
    assert_names(&msg, &["`policy.close_timeout` = \"2years\"", "at most"]);

    let msg = env_error("WS_HEALTH_CHECKS__FEED__INITIAL_DELAY", "400000000000y");
    assert_names(
        &msg,
        &[
            "`checks.feed.initial_delay`",
            "at most \"1year\"",
            "WS_HEALTH_CHECKS__FEED__INITIAL_DELAY",
        ],
    );

    for key in [
        "ping.jitter",
        "ping.slack",
        "server.shutdown_timeout",
        "client.connect_timeout",
        "client.stable_after",
        "client.backoff.max",
    ] {
        let (table, name) = key.rsplit_once('.').unwrap();
        let msg = file_error(&format!("[{table}]\n{name} = \"400000000000y\""));
        assert_names(&msg, &[&format!("`{key}`"), "at most \"1year\""]);
    }
    // TCP keepalive's timings and the user timeout have the kernel's narrower ranges.
    let msg = file_error("[socket.keepalive]\nidle = \"400000000000y\"");
    assert_names(
        &msg,
        &[
            "`socket.keepalive.idle`",
            "from 1s to 32767s",
            "kernel's range",
        ],
    );
    let msg = file_error("[socket]\nuser_timeout = \"400000000000y\"");
    assert_names(&msg, &["`socket.user_timeout`", "kernel's range"]);
    // The limit itself is a legal value.
    jail(|jail| {
        jail.set_env("WS_HEALTH_PING__INTERVAL", "1y");
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.ping.interval, Config::MAX_DURATION);
    });
}

#[test]
fn unparsable_durations_are_errors_that_show_the_expected_form() {
    let msg = file_error("[socket.keepalive]\nidle = \"5 parsecs\"");
    assert_names(
        &msg,
        &[
            "`socket.keepalive.idle` = \"5 parsecs\"",
            "\"250ms\"",
            FILE_KEY,
        ],
    );

    let msg = file_error("[ping]\ninterval = 5");
    assert_names(&msg, &["`ping.interval` = 5", "with a unit"]);

    let msg = env_error("WS_HEALTH_CHECKS__FEED__JITTER", "soon");
    assert_names(
        &msg,
        &[
            "`checks.feed.jitter` = \"soon\"",
            "WS_HEALTH_CHECKS__FEED__JITTER",
        ],
    );
}

#[test]
fn a_table_written_as_an_array_of_tables_is_pointed_at() {
    for (toml, table) in [
        ("[[ping]]\ninterval = \"5s\"", "ping"),
        ("[[checks.feed]]\ninterval = \"5s\"", "checks.feed"),
        ("[[socket.keepalive]]\nidle = \"5s\"", "socket.keepalive"),
        ("[[policy]]\non_unhealthy = []", "policy"),
    ] {
        let msg = file_error(toml);
        let hint = format!("`{table}` is a table: write `[{table}]`, not `[[{table}]]`");
        assert_names(&msg, &[&hint, FILE_KEY]);
    }
    // An array that belongs there keeps the element's own message.
    let msg = file_error("[client]\nfinal_close_codes = [{ code = 4000 }]");
    assert_names(&msg, &["`client.final_close_codes[0]`"]);
    assert!(!msg.contains("is a table"), "{msg}");
}

/// A key written under `[default]` is named as written.
#[test]
fn a_key_under_default_is_named_as_written() {
    let msg = file_error("[default.policy]\non_unhealthy = 5");
    assert_names(&msg, &["key `default.policy.on_unhealthy`"]);
    let msg = file_error("[policy]\non_unhealthy = 5");
    assert_names(&msg, &["key `policy.on_unhealthy`"]);
    assert!(!msg.contains("default."), "{msg}");
}

/// A variable whose key has an empty part (a typo in its underscores) is an error naming it:
/// figment skipped it, and the key kept its default in silence.
#[test]
fn a_variable_with_an_empty_key_part_is_an_error_naming_it() {
    for name in [
        "WS_HEALTH_PING____INTERVAL",
        "WS_HEALTH_PING__INTERVAL__",
        "WS_HEALTH___PING",
        "WS_HEALTH_",
        "ws_health_ping____interval",
    ] {
        let msg = env_error(name, "0s");
        assert_names(&msg, &[&format!("`{name}`"), "a part of its key is empty"]);
    }
}

/// Two variables for one key, their names differing only in case: figment took one value and
/// named the other variable. Which one wins is the environment's order, so it is an error.
#[test]
fn two_variables_for_one_key_are_an_error_naming_both() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_PING__INTERVAL", "5s");
        jail.set_env("ws_health_ping__interval", "7s");
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert_names(
            &msg,
            &[
                "`WS_HEALTH_PING__INTERVAL`",
                "`ws_health_ping__interval`",
                "both set",
            ],
        );
    });
}

/// `WS_HEALTH_PROFILE` and `WS_HEALTH_CONFIG` have no keys under them: a variable that nests
/// one is named as set, not as the selector it starts with.
#[test]
fn a_variable_under_the_profile_or_file_selector_is_named_as_set() {
    for name in ["WS_HEALTH_PROFILE__PING__INTERVAL", "ws_health_config__x"] {
        let msg = env_error(name, "5s");
        assert_names(&msg, &[&format!("`{name}`"), "has no keys under it"]);
    }
}

/// A variable is named as it is set: figment reads names whatever their case.
#[test]
fn a_variable_is_named_as_it_is_set() {
    let msg = env_error("ws_health_ping__interval", "-5s");
    assert_names(
        &msg,
        &[
            "`ping.interval` = \"-5s\"",
            "environment variable `ws_health_ping__interval`",
        ],
    );
}

/// A variable whose array does not parse arrives as text: the message shows how an array
/// is written in one.
#[test]
fn an_array_in_a_variable_that_does_not_parse_shows_the_form() {
    let msg = env_error("WS_HEALTH_CLIENT__FINAL_CLOSE_CODES", "[4001, 4002");
    assert_names(
        &msg,
        &[
            "`client.final_close_codes` = \"[4001, 4002\"",
            "expected a sequence",
            "did not parse as an array",
            "`[4001, \"4100-4199\"]`",
            "WS_HEALTH_CLIENT__FINAL_CLOSE_CODES",
        ],
    );
}

#[test]
fn an_unparsable_duration_says_what_in_it_is_wrong() {
    let msg = file_error("[ping]\ninterval = \"1 fortnight\"");
    assert_names(
        &msg,
        &["unknown time unit \"fortnight\"", "supported units: ns"],
    );

    let msg = file_error("[ping]\ninterval = \"99999999999999999999y\"");
    assert_names(
        &msg,
        &["`ping.interval` = \"99999999999999999999y\"", "too large"],
    );

    let msg = env_error("WS_HEALTH_PING__TIMEOUT", "5 s s");
    assert_names(&msg, &["expected number at 4", "WS_HEALTH_PING__TIMEOUT"]);
}

#[test]
fn unknown_actions_are_errors_that_list_the_known_ones() {
    let msg = file_error("[policy]\non_degraded = [{ action = \"explode\" }]");
    assert_names(
        &msg,
        &[
            "`policy.on_degraded[0].action` = \"explode\"",
            "unknown action",
        ],
    );
    assert_names(
        &msg,
        &["`log`", "`close`", "`reconnect`", "`custom`", FILE_KEY],
    );

    let msg = file_error("[checks.feed]\non_unhealthy = [{ action = \"clsoe\", code = 1000 }]");
    assert_names(
        &msg,
        &[
            "`checks.feed.on_unhealthy[0].action`",
            "did you mean `close`?",
        ],
    );
}

/// Actions are a list of tables; one action on its own (a name, or a table without its
/// brackets) is the likeliest slip, and the message shows the form.
#[test]
fn actions_not_written_as_a_list_show_the_form() {
    for (toml, key, value) in [
        (
            "[policy]\non_unhealthy = \"close\"",
            "policy.on_unhealthy",
            "\"close\"",
        ),
        (
            "[checks.feed]\non_degraded = { action = \"log\" }",
            "checks.feed.on_degraded",
            "",
        ),
        (
            "[ping]\non_recovered = \"log\"",
            "ping.on_recovered",
            "\"log\"",
        ),
    ] {
        let msg = file_error(toml);
        assert_names(
            &msg,
            &[
                &format!("`{key}` = {value}"),
                "expected a list of actions",
                "[{ action = \"close\", code = 1011 }]",
                FILE_KEY,
            ],
        );
    }
    let msg = env_error("WS_HEALTH_POLICY__ON_UNHEALTHY", "close");
    assert_names(
        &msg,
        &[
            "expected a list of actions",
            "WS_HEALTH_POLICY__ON_UNHEALTHY",
        ],
    );
}

/// A list closes the connection once, at its first close or reconnect: a second would never
/// run (a client asked to reconnect after a final close code would stop for good instead).
#[test]
fn a_second_close_in_one_list_is_an_error_naming_both() {
    let msg = file_error(
        "[policy]\non_unhealthy = [{ action = \"close\", code = 4000 }, { action = \"log\" }, \
         { action = \"reconnect\" }]",
    );
    assert_names(
        &msg,
        &[
            "`policy.on_unhealthy[2]` = reconnect",
            "a second close in one list never runs",
            "[0] (close 4000)",
            FILE_KEY,
        ],
    );
    let msg = env_error(
        "WS_HEALTH_CHECKS__FEED__ON_DEGRADED",
        "[{ action = \"reconnect\" }, { action = \"close\", code = 1000 }]",
    );
    assert_names(
        &msg,
        &[
            "`checks.feed.on_degraded[1]` = close 1000",
            "WS_HEALTH_CHECKS__FEED__ON_DEGRADED",
        ],
    );
}

#[test]
fn a_bad_value_inside_an_action_names_its_field() {
    let msg = file_error("[policy]\non_unhealthy = [{ action = \"close\", code = 70000 }]");
    assert_names(&msg, &["`policy.on_unhealthy[0].code` = 70000", FILE_KEY]);
    let msg = file_error("[policy]\non_degraded = [{ action = \"log\", level = \"verbose\" }]");
    assert_names(
        &msg,
        &[
            "`policy.on_degraded[0].level` = \"verbose\"",
            "expected one of `trace`",
        ],
    );
    // A key where the action takes none: said so, not an empty list.
    let msg = file_error("[policy]\non_unhealthy = [{ action = \"reconnect\", code = 1000 }]");
    assert_names(
        &msg,
        &[
            "`policy.on_unhealthy[0].code` = 1000",
            "unknown key; this takes no keys",
        ],
    );
}

#[test]
fn final_close_codes_out_of_range_say_what_is_expected() {
    let msg = env_error("WS_HEALTH_CLIENT__FINAL_CLOSE_CODES", "[70000]");
    assert_names(
        &msg,
        &[
            "`client.final_close_codes[0]` = 70000",
            "close code 70000 is out of range",
            "WS_HEALTH_CLIENT__FINAL_CLOSE_CODES",
        ],
    );
    let msg = file_error("[client]\nfinal_close_codes = [true]");
    assert_names(
        &msg,
        &["a close code such as 1008, or a range such as \"4000-4999\""],
    );
    assert!(!msg.contains("untagged"), "{msg}");
}

#[test]
fn close_codes_outside_1000_to_4999_or_reserved_are_errors() {
    for code in [999, 1004, 1005, 1006, 1015, 2000, 5000] {
        let msg = file_error(&format!(
            "[policy]\non_unhealthy = [{{ action = \"close\", code = {code} }}]"
        ));
        assert_names(
            &msg,
            &["`policy.on_unhealthy[0].code`", &format!("= {code}")],
        );
        assert_names(&msg, &["may not be sent", FILE_KEY]);
    }
    let msg = env_error(
        "WS_HEALTH_POLICY__ON_UNHEALTHY",
        "[{action=\"close\",code=1006}]",
    );
    assert_names(&msg, &["= 1006", "WS_HEALTH_POLICY__ON_UNHEALTHY"]);
}

/// A final code no close can carry would never stop the client: an error, not a silent no-op.
#[test]
fn final_close_codes_no_close_carries_are_errors() {
    for (code, shown) in [
        ("1006", "1006"),
        ("1015", "1015"),
        ("999", "999"),
        ("\"1016-2999\"", "\"1016-2999\""),
        ("\"5000-65535\"", "\"5000-65535\""),
    ] {
        let msg = file_error(&format!("[client]\nfinal_close_codes = [1008, {code}]"));
        assert_names(
            &msg,
            &[
                &format!("`client.final_close_codes[1]` = {shown}"),
                "no close carries",
                "1000-1003, 1007-1013 or 3000-4999",
                FILE_KEY,
            ],
        );
    }
    // 1005 is a close without a code; a range need only hold one code a close carries.
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[client]\nfinal_close_codes = [1005, \"1004-1007\", \"2000-3000\"]",
        )
        .unwrap();
        Config::from(Config::figment()).unwrap();
    });
}

#[test]
fn close_reasons_over_123_bytes_are_errors() {
    let reason = "é".repeat(62); // 124 bytes
    let msg = file_error(&format!(
        "[checks.feed]\non_unhealthy = [{{ action = \"close\", code = 4000, reason = \"{reason}\" }}]"
    ));
    assert_names(
        &msg,
        &[
            "`checks.feed.on_unhealthy[0].reason`",
            "124 bytes",
            "123 bytes",
        ],
    );
    assert_names(&msg, &[FILE_KEY, "checks.feed.on_unhealthy[0].reason`)"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let msg = file_error("[ping]\ninterval = \"0s\"\n[queues]\ninbound = 0");
    assert_names(&msg, &["`ping.interval`", "`queues.inbound`"]);
}

#[test]
fn a_zero_offline_byte_budget_is_an_error_naming_the_key() {
    let msg = file_error("[client]\noffline_queue_bytes = 0");
    assert_names(
        &msg,
        &[
            "`client.offline_queue_bytes` = 0",
            "greater than zero",
            FILE_KEY,
        ],
    );
}

#[test]
fn values_that_would_make_the_runtime_panic_are_errors() {
    let msg = file_error("[socket]\nwrite_buffer_size = 4096\nmax_write_buffer_size = 4096");
    assert_names(
        &msg,
        &["`socket.max_write_buffer_size` = 4096", "greater than"],
    );
    // A typo for 1 MiB: allocated for every awake connection, it would abort the process.
    let msg = file_error("[socket]\nread_buffer_size = 1099511627776");
    assert_names(
        &msg,
        &[
            "`socket.read_buffer_size` = 1099511627776",
            "64 MiB",
            FILE_KEY,
        ],
    );
    // tungstenite reserves what a frame's header claims: with this, a peer claiming 2⁵⁰
    // bytes aborted the process (a chaos run), where the default answers 1009.
    let msg = file_error("[socket]\nmax_frame_size = 9223372036854775807");
    assert_names(
        &msg,
        &[
            "`socket.max_frame_size` = 9223372036854775807",
            "1 GiB",
            FILE_KEY,
        ],
    );
    let msg = file_error("[socket]\nmax_frame_size = 1073741825");
    assert_names(&msg, &["`socket.max_frame_size` = 1073741825"]);
    jail(|jail| {
        let limit = "[socket]\nmax_frame_size = 1073741824\nmax_message_size = 1073741824\n\
                     max_write_buffer_size = 2147483648";
        jail.create_file("ws-health.toml", limit).unwrap();
        Config::from(Config::figment()).expect("1 GiB is the limit, not past it");
    });
}

#[test]
fn values_the_kernel_or_tokio_would_refuse_at_run_time_are_errors() {
    // 2⁶³ − 1: valid TOML, and tokio's channel would panic at `connect`.
    let msg = file_error("[client]\noffline_queue = 9223372036854775807");
    assert_names(&msg, &["`client.offline_queue`", "at most", FILE_KEY]);
    // Linux refuses a negative int of milliseconds on every socket.
    let msg = env_error("WS_HEALTH_SOCKET__USER_TIMEOUT", "25days");
    assert_names(
        &msg,
        &[
            "`socket.user_timeout`",
            "WS_HEALTH_SOCKET__USER_TIMEOUT",
            "kernel's range",
        ],
    );
    // Timeouts under tokio's millisecond tick are met at once: every attempt would fail.
    for (var, key) in [
        (
            "WS_HEALTH_CLIENT__CONNECT_TIMEOUT",
            "client.connect_timeout",
        ),
        (
            "WS_HEALTH_SERVER__HANDSHAKE_TIMEOUT",
            "server.handshake_timeout",
        ),
    ] {
        let msg = env_error(var, "1ns");
        assert_names(&msg, &[&format!("`{key}`"), "must be at least 1ms", var]);
    }
}

#[test]
fn a_bind_that_is_not_host_and_port_is_an_error_naming_its_source() {
    for bad in ["nonsense", "::1", ":8765", "127.0.0.1:99999"] {
        let msg = env_error("WS_HEALTH_SERVER__BIND", bad);
        assert_names(
            &msg,
            &["`server.bind`", "host:port", "WS_HEALTH_SERVER__BIND"],
        );
    }
}

#[test]
fn a_zero_first_backoff_is_an_error_not_a_reconnect_storm() {
    let msg = file_error("[client.backoff]\ninitial = \"0s\"");
    assert_names(
        &msg,
        &["`client.backoff.initial`", "greater than zero", "at once"],
    );
    // The hint is about zero only.
    let msg = file_error("[client.backoff]\ninitial = \"2y\"");
    assert_names(&msg, &["`client.backoff.initial`", "at most"]);
    assert!(!msg.contains("zero delay"), "{msg}");
}

#[test]
fn parse_errors_keep_figments_error_as_the_source() {
    jail(|jail| {
        jail.create_file("ws-health.toml", "[ping]\nintreval = \"5s\"")
            .unwrap();
        let err = Config::from(Config::figment()).unwrap_err();
        let source = std::error::Error::source(&err).expect("figment's error");
        assert!(source.is::<figment::Error>());
    });
}

/// A value wrong against another key's names where that other value came from too: the
/// variable that raised `initial` above the default `max`, not only the default's source.
#[test]
fn a_value_wrong_against_another_key_names_both_sources() {
    let msg = env_error("WS_HEALTH_CLIENT__BACKOFF__INITIAL", "1m");
    assert_names(
        &msg,
        &[
            "`client.backoff.max` = \"30s\"",
            "`client.backoff.initial` from environment variable `WS_HEALTH_CLIENT__BACKOFF__INITIAL`",
        ],
    );
    let msg = file_error("[socket]\nmax_message_size = 40000000");
    assert_names(
        &msg,
        &[
            "`socket.max_write_buffer_size`",
            "`socket.max_message_size` from TOML file",
        ],
    );
    // Both from one file: named once.
    let msg = file_error("[client.backoff]\ninitial = \"1m\"\nmax = \"30s\"");
    assert_eq!(msg.matches("from TOML file").count(), 1, "{msg}");
}

#[test]
fn a_custom_action_not_registered_is_an_error_naming_its_key_and_the_nearest_name() {
    use ws_health::policy::{Action, ActionEvent};
    use ws_health::Supervisor;
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[policy]\non_unhealthy = [{ action = \"log\" }, { action = \"custom\", name = \"pgae\" }]",
        )
        .unwrap();
        let config = Config::from(Config::figment()).unwrap();
        let err = Supervisor::builder()
            .with_config(&config)
            .with_custom_action("page", |_: &ActionEvent<'_>| {})
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_names(
            &err.to_string(),
            &[
                "`policy.on_unhealthy[1].name`",
                "`pgae`",
                "did you mean `page`?",
            ],
        );
        assert!(matches!(
            config.policy.on_unhealthy[1],
            Action::Custom { .. }
        ));

        // The ping check's own actions are under `[ping]`.
        jail.create_file(
            "ws-health.toml",
            "[ping]\non_degraded = [{ action = \"custom\", name = \"pgae\" }]",
        )
        .unwrap();
        let config = Config::from(Config::figment()).unwrap();
        let err = Supervisor::builder()
            .with_config(&config)
            .build()
            .unwrap_err();
        assert_names(&err.to_string(), &["`ping.on_degraded[0].name`", "`pgae`"]);
    });
}

#[test]
fn an_action_written_as_no_name_says_what_an_action_is() {
    // serde's own words would be "expected variant identifier".
    let msg = file_error("[policy]\non_unhealthy = [{ action = 5 }]");
    assert_names(
        &msg,
        &["`policy.on_unhealthy[0].action` = 5", "`log`, `close`"],
    );
    assert!(!msg.contains("variant identifier"), "{msg}");
    let msg = file_error("[policy]\non_unhealthy = [[1]]");
    assert_names(&msg, &["`policy.on_unhealthy[0]", "{ action = \"close\""]);
    assert!(!msg.contains("variant identifier"), "{msg}");
    let msg = file_error("[policy]\non_unhealthy = [{ action = \"log\", level = 3 }]");
    assert_names(&msg, &["`policy.on_unhealthy[0].level` = 3", "`warn`"]);
    assert!(!msg.contains("variant identifier"), "{msg}");
}

/// A float where a count belongs is shown as written, with its decimal point: `64` alone
/// would read as if 64 were the value at fault (a docs audit helper).
#[test]
fn a_float_where_a_count_belongs_is_shown_with_its_decimal_point() {
    let msg = file_error("[queues]\ninbound = 64.0");
    assert_names(&msg, &["`queues.inbound` = 64.0", FILE_KEY]);
}

/// `client.proxy` is "env", "none" or an http:// URL: another scheme is refused naming it
/// as unsupported, with the value shown without its credentials.
#[test]
fn a_proxy_that_is_no_http_url_is_refused_without_its_credentials() {
    let msg = file_error("[client]\nproxy = \"socks5://user:SECRET@proxy:1080\"");
    assert_names(
        &msg,
        &[
            "`client.proxy` = \"socks5://***@proxy:1080\"",
            "SOCKS proxies are not supported",
            FILE_KEY,
        ],
    );
    assert!(!msg.contains("SECRET"), "{msg}");
    let msg = env_error("WS_HEALTH_CLIENT__PROXY", "https://proxy:443");
    assert_names(
        &msg,
        &[
            "`client.proxy`",
            "HTTPS proxies (TLS to the proxy) are not supported",
            "environment variable `WS_HEALTH_CLIENT__PROXY`",
        ],
    );
    let msg = file_error("[client]\nproxy = \"nnoe\"");
    assert_names(
        &msg,
        &[
            "`client.proxy` = \"nnoe\"",
            "must be \"env\", \"none\" or a proxy URL",
        ],
    );
    let msg = file_error("[client]\nproxy = false");
    assert_names(
        &msg,
        &["`client.proxy`", "\"env\", \"none\" or a proxy URL"],
    );
}
