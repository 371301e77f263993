//! `ws-health probe` prints a status line per ping interval, but no more than one a second:
//! with a 10 ms interval it printed a hundred lines a second.
#![cfg(all(feature = "cli", unix))]

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::cli::{command, Serve, PATIENCE};
use support::process::{line_within, Guard};

#[test]
fn cli_probe_prints_status_at_most_once_a_second() {
    let serve = Serve::start(&[]);
    let mut probe = Guard::spawn(
        command()
            .args(["probe", &format!("ws://{}", serve.addr)])
            .args(["--ping-interval", "10ms", "--ping-timeout", "2s"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut stdout = probe.stdout.take().unwrap();
    let status = |line: &str| line.contains(" pings, ");
    // The first comes at the first pong; the next two at the ticks.
    let mut at = Vec::new();
    for _ in 0..3 {
        let (line, rest) = line_within(stdout, PATIENCE, status);
        assert!(line.starts_with("healthy "), "{line}");
        at.push(Instant::now());
        stdout = rest;
    }
    // A second apart, read here with the reader thread's delays: well over 10 ms.
    let between = at[2] - at[1];
    assert!(
        between >= Duration::from_millis(500),
        "status lines {between:?} apart"
    );
}
