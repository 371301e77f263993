//! `ws-health probe` says once that it lost its server: the `disconnected: …` event, then
//! how it reconnects. It also printed a bare `disconnected` status line at every tick while
//! it had no connection (`{"event":"status","connected":false}` with `--json`), beside the
//! event that had said so. The close is clean, the probe having answered it: it read
//! "(unclean)" while tungstenite's pong behind the server's close failed the read that had
//! sent the probe's reply.
#![cfg(feature = "cli")]

mod support;

use futures_util::StreamExt;
use serde_json::Value;
use support::cli::{command, PATIENCE};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// A server that answers the first connection, closes it with 1001 as a restarting server
/// does, and then accepts connections it never answers: the probe's one retry lasts its
/// connect timeout, 1.5 s, over at least one of its status ticks (one a second).
fn restarting_server(runtime: &tokio::runtime::Runtime) -> String {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    runtime.spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        // The probe's first ping: tungstenite writes its pong behind the close frame.
        let _ = ws.next().await;
        let frame = CloseFrame {
            code: 1001.into(),
            reason: "restarting".into(),
        };
        let _ = ws.close(Some(frame)).await;
        while let Some(Ok(_)) = ws.next().await {}
        drop(ws);
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    url
}

/// Probes a server that goes away, with one retry; its stdout.
fn probe(json: bool) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = restarting_server(&runtime);
    let mut probe = command();
    probe
        .args(["probe", &url, "--max-retries", "1"])
        .args(["--ping-interval", "500ms", "--ping-timeout", "5s"])
        .env("WS_HEALTH_CLIENT__CONNECT_TIMEOUT", "1500ms");
    if json {
        probe.arg("--json");
    }
    let out = support::process::output_within(probe, PATIENCE);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn cli_probe_says_once_that_it_lost_its_server() {
    let stdout = probe(false);
    let said = |start: &str| stdout.lines().filter(|l| l.starts_with(start)).count();
    assert_eq!(said("disconnected"), 1, "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l == "disconnected: closed by peer with 1001 \"restarting\""),
        "{stdout}"
    );
    assert_eq!(said("reconnecting in "), 1, "{stdout}");
    assert_eq!(said("connect failed: "), 1, "{stdout}");
}

#[test]
fn cli_probe_says_once_that_it_lost_its_server_in_json() {
    let stdout = probe(true);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let events = |name: &str| lines.iter().filter(|l| l["event"] == name).count();
    assert_eq!(events("disconnected"), 1, "{stdout}");
    let disconnected = lines.iter().find(|l| l["event"] == "disconnected").unwrap();
    assert_eq!(disconnected["disconnect"]["clean"], true, "{stdout}");
    assert_eq!(events("reconnecting"), 1, "{stdout}");
    assert!(
        lines
            .iter()
            .all(|l| l["event"] != "status" || l["connected"] == true),
        "{stdout}"
    );
}
