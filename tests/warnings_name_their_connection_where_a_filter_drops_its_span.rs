//! Under a filter that keeps warnings but not the info-level spans (`RUST_LOG=warn`, which
//! the tuning guide suggests to save a span's memory per connection), a warning about one
//! connection still says which: the policy's close and its Degraded log carry the
//! connection's `id` and `peer`, a client's failed attempt its `url`. They said only "closing
//! connection code=1011", the same line for each of 2,000 devices behind a pulled cable
//! (fleet helper); with the spans recorded, the span names them and the event does not repeat
//! it.

mod support;

use std::time::Duration;

use support::logs::Captured;
use ws_health::policy::{Action, LogLevel, Policy};
use ws_health::runtime::{ClientEvent, Server};
use ws_health::{CheckSettings, Connection, Supervisor};

// One test at a time: tracing caches each callsite's interest across every subscriber alive,
// and one registered while another test's is being set up can miss its filter.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A server that pings every 100 ms, degrades then closes a peer that never answers, and
/// a WebSocket peer that never reads (so never pongs); what `filter` let through, once the
/// server has closed it, and the peer's address.
async fn silent_peer_closed(filter: &str) -> (String, std::net::SocketAddr) {
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install(filter);
    let ping = CheckSettings {
        failure_threshold: 1,
        ..CheckSettings::every(Duration::from_millis(100), Duration::from_millis(100))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping)
        .with_policy(Policy {
            on_unhealthy: vec![
                Action::log(LogLevel::Warn),
                Action::close(1011, "keepalive ping timeout"),
            ],
            close_timeout: Duration::from_millis(100),
            ..Policy::default()
        })
        .build()
        .unwrap();
    let server = Server::builder(supervisor)
        .serve("127.0.0.1:0", |mut conn: Connection| async move {
            while conn.recv().await.is_some() {}
        })
        .await
        .unwrap();
    let mut events = server.hub().subscribe();
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", server.local_addr()))
        .await
        .unwrap();
    let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = ws.get_ref() else {
        panic!("a plain connection");
    };
    let peer = tcp.local_addr().unwrap();
    support::within("the silent peer's close", async {
        while !matches!(
            events.recv().await,
            Ok(ws_health::runtime::HubEvent::Closed { .. })
        ) {}
    })
    .await;
    drop(ws);
    server.shutdown().await;
    (captured.text(), peer)
}

fn line<'a>(text: &'a str, what: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no `{what}` in:\n{text}"))
}

#[tokio::test(flavor = "current_thread")]
async fn a_policy_close_and_its_log_name_the_connection_at_warn() {
    let (text, peer) = silent_peer_closed("warn").await;
    for what in ["closing connection", "connection health changed"] {
        let line = line(&text, what);
        assert!(line.contains(" id="), "{line}");
        assert!(line.contains(&format!("peer={peer}")), "{line}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn with_the_span_recorded_the_event_does_not_repeat_it() {
    let (text, peer) = silent_peer_closed("info").await;
    let line = line(&text, "closing connection");
    assert!(
        line.contains(&format!("ws_health.connection{{peer={peer} id=")),
        "{line}"
    );
    assert_eq!(line.matches(" id=").count(), 1, "{line}");
    assert_eq!(line.matches("peer=").count(), 1, "{line}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_clients_failed_attempt_names_its_url_at_warn() {
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install("warn");
    let addr = support::runtime::closed_port();
    let client = support::runtime::quick_client_of(addr).connect().unwrap();
    let mut events = client.events();
    support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::ConnectFailed { .. })
    })
    .await;
    client.close();
    support::within("the client to stop", client.stopped()).await;
    let text = captured.text();
    let line = line(&text, "connection attempt failed");
    assert!(line.contains(&format!("url=ws://{addr}/")), "{line}");
}

/// The connection's own span decides, not the one the driver is polled in: an application
/// that runs the driver in a span of its own that the filter keeps (`warn,app=info`) still
/// gets the connection's id where the filter drops the connection's span. It was asked of
/// the current span, the application's, and the id was left out.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_driver_polled_in_the_applications_span_still_names_the_connection() {
    use tracing::Instrument;
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install("warn,app=info");
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_millis(100),
            Duration::from_millis(50),
        ))
        .build()
        .unwrap();
    // A peer that never answers: closed by the policy at the first ping's timeout.
    let (silent, _peer) = support::mock_transport::pair();
    let (conn, driver) = supervisor.attach(silent, None);
    let id = conn.id();
    let span = tracing::info_span!(target: "app", "handler", user = "alice");
    tokio::spawn(driver.instrument(span));
    // The ping at 100 ms, unanswered at 150 ms: closed by then (a paused clock).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = captured.text();
    let line = line(&text, "closing connection");
    assert!(line.contains("handler{user=\"alice\"}"), "{line}");
    assert!(line.contains(&format!(" id={id} ")), "{line}");
    drop(conn);
}
