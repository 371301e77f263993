//! ws-health against the reference it models, Python `websockets` 15.0.1 (its own client
//! and server, in a venv the tests make on first use), on loopback: each side's pings are
//! answered by the other; a frozen Python peer (`SIGSTOP`: its kernel still acknowledges
//! TCP, nothing answers) is closed with 1011 "keepalive ping timeout", which the Python side
//! reads once thawed; the runtime's client reconnects to a Python server that froze and
//! came back; `ws-health probe --once` gets its pong. The server's own handshake
//! (`src/runtime/server/upgrade.rs`) meets a client it was not written with: Python offers
//! permessage-deflate, which it must decline, and Python then speaks uncompressed. A close
//! code Python sends and tungstenite 0.30 does not know, 1014 "bad gateway", reads as 1002, as
//! docs/runtime.md says ("Coming from Python `websockets`").
#![cfg(unix)]

mod support;

use std::time::Duration;

use tokio::sync::mpsc;
use ws_health::check::judge_rtt;
use ws_health::policy::Policy;
use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Disconnect, Health, HealthCheck, Initiator};

use support::python::Peer;

/// Pong timeouts: short where the test freezes its peer, relaxed where it must not close.
const FROZEN: Duration = Duration::from_millis(500);
const RELAXED: Duration = Duration::from_secs(5);

/// The default ping check, overriding only the verdict to tell the test of each pong.
struct Answered(mpsc::UnboundedSender<Duration>);

impl HealthCheck for Answered {
    fn judge(&self, rtt: Duration) -> Health {
        let _ = self.0.send(rtt);
        judge_rtt(rtt)
    }
}

/// Pings every 100 ms, `timeout` to answer; each pong's round trip goes to the receiver.
/// The tests that freeze their peer take 500 ms, the others 5 s: five Python interpreters
/// starting at once on two cores may keep a pong waiting.
fn supervisor(timeout: Duration) -> (ws_health::Supervisor, mpsc::UnboundedReceiver<Duration>) {
    let (answered, pongs) = mpsc::unbounded_channel();
    let interval = Duration::from_millis(100);
    let supervisor = ws_health::Supervisor::builder()
        .with_ping(Answered(answered))
        .with_ping_settings(CheckSettings::every(interval, timeout))
        .with_policy(Policy {
            close_timeout: Duration::from_millis(300),
            ..Policy::default()
        })
        .build()
        .unwrap();
    (supervisor, pongs)
}

/// A ws-health server that echoes, and reports how each connection ended.
async fn server(
    timeout: Duration,
) -> (
    Server,
    mpsc::UnboundedReceiver<Duration>,
    mpsc::UnboundedReceiver<Disconnect>,
) {
    let (supervisor, pongs) = supervisor(timeout);
    let (ended, ends) = mpsc::unbounded_channel();
    let server = Server::builder(supervisor)
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |mut conn: Connection| {
            let ended = ended.clone();
            async move {
                while let Some(message) = conn.recv().await {
                    let _ = conn.send(message).await;
                }
                let _ = ended.send(conn.closed().await);
            }
        })
        .await
        .unwrap();
    (server, pongs, ends)
}

#[tokio::test]
async fn a_python_client_and_a_ws_health_server_answer_each_others_pings() {
    let (server, mut pongs, _ends) = server(RELAXED).await;
    let url = format!("ws://{}/", server.local_addr());
    let Some(mut python) = Peer::start(&["client", &url]) else {
        return;
    };
    let echo = python.next("echo").await;
    assert_eq!(echo["text"], "hello", "{echo}");
    // Its permessage-deflate offer declined: no extension in use on either side.
    assert_eq!(echo["extensions"], serde_json::json!([]), "{echo}");
    // Python's ping, answered by ws-health.
    let latency = python.next("pong").await["latency"].as_f64().unwrap();
    assert!(latency > 0.0 && latency < 5.0, "{latency}");
    // ws-health's ping, answered by Python.
    let rtt = support::within("a pong from Python", pongs.recv()).await;
    assert!(rtt.unwrap() < RELAXED);
    server.shutdown().await;
    let closed = python.next("closed").await;
    assert_eq!(closed["code"], 1001, "{closed}");
}

#[tokio::test]
async fn a_frozen_python_client_is_closed_with_1011_and_reads_why() {
    let (server, _pongs, mut ends) = server(FROZEN).await;
    let url = format!("ws://{}/", server.local_addr());
    let Some(mut python) = Peer::start(&["client", &url]) else {
        return;
    };
    python.next("echo").await;
    python.next("pong").await;
    python.freeze();
    let end = support::within("the close", ends.recv()).await.unwrap();
    python.thaw();
    assert_eq!(end.initiator, Initiator::Policy, "{end}");
    assert_eq!(
        (end.code, end.reason.as_str()),
        (1011, "keepalive ping timeout")
    );
    let closed = python.next("closed").await;
    assert_eq!(closed["code"], 1011, "{closed}");
    assert_eq!(closed["reason"], "keepalive ping timeout", "{closed}");
    server.shutdown().await;
}

