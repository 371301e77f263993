//! `ws-health probe` ends on SIGTERM as on Ctrl-C: it closes its connection with 1000 and
//! exits 0 (SIGTERM killed it, and the server saw the connection reset). Only the watching
//! probe: `--once` ends within its ping timeout anyway, and keeps the default handler.
#![cfg(all(feature = "cli", unix))]

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use support::cli::{command, Serve};

#[test]
fn cli_probe_ends_cleanly_on_sigterm() {
    let serve = Serve::start(&[]);
    let mut probe = command()
        .args(["probe", &format!("ws://{}", serve.addr)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Connected: its handlers are in place before it connects.
    let mut lines = BufReader::new(probe.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("connected to "), "{first:?}");
    let pid = probe.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.unwrap().success());
    let (exited, exit) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = exited.send(probe.wait());
    });
    let status = exit.recv_timeout(Duration::from_secs(10)).expect("no exit");
    assert!(status.unwrap().success());
    // And it closed its connection: the server printed the close (it reads the probe's
    // close frame before the probe exits, or at the latest sees the connection end).
    let mut serve = serve;
    let stdout = serve.child.stdout.take().unwrap();
    let (found, close) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let end = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains(" closed by ") || line.contains(" lost"));
        let _ = found.send(end);
    });
    let close = close
        .recv_timeout(Duration::from_secs(10))
        .expect("no close printed");
    let close = close.expect("the server's stdout ended");
    assert!(close.contains("closed by peer with 1000"), "{close}");
}
