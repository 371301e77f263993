//! Under a filter that keeps warnings and errors but drops the info-level
//! `ws_health.connection` span (`RUST_LOG=warn`), the error logged for a connection handler
//! or a handshake hook that panicked still says which connection: the handler's names its
//! `id` and `peer`, the hook's (before there is a connection) its `peer`. They said only
//! `hook panicked hook="connection handler" panic="…"`, the same line for every connection
//! a bug in the handler took down.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use support::logs::Captured;
use tokio::net::TcpStream;
use ws_health::runtime::{Handshake, Refusal, Server};
use ws_health::Connection;

/// Opens a WebSocket to `path` of `server` from a socket of our own; its local address.
async fn open(server: &Server, path: &str) -> SocketAddr {
    let tcp = TcpStream::connect(server.local_addr()).await.unwrap();
    let local = tcp.local_addr().unwrap();
    let url = format!("ws://{}{path}", server.local_addr());
    // The handler's panic closes the connection; the hook's answers 500.
    if let Ok((mut ws, _)) = tokio_tungstenite::client_async(url, tcp).await {
        support::next_close(&mut ws, "the server").await;
    }
    local
}

async fn panicking_server(filter: &str) -> (String, SocketAddr, SocketAddr) {
    let captured = Captured::default();
    let _guard = captured.install(filter);
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handshake(|handshake: &mut Handshake| -> Result<Arc<()>, Refusal> {
            assert_ne!(
                handshake.request().uri().path(),
                "/hook",
                "a bug in the hook"
            );
            Ok(Arc::new(()))
        })
        .serve("127.0.0.1:0", |_conn: Connection| async move {
            panic!("a bug in the handler");
        })
        .await
        .unwrap();
    let handled = support::within("the handler's panic", open(&server, "/")).await;
    let hooked = support::within("the hook's panic", open(&server, "/hook")).await;
    server.shutdown().await;
    (captured.text(), handled, hooked)
}

fn line<'a>(text: &'a str, what: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no {what:?} in:\n{text}"))
}

#[tokio::test(flavor = "current_thread")]
async fn a_panicking_handler_or_handshake_hook_is_logged_with_its_peer() {
    let (text, handled, hooked) = panicking_server("warn").await;
    let handler = line(&text, "hook=\"connection handler\"");
    assert!(handler.contains(" id="), "{handler}");
    assert!(handler.contains(&format!("peer={handled}")), "{handler}");
    let hook = line(&text, "hook=\"handshake hook\"");
    assert!(hook.contains(&format!("peer={hooked}")), "{hook}");

    // With the span recorded, the span names them, once.
    let (text, handled, hooked) = panicking_server("ws_health=info").await;
    let handler = line(&text, "hook=\"connection handler\"");
    assert_eq!(handler.matches("peer=").count(), 1, "{handler}");
    assert!(handler.contains(&format!("peer={handled}")), "{handler}");
    let hook = line(&text, "hook=\"handshake hook\"");
    assert_eq!(hook.matches("peer=").count(), 1, "{hook}");
    assert!(hook.contains(&format!("peer={hooked}")), "{hook}");
}
