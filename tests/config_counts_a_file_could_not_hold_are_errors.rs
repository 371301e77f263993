//! A count over the largest integer TOML holds (2⁶³ − 1) can only come from an environment
//! variable; a file could not hold it, so `ws-health config` could not print the
//! configuration it loaded. Loading refuses it naming the key, the value and the variable,
//! instead of accepting it and the command failing later with a message that names nothing.

mod support;

use support::config::jail;
use ws_health::{Config, ErrorKind};

#[test]
fn a_count_over_the_toml_range_is_an_error_naming_key_value_and_variable() {
    for (var, key) in [
        ("WS_HEALTH_QUEUES__INBOUND", "`queues.inbound`"),
        (
            "WS_HEALTH_SERVER__MAX_CONNECTIONS",
            "`server.max_connections`",
        ),
        (
            "WS_HEALTH_SOCKET__MAX_WRITE_BUFFER_SIZE",
            "`socket.max_write_buffer_size`",
        ),
    ] {
        jail(|jail| {
            jail.set_env(var, u64::MAX.to_string());
            let err = Config::from(Config::figment()).expect_err(var);
            assert_eq!(err.kind(), ErrorKind::Config);
            let msg = err.to_string();
            for part in [key, "18446744073709551615", "9223372036854775807", var] {
                assert!(msg.contains(part), "`{part}` missing from:\n{msg}");
            }
        });
    }
}

#[test]
fn the_largest_count_a_file_holds_is_accepted() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_QUEUES__INBOUND", i64::MAX.to_string());
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.queues.inbound as u64, i64::MAX as u64);
    });
}

#[cfg(feature = "cli")]
#[test]
fn cli_config_names_the_variable_of_a_count_over_the_toml_range() {
    let mut command = support::cli::command();
    command
        .arg("config")
        .current_dir(std::env::temp_dir())
        .env("WS_HEALTH_QUEUES__OUTBOUND", u64::MAX.to_string());
    let out = support::process::output_within(command, support::cli::PATIENCE);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`queues.outbound`") && stderr.contains("WS_HEALTH_QUEUES__OUTBOUND"),
        "{stderr}"
    );
}

#[test]
fn an_unbounded_write_buffer_given_in_code_without_a_message_limit_is_accepted() {
    let mut config = Config::default();
    config.socket.max_message_size = None;
    config.socket.max_write_buffer_size = usize::MAX;
    let loaded = Config::from(figment::Figment::from(config.clone())).unwrap();
    assert_eq!(loaded, config);
}
