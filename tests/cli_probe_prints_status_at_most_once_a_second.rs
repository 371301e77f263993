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
    // The first comes at the first pong, the others at the ticks (a slow first pong may come
    // between two ticks): among four lines, two ticks in a row.
    let mut at = Vec::new();
    for _ in 0..4 {
        let (line, rest) = line_within(stdout, PATIENCE, status);
        assert!(line.starts_with("healthy "), "{line}");
        at.push(Instant::now());
        stdout = rest;
    }
    // A second apart, read here with the reader thread's delays: well over 10 ms.
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().any(|gap| *gap >= Duration::from_millis(500)),
        "status lines {gaps:?} apart"
    );
}
