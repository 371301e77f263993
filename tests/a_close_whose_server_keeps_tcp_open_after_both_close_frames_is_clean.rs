//! A server that closes, reads the client's answering close and then keeps TCP open: the
//! client waits for it to end TCP (RFC 6455 7.1.1) until the close timeout and then ends it
//! itself. Both close frames went, so the close handshake completed and the close is clean
//! (RFC 6455 7.1.4), as `Disconnect::clean` says ("both close frames went, whatever ended
//! TCP after them"). It was reported unclean, as if the server had never answered.

mod support;

use std::time::Duration;

use support::raw_peer::{RawPeer, CLOSE};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn a_close_whose_server_keeps_tcp_open_after_both_close_frames_is_clean() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (answered, answer) = oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut server = RawPeer::accept_sending(tcp, &[]).await;
        server.close(1000, "bye").await;
        let reply = loop {
            let frame = server.read_frame().await.expect("the client's close");
            if frame.opcode == CLOSE {
                break frame;
            }
        };
        let _ = answered.send(reply.close_code());
        // TCP stays open until the client ends it.
        while server.read_frame().await.is_some() {}
    });

    let client = Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::quiet_supervisor()) // close timeout 300 ms
        .with_client_config(support::runtime::client_config(
            Duration::from_secs(60),
            Duration::from_secs(60),
        ))
        .connect()
        .unwrap();
    let mut events = client.events();
    let disconnect = support::within("the disconnect", async {
        loop {
            if let ClientEvent::Disconnected { disconnect, .. } = events.recv().await.unwrap() {
                break disconnect;
            }
        }
    })
    .await;
    let reply = support::within("the client's answering close", answer)
        .await
        .unwrap();
    assert_eq!(reply, 1000);
    assert_eq!((disconnect.code, &*disconnect.reason), (1000, "bye"));
    assert!(disconnect.clean, "{disconnect}");
    client.close();
}
