//! Bad arguments or configuration exit with 2 and a message naming what is wrong.
#![cfg(feature = "cli")]

mod support;

use support::cli::run;

/// A `serve` that wrongly accepted its arguments binds a free port (never the default
/// 8765) and is killed by `run` after 30 s.
fn fails_with_2(args: &[&str], mentions: &str) {
    let mut args = args.to_vec();
    if args[0] == "serve" && !args.contains(&"--bind") {
        args.extend(["--bind", "127.0.0.1:0"]);
    }
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(mentions), "{args:?}: {stderr}");
}

#[test]
fn cli_bad_flags_exit_with_2() {
    fails_with_2(&["serve", "--ping-interval", "soon"], "--ping-interval");
    fails_with_2(&["serve", "--no-such-flag"], "--no-such-flag");
    fails_with_2(&["probe"], "<URL>");
    fails_with_2(&["frobnicate"], "frobnicate");
    fails_with_2(
        &["serve", "--ping-interval", "0s"],
        "`ping.interval` = \"0s\": must be greater than zero (to turn the check off, set \
         `enabled = false`) (from command-line flags `--ping-interval`)",
    );
    fails_with_2(
        &["serve", "--config", "/nonexistent/ws-health.toml"],
        "/nonexistent/ws-health.toml (named by --config)",
    );
    fails_with_2(
        &["serve", "--profile", "no-such-profile"],
        "unknown profile `no-such-profile` (from --profile)",
    );
    // The file's own error, not an unknown profile: a file that failed to read has none.
    fails_with_2(
        &[
            "serve",
            "--config",
            "/nonexistent/x.toml",
            "--profile",
            "staging",
        ],
        "/nonexistent/x.toml (named by --config)",
    );
    fails_with_2(&["probe", "http://example.invalid", "--once"], "ws://");
    // No scheme at all: the message shows the URL to write.
    fails_with_2(
        &["probe", "127.0.0.1:8765", "--once"],
        "no scheme: write ws://127.0.0.1:8765",
    );
    fails_with_2(
        &["serve", "--bind", "127.0.0.1"],
        "`server.bind` = \"127.0.0.1\": must be an address to listen on, host:port, such as \
         \"127.0.0.1:8765\" or \"[::1]:8765\" (port 0 picks a free one) (from command-line \
         flags `--bind`)",
    );
    fails_with_2(&["serve", "--bind", "nonsense"], "host:port");
    // A CA for a plain URL would be ignored: the URL is likely the mistake.
    fails_with_2(
        &[
            "probe",
            "ws://127.0.0.1:1",
            "--tls-ca",
            "/nonexistent/ca.pem",
        ],
        "--tls-ca is for wss:// URLs, and ws://127.0.0.1:1 is not one",
    );
}

/// A flag's risky value warns as a file's would, naming the flag: the warnings were worked
/// out before the flags applied.
#[test]
fn cli_flags_risky_values_warn_naming_the_flag() {
    let url = format!("ws://{}", support::runtime::closed_port());
    let out = run(&["probe", &url, "--once", "--ping-timeout", "60s"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`ping.timeout` = \"1m\": longer than `interval` (20s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("from command-line flags `--ping-timeout`"),
        "{stderr}"
    );
}

/// `--bind` overrides `server.bind` before it is checked: a bad value in the environment (or
/// a file) that the flag replaces stops nothing.
#[test]
fn cli_bind_flag_overrides_a_bad_configured_address() {
    use support::process::{line_within, Guard};
    let mut serve = Guard::spawn(
        support::cli::command()
            .env("WS_HEALTH_SERVER__BIND", "::1")
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null()),
    );
    let stdout = serve.stdout.take().unwrap();
    let (first, _) = line_within(stdout, support::cli::PATIENCE, |_| true);
    assert!(first.starts_with("listening on 127.0.0.1:"), "{first:?}");
}
