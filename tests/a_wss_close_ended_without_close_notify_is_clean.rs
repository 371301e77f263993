//! An end is clean once both close frames went, whatever ends TCP after them. A wss://
//! server that drops TCP without a TLS `close_notify` once our reply is out fails the
//! client's stream (rustls: "peer closed connection without sending TLS close_notify"),
//! and that completed close was reported "closed by peer with 1000 (unclean)" (found by a
//! chaos run of `probe`); over ws:// the same end was clean.
#![cfg(feature = "rustls")]

mod support;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::tls;
use ws_health::runtime::Client;
use ws_health::Initiator;

#[tokio::test]
async fn a_wss_close_ended_without_close_notify_is_clean() {
    support::trace();
    let (dir, cert_pem, key_pem) = support::self_signed_pem("no-close-notify");
    let acceptor = tls::acceptor_from_pem(&cert_pem, &key_pem).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Closes with 1000, reads the client's reply, then drops TCP without a close_notify.
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tls_stream = acceptor.accept(tcp).await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tls_stream).await.unwrap();
        let bye = CloseFrame {
            code: 1000.into(),
            reason: "bye".into(),
        };
        ws.send(Message::Close(Some(bye))).await.unwrap();
        let mut replied = false;
        while let Some(Ok(message)) = ws.next().await {
            replied |= message.is_close();
        }
        let (tcp, _) = ws.into_inner().into_inner();
        drop(tcp);
        replied
    });
    let client = Client::builder(format!("wss://localhost:{port}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_tls_config(tls::client_config_with_roots(&cert_pem).unwrap())
        .connect()
        .unwrap();
    let mut events = client.events();
    let disconnect = support::runtime::next_disconnect(&mut events).await;
    assert!(support::within("the server", server).await.unwrap());
    assert_eq!(
        (
            disconnect.initiator,
            disconnect.code,
            disconnect.reason.as_str()
        ),
        (Initiator::Peer, 1000, "bye")
    );
    assert!(disconnect.clean, "{disconnect}");
    client.close();
    let _ = std::fs::remove_dir_all(&dir);
}
