//! Under a filter that keeps warnings but drops the info-level `ws_health.server` span
//! (`RUST_LOG=warn`), the server's own warnings still say which server they are about: its
//! `local_addr`, as a connection's warnings carry its `id` and `peer` and a client's its
//! `url`. They said only "connection limit reached: … limit=1 times=1" or "connections still
//! open after the shutdown timeout; dropping them remaining=1", the same line for each of a
//! process's servers (a public and an internal port). With the span recorded, the span names
//! the server and the event does not repeat it.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::logs::Captured;
use tokio_tungstenite::tungstenite;
use ws_health::config::ServerConfig;
use ws_health::policy::Policy;
use ws_health::runtime::Server;
use ws_health::{CheckSettings, Supervisor};

/// A server at a limit of one connection refuses a second, then shuts down while its one
/// connection's peer never answers the close (it never reads): what `filter` let through,
/// and the server's address.
async fn limit_and_shutdown_timeout(filter: &str) -> (String, SocketAddr) {
    let captured = Captured::default();
    let _guard = captured.install(filter);
    // A close handshake that outlasts the shutdown timeout.
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(30),
            Duration::from_secs(30),
        ))
        .with_policy(Policy {
            close_timeout: Duration::from_secs(30),
            ..Policy::default()
        })
        .build()
        .unwrap();
    let server = Server::builder(supervisor)
        .with_server_config(ServerConfig {
            max_connections: 1,
            shutdown_timeout: Duration::from_millis(200),
            ..support::runtime::server_config()
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let addr = server.local_addr();
    let url = format!("ws://{addr}");
    let (held, _) = support::within(
        "the first connection",
        tokio_tungstenite::connect_async(&url),
    )
    .await
    .unwrap();
    match support::within("the refusal", tokio_tungstenite::connect_async(&url)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected HTTP 503, got {:?}", other.map(|_| ())),
    }
    support::within("the shutdown", server.shutdown()).await;
    drop(held);
    (captured.text(), addr)
}

fn line<'a>(text: &'a str, what: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no {what:?} in:\n{text}"))
}

#[tokio::test(flavor = "current_thread")]
async fn server_warnings_name_the_server_where_a_filter_drops_its_span() {
    const LIMIT: &str = "connection limit reached";
    const LEFT: &str = "connections still open after the shutdown timeout";

    let (text, addr) = limit_and_shutdown_timeout("warn").await;
    for what in [LIMIT, LEFT] {
        let line = line(&text, what);
        assert!(
            line.contains(&format!("local_addr={addr}")),
            "the warning does not name its server: {line}"
        );
    }

    // With the span recorded, the span names the server, once.
    let (text, addr) = limit_and_shutdown_timeout("ws_health=info").await;
    for what in [LIMIT, LEFT] {
        let line = line(&text, what);
        assert_eq!(line.matches("local_addr=").count(), 1, "{line}");
        assert!(
            line.contains(&format!("ws_health.server{{local_addr={addr}}}")),
            "{line}"
        );
    }
}
