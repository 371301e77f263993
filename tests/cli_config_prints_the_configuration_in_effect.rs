//! `ws-health config` checks the configuration as `serve` and `probe` would and prints it as
//! it takes effect, every source merged (defaults, profile, file, environment, flags): TOML
//! that reads back as the same configuration, or JSON with `--json`. A bad one exits with 2
//! naming what is wrong, as the other commands do.
#![cfg(feature = "cli")]

mod support;

use std::process::Output;

use support::cli::{command, PATIENCE};
use support::process::output_within;

/// `ws-health config` with `args`, in `dir`, with `WS_HEALTH_PING__TIMEOUT=2s`.
fn config(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut command = command();
    command
        .arg("config")
        .args(args)
        .current_dir(dir)
        .env("WS_HEALTH_PING__TIMEOUT", "2s");
    output_within(command, PATIENCE)
}

/// A fresh folder holding `ws-health.toml` with `text`; the caller removes it.
fn folder(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ws-health-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ws-health.toml"), text).unwrap();
    dir
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn cli_config_prints_the_configuration_in_effect() {
    let dir = folder(
        "config-prints",
        "[default.policy]\non_degraded = [{ action = \"log\" }]\n\n\
         [staging.client]\noffline_queue = 7\n\n\
         [staging.checks.feed]\ninterval = \"15s\"\ntimeout = \"1s\"\ncritical = false\n",
    );
    let args = ["--profile", "staging", "--ping-interval", "3s"];
    let text = stdout(&config(&dir, &args));
    let value: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}:\n{text}"));
    let (ping, client) = (&value["ping"], &value["client"]);
    assert_eq!(ping["interval"].as_str(), Some("3s"), "the flag:\n{text}");
    assert_eq!(
        ping["timeout"].as_str(),
        Some("2s"),
        "the variable:\n{text}"
    );
    assert_eq!(
        client["offline_queue"].as_integer(),
        Some(7),
        "the profile:\n{text}"
    );
    assert_eq!(
        client["proxy"].as_str(),
        Some("env"),
        "the default:\n{text}"
    );
    assert_eq!(value["checks"]["feed"]["interval"].as_str(), Some("15s"));
    assert_eq!(
        value["policy"]["on_degraded"][0]["action"].as_str(),
        Some("log")
    );

    // What it printed, read back as the only source, is the same configuration.
    let printed = dir.join("printed.toml");
    std::fs::write(&printed, &text).unwrap();
    let again = config(&dir, &["--config", printed.to_str().unwrap()]);
    assert_eq!(stdout(&again), text);

    let json = stdout(&config(&dir, &[&args[..], &["--json"]].concat()));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["ping"]["interval"], "3s", "{json}");
    assert_eq!(value["client"]["offline_queue"], 7, "{json}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_config_names_what_is_wrong_and_exits_with_2() {
    let dir = folder("config-wrong", "[ping]\nintreval = \"5s\"\n");
    let out = config(&dir, &[]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for part in [
        "`ping.intreval`",
        "did you mean `interval`?",
        "ws-health.toml",
    ] {
        assert!(stderr.contains(part), "`{part}` missing from {stderr}");
    }
}

/// `--threads` sets what `serve` and `probe` run on, over the configuration; `config` cannot
/// show it (serve takes `server.workers = 0` as one per core), so it refuses the flag rather
/// than take it in silence (a docs audit helper).
#[test]
fn cli_config_refuses_threads_which_it_cannot_show() {
    let dir = folder("config-threads", "");
    let out = config(&dir, &["--threads", "3"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--threads does not apply to `ws-health config`"),
        "{stderr}"
    );
}