/// Starts a Python server (pings every `interval` seconds, never if 0) and returns it with
/// its URL.
async fn python_server(interval: &str) -> Option<(Peer, String)> {
    let mut python = Peer::start(&["server", interval, "5"])?;
    let port = python.next("listening").await["port"].as_u64().unwrap();
    Some((python, format!("ws://127.0.0.1:{port}/")))
}

fn client(url: &str, supervisor: ws_health::Supervisor) -> Client {
    Client::builder(url)
        .with_supervisor(supervisor)
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(10),
            Duration::from_millis(100),
        ))
        .connect()
        .unwrap()
}

#[tokio::test]
async fn a_ws_health_client_and_a_python_server_answer_each_others_pings() {
    let Some((mut python, url)) = python_server("0.1").await else {
        return;
    };
    let (supervisor, mut pongs) = supervisor(RELAXED);
    let mut client = client(&url, supervisor);
    // Python's ping, answered by the ws-health client.
    client.send(Message::text("ping me")).await.unwrap();
    let answer = support::within("Python's latency", client.recv())
        .await
        .unwrap();
    let answer = answer.into_text().unwrap();
    let latency: f64 = answer
        .as_str()
        .strip_prefix("latency ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(latency > 0.0 && latency < 5.0, "{answer}");
    // ws-health's ping, answered by Python.
    let rtt = support::within("a pong from Python", pongs.recv()).await;
    assert!(rtt.unwrap() < RELAXED);
    client.close();
    let closed = python.next("closed").await;
    assert_eq!(closed["code"], 1000, "{closed}");
}

#[tokio::test]
async fn a_frozen_python_server_is_detected_and_the_client_reconnects() {
    let Some((mut python, url)) = python_server("0").await else {
        return;
    };
    let (supervisor, _pongs) = supervisor(FROZEN);
    let client = client(&url, supervisor);
    let mut events = client.events();
    support::within("the connection", client.connected())
        .await
        .unwrap();
    python.freeze();
    let ended = support::runtime::next_client_event(&mut events, |event| {
        matches!(event, ClientEvent::Disconnected { .. })
    })
    .await;
    python.thaw();
    let ClientEvent::Disconnected { disconnect, .. } = ended else {
        unreachable!()
    };
    assert_eq!(disconnect.initiator, Initiator::Policy, "{disconnect}");
    assert_eq!(disconnect.code, 1011, "{disconnect}");
    // Back: a new connection, and the first one's close read by Python once thawed.
    support::runtime::next_client_event(&mut events, |event| {
        matches!(event, ClientEvent::Connected { .. })
    })
    .await;
    let closed = python.next("closed").await;
    assert_eq!(closed["code"], 1011, "{closed}");
    assert_eq!(closed["reason"], "keepalive ping timeout", "{closed}");
    client.close();
}

/// Python sends 1014 "bad gateway" (in its list of codes an endpoint may send, as in IANA's
/// registry); tungstenite 0.30 knows codes up to 1013, answers 1014 with 1002 "Protocol
/// violation", and the connection ends as that, from the peer. Pinned so that the docs change
/// with it: a tungstenite that keeps 1014 fails this test.
#[tokio::test]
async fn a_python_servers_close_with_1014_reads_as_1002() {
    let Some((mut python, url)) = python_server("0").await else {
        return;
    };
    let (supervisor, _pongs) = supervisor(RELAXED);
    let client = client(&url, supervisor);
    let mut events = client.events();
    support::within("the connection", client.connected())
        .await
        .unwrap();
    client
        .send(Message::text("close 1014 bad gateway"))
        .await
        .unwrap();
    let ended = support::runtime::next_client_event(&mut events, |event| {
        matches!(event, ClientEvent::Disconnected { .. })
    })
    .await;
    let ClientEvent::Disconnected { disconnect, .. } = ended else {
        unreachable!()
    };
    assert_eq!(
        (
            disconnect.initiator,
            disconnect.code,
            disconnect.reason.as_str()
        ),
        (Initiator::Peer, 1002, "Protocol violation"),
        "{disconnect}"
    );
    let closed = python.next("closed").await;
    assert_eq!(closed["code"], 1002, "{closed}");
    client.close();
}

/// The command-line probe against the reference server: a ping answered in time (exit 0,
/// its round trip in the JSON line), and a clean close that Python reads as 1000.
#[cfg(feature = "cli")]
#[tokio::test]
async fn ws_health_probe_once_against_a_python_server() {
    let Some((mut python, url)) = python_server("0").await else {
        return;
    };
    let probe = tokio::task::spawn_blocking(move || {
        support::cli::run(&["probe", &url, "--once", "--json"])
    });
    let out = support::within("the probe", probe).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(line["ok"], true, "{line}");
    assert!(
        line["rtt_ms"].as_f64().is_some_and(|rtt| rtt > 0.0),
        "{line}"
    );
    let closed = python.next("closed").await;
    assert_eq!(closed["code"], 1000, "{closed}");
}
