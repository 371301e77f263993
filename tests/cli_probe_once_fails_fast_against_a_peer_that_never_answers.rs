//! `ws-health probe --once` against a server that completes the handshake and then never
//! reads: it fails at the ping timeout, says so, and exits then. It waited up to 2 s more
//! for a close handshake that a peer that answers no ping will not answer either.
#![cfg(feature = "cli")]

mod support;

use std::time::{Duration, Instant};

use support::cli::run;
use tokio::net::TcpListener;

#[test]
fn cli_probe_once_fails_fast_against_a_peer_that_never_answers() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let (opened_tx, opened) = std::sync::mpsc::channel();
    runtime.spawn(async move {
        let mut held = Vec::new();
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            // Handshake, then hold the stream unread: no pong, no close answer.
            if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                let _ = opened_tx.send(Instant::now());
                held.push(ws);
            }
        }
    });

    let url = format!("ws://{addr}");
    let out = run(&["probe", &url, "--once", "--json", "--ping-timeout", "500ms"]);
    let exited = Instant::now();
    let took = exited - opened.try_recv().expect("the probe connected");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(line["ok"], false);
    assert_eq!(line["error"], "no pong within the ping timeout (500ms)");
    // From the open: the 500 ms timeout and the exit; 2.5 s and more with the old wait (the
    // timeout, then 2 s for the close), which timers never cut short. Under 2.3 s: 1.8 s
    // for the process's exit on a loaded machine.
    assert!(
        took < Duration::from_millis(2300),
        "exited {took:?} after the open"
    );
}
