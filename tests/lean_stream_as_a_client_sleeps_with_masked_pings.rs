//! A `LeanStream` in the client's role, against a plain tokio-tungstenite server: the pings
//! it writes itself while asleep are masked (tungstenite's server refuses an unmasked frame
//! and fails), the server's unmasked pongs are read while asleep, and data goes both ways.

mod support;

use bytes::Bytes;
use futures_util::SinkExt;
use support::{loopback_pair, next_message, within};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use ws_health::tungstenite::Message;
use ws_health::LeanStream;

type Client = LeanStream<TcpStream>;
type Server = WebSocketStream<TcpStream>;

/// The client pings; the server reads the ping and flushes tungstenite's automatic pong;
/// the client reads the pong.
async fn client_ping(client: &mut Client, server: &mut Server, payload: &'static [u8]) {
    let payload = Bytes::from_static(payload);
    within("client ping", client.send(Message::Ping(payload.clone())))
        .await
        .expect("the client sends its ping");
    assert_eq!(
        next_message(server, "server").await,
        Message::Ping(payload.clone()),
        "the server's reading of the client's ping"
    );
    within("server flush", server.flush()).await.unwrap();
    assert_eq!(next_message(client, "client").await, Message::Pong(payload));
}

#[tokio::test]
async fn lean_stream_as_a_client_sleeps_with_masked_pings() {
    let (server, client) = loopback_pair(tokio_tungstenite::accept_async, |addr| async move {
        let tcp = TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        LeanStream::client_with_config(format!("ws://{addr}/"), tcp, None).await
    })
    .await;
    let mut server = server.expect("the server's handshake");
    let (mut client, response) = client.expect("the client's handshake");
    assert_eq!(response.status(), 101);
    assert!(client.is_asleep(), "not asleep right after the handshake");

    // Written by the sleeping stream itself: 4 bytes, 0 bytes, 8 bytes.
    for payload in [&b"c\0\x01\x02"[..], b"", b"12345678"] {
        client_ping(&mut client, &mut server, payload).await;
        assert!(
            client.is_asleep(),
            "woke for a ping of its own ({payload:?}) and its pong"
        );
    }

    // Data both ways wakes it.
    within("server text", server.send(Message::text("to the client")))
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut client, "client").await,
        Message::text("to the client")
    );
    assert!(!client.is_asleep(), "asleep right after a data message");
    within("client binary", client.send(Message::binary(vec![7; 1000])))
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut server, "server").await,
        Message::binary(vec![7; 1000])
    );

    // The interval that saw data, then a quiet one: asleep again.
    client_ping(&mut client, &mut server, b"c\0\x03\x04").await;
    assert!(!client.is_asleep(), "asleep after an interval with data");
    client_ping(&mut client, &mut server, b"c\0\x05\x06").await;
    assert!(
        client.is_asleep(),
        "awake after a whole interval without data"
    );

    // Asleep, a ping from the server wakes it; its pong goes out with the flush.
    within(
        "server ping",
        server.send(Message::Ping(Bytes::from_static(b"srv"))),
    )
    .await
    .unwrap();
    assert_eq!(
        next_message(&mut client, "client").await,
        Message::Ping(Bytes::from_static(b"srv"))
    );
    within("client flush", client.flush()).await.unwrap();
    assert_eq!(
        next_message(&mut server, "server").await,
        Message::Pong(Bytes::from_static(b"srv"))
    );
    assert!(client.is_asleep(), "awake after the pong was flushed");

    // A ping over 8 bytes is left to tungstenite (masked by it), and the stream sleeps again.
    client_ping(&mut client, &mut server, b"a longer ping").await;
    assert!(client.is_asleep(), "awake after a long ping and its pong");
}
