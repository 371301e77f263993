//! A peer dropped at the handshake timeout is logged with the step it stalled in: the TLS
//! handshake, or the upgrade request, and the timeout. Before, each said only "no handshake
//! within the timeout", and a TLS client that never finished its handshake could not be told
//! from a client that sent half a request.

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use ws_health::config::ServerConfig;
use ws_health::runtime::{Server, ServerBuilder};

fn builder() -> ServerBuilder {
    Server::builder(support::runtime::quiet_supervisor()).with_server_config(ServerConfig {
        handshake_timeout: Duration::from_millis(200),
        ..support::runtime::server_config()
    })
}

/// Sends `bytes`, then waits for the server to drop the connection.
async fn stall(server: &Server, bytes: &[u8]) {
    let mut tcp = TcpStream::connect(server.local_addr()).await.unwrap();
    tcp.write_all(bytes).await.unwrap();
    let mut rest = Vec::new();
    let _ = support::within(
        "the drop at the handshake timeout",
        tcp.read_to_end(&mut rest),
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn server_handshake_timeout_log_names_the_upgrade_request() {
    let logs = support::logs::Captured::default();
    let _guard = logs.install("ws_health=debug");
    let server = builder()
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    stall(&server, b"GET / HTTP/1.1\r\nHost: localhost\r\nUpg").await;
    server.shutdown().await;
    let text = logs.text();
    assert!(
        text.contains("no handshake within the timeout: no complete upgrade request came")
            && text.contains("timeout=200ms"),
        "{text}"
    );
}

#[cfg(feature = "rustls")]
#[tokio::test(flavor = "current_thread")]
async fn server_handshake_timeout_log_names_the_tls_handshake() {
    let logs = support::logs::Captured::default();
    let _guard = logs.install("ws_health=debug");
    let (dir, cert_pem, key_pem) = support::self_signed_pem("handshake-timeout-step");
    let acceptor = ws_health::runtime::tls::acceptor_from_pem(&cert_pem, &key_pem).unwrap();
    let server = builder()
        .with_tls(acceptor)
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    // The first bytes of a ClientHello: a handshake record header, then nothing.
    stall(&server, &[22, 3, 1, 0, 200, 1]).await;
    server.shutdown().await;
    let text = logs.text();
    assert!(
        text.contains("no handshake within the timeout: the TLS handshake did not finish")
            && text.contains("timeout=200ms"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
