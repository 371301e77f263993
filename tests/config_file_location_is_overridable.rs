//! The file is `ws-health.toml` in the working directory unless `WS_HEALTH_CONFIG` or
//! `ConfigLoader::with_file` names another; a missing default file is fine, a missing
//! named file is an error that names it and who named it.

mod support;

use std::time::Duration;

use support::config::jail;
use ws_health::{Config, ConfigLoader};

#[test]
fn ws_health_config_names_another_file() {
    jail(|jail| {
        jail.create_file("ws-health.toml", "[ping]\ninterval = \"5s\"")
            .unwrap();
        jail.create_dir("etc").unwrap();
        jail.create_file("etc/prod.toml", "[ping]\ninterval = \"7s\"")
            .unwrap();
        jail.set_env("WS_HEALTH_CONFIG", "etc/prod.toml");
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(7));
    });
}

#[test]
fn with_file_beats_the_variable() {
    jail(|jail| {
        jail.create_file("a.toml", "[ping]\ninterval = \"5s\"")
            .unwrap();
        jail.create_file("b.toml", "[ping]\ninterval = \"7s\"")
            .unwrap();
        jail.set_env("WS_HEALTH_CONFIG", "a.toml");
        let config = ConfigLoader::new().with_file("b.toml").load().unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(7));
    });
}

#[test]
fn a_missing_named_file_is_an_error_naming_it_and_who_named_it() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_CONFIG", "missing.toml");
        let err = Config::from(Config::figment()).unwrap_err();
        assert!(err.is_config());
        let msg = err.to_string();
        assert!(msg.contains("missing.toml"), "{msg}");
        assert!(msg.contains("WS_HEALTH_CONFIG"), "{msg}");
        // Named once: the message says the file; no "(in TOML file missing.toml)" after it.
        assert_eq!(msg.matches("missing.toml").count(), 1, "{msg}");

        let err = ConfigLoader::new()
            .with_file("gone.toml")
            .load()
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("gone.toml"), "{msg}");
        assert!(msg.contains("with_file"), "{msg}");
    });
}

#[test]
fn the_default_file_is_read_from_the_working_directory_only() {
    jail(|jail| {
        // A file in a parent directory is not the working directory's file.
        jail.create_file("ws-health.toml", "[ping]\ninterval = \"5s\"")
            .unwrap();
        jail.create_dir("sub").unwrap();
        jail.change_dir("sub").unwrap();
        assert_eq!(ConfigLoader::new().load().unwrap(), Config::default());
    });
}

#[test]
fn a_toml_syntax_error_names_the_file_and_line() {
    jail(|jail| {
        jail.create_file("ws-health.toml", "[ping]\ninterval = \"5s\n")
            .unwrap();
        let err = Config::from(Config::figment()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("ws-health.toml"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        assert!(std::error::Error::source(&err).is_some());
    });
}

/// A named file that is no regular file, or too large to be a configuration, is an error
/// naming it: `/dev/zero` was read until memory ran out, and a FIFO blocked the load until a
/// writer came (found by a chaos run of the configuration).
#[test]
fn a_device_a_fifo_or_a_huge_file_is_an_error_naming_it() {
    jail(|jail| {
        let status = std::process::Command::new("mkfifo")
            .arg(jail.directory().join("fifo.toml"))
            .status()
            .unwrap();
        assert!(status.success());
        jail.create_file("huge.toml", &"# padding\n".repeat(1_700_000))
            .unwrap();
        for (path, why) in [
            ("/dev/zero", "not a regular file"),
            ("fifo.toml", "not a regular file"),
            ("huge.toml", "over 16 MiB"),
        ] {
            let err = ConfigLoader::new().with_file(path).load().unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(path) && msg.contains(why), "{msg}");
        }
    });
}
