//! `ws-health probe` ends on SIGTERM as on Ctrl-C: it closes its connection with 1000 and
//! exits 0 (SIGTERM killed it, and the server saw the connection reset). Only the watching
//! probe: `--once` ends within its ping timeout anyway, and keeps the default handler.
#![cfg(all(feature = "cli", unix))]

mod support;

use std::process::Stdio;

use support::cli::{command, Serve, PATIENCE};
use support::process::{line_within, Guard};

#[test]
fn cli_probe_ends_cleanly_on_sigterm() {
    let mut serve = Serve::start(&[]);
    let mut probe = Guard::spawn(
        command()
            .args(["probe", &format!("ws://{}", serve.addr)])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    // Connected: its handlers are in place before it connects. Its stdout stays open.
    let stdout = probe.stdout.take().unwrap();
    let (first, _stdout) = line_within(stdout, PATIENCE, |_| true);
    assert!(first.starts_with("connected to "), "{first:?}");
    let pid = probe.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.unwrap().success());
    let status = probe.wait_within("probe", PATIENCE);
    assert!(status.success(), "{status:?}");
    // And it closed its connection: the server printed the close (it reads the probe's
    // close frame before the probe exits, or at the latest sees the connection end).
    let stdout = serve.child.stdout.take().unwrap();
    let (close, _stdout) = line_within(stdout, PATIENCE, |line| {
        line.contains(" closed by ") || line.contains(" lost")
    });
    assert!(close.contains("closed by peer with 1000"), "{close}");
}
