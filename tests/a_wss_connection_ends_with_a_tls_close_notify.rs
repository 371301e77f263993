//! A wss connection ws-health ends, as the server or the client, sends a TLS `close_notify`
//! before closing TCP, so that a peer reading on after the WebSocket close sees a clean end of
//! its TLS stream. Before, the TLS stream was dropped without one: rustls reported "peer
//! closed connection without sending TLS close_notify", and Java logs a possible truncation
//! attack.
#![cfg(feature = "rustls")]

mod support;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::tls::{self, rustls, tokio_rustls};
use ws_health::runtime::Client;

#[tokio::test]
async fn a_wss_connection_ends_with_a_tls_close_notify() {
    support::trace();
    let (dir, cert_pem, key_pem) = support::self_signed_pem("close-notify");
    let server = support::runtime::wss_echo_server(&cert_pem, &key_pem).await;
    let tcp = TcpStream::connect(server.local_addr()).await.unwrap();
    let connector =
        tokio_rustls::TlsConnector::from(tls::client_config_with_roots(&cert_pem).unwrap());
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls_stream = connector.connect(name, tcp).await.unwrap();
    let url = format!("wss://localhost:{}", server.local_addr().port());
    let (mut ws, _) = tokio_tungstenite::client_async(url, tls_stream)
        .await
        .unwrap();
    ws.send(Message::text("hi")).await.unwrap();
    assert_eq!(
        support::next_message(&mut ws, "the echo").await,
        Message::text("hi")
    );

    // Our close, the server's reply; then the stream ends.
    ws.close(None).await.unwrap();
    support::within("the close reply", async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    // Read on beneath the WebSocket: a clean TLS end is Ok(0), not an unexpected EOF.
    let mut tls_stream = ws.into_inner();
    let mut rest = Vec::new();
    let read = support::within(
        "the end of the TLS stream",
        tls_stream.read_to_end(&mut rest),
    )
    .await;
    assert!(read.is_ok(), "{read:?}");
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_wss_client_ends_with_a_tls_close_notify() {
    support::trace();
    let (dir, cert_pem, key_pem) = support::self_signed_pem("client-close-notify");
    let acceptor = tls::acceptor_from_pem(&cert_pem, &key_pem).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // A server that reads on beneath the WebSocket once it has ended.
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tls_stream = acceptor.accept(tcp).await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tls_stream).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
        let mut rest = Vec::new();
        ws.into_inner().read_to_end(&mut rest).await
    });
    let client = Client::builder(format!("wss://localhost:{port}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_tls_config(tls::client_config_with_roots(&cert_pem).unwrap())
        .connect()
        .unwrap();
    support::within("connected", client.connected())
        .await
        .unwrap();
    client.close();
    let read = support::within("the server's read", server).await.unwrap();
    assert!(read.is_ok(), "{read:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
