//! `ws-health probe` prints a connection's first status line, with its round trip, as soon
//! as a ping is answered, not one ping interval (20 s by default) after connecting; and
//! `--max-retries` makes a probe whose server is gone give up (exit 1) instead of retrying
//! for ever.
#![cfg(feature = "cli")]

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::cli::{command, run, Serve};
use support::process::{line_within, Guard};

#[test]
fn cli_probe_prints_its_first_round_trip_at_once() {
    let serve = Serve::start(&[]);
    let mut probe = Guard::spawn(
        command()
            .args(["probe", &format!("ws://{}", serve.addr), "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let stdout = probe.stdout.take().unwrap();
    // Well under the default interval of 20 s, and far over a loopback round trip.
    let (status, _stdout) = line_within(stdout, Duration::from_secs(10), |line| {
        line.contains(r#""event":"status""#)
    });
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert!(status["rtt_ms"].as_f64().is_some(), "{status}");
    assert_eq!(status["status"], "healthy", "{status}");
}

#[test]
fn cli_probe_gives_up_after_max_retries() {
    let addr = support::runtime::closed_port();
    let out = run(&[
        "probe",
        &format!("ws://{addr}"),
        "--max-retries",
        "1",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("client.max_retries"), "{stdout}");
}
