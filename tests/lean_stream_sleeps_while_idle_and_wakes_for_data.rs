//! A `LeanStream` sleeps while its connection is idle: from the end of the handshake, and
//! through a ping and its pong. A data message wakes it; it stays awake through the ping
//! interval that saw the data, and sleeps again once a whole interval went by without any.
//! The peer is a plain tokio-tungstenite client, which answers pings when it reads.

mod support;

use bytes::Bytes;
use futures_util::SinkExt;
use support::{loopback_pair, next_message, within};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use ws_health::tungstenite::Message;
use ws_health::LeanStream;

type Server = LeanStream<TcpStream>;
type Client = WebSocketStream<TcpStream>;

/// The server pings, the client reads the ping and sends tungstenite's automatic pong, the
/// server reads the pong.
async fn ping_round(server: &mut Server, client: &mut Client, payload: &'static [u8]) {
    let payload = Bytes::from_static(payload);
    within("server ping", server.send(Message::Ping(payload.clone())))
        .await
        .expect("the server sends its ping");
    assert_eq!(
        next_message(client, "client").await,
        Message::Ping(payload.clone())
    );
    within("client flush", client.flush())
        .await
        .expect("the client's pong goes out");
    assert_eq!(next_message(server, "server").await, Message::Pong(payload));
}

#[tokio::test]
async fn lean_stream_sleeps_while_idle_and_wakes_for_data() {
    let (server, client) = loopback_pair(LeanStream::accept, |addr| async move {
        let tcp = TcpStream::connect(addr).await.unwrap();
        tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp).await
    })
    .await;
    let mut server = server.expect("the server's handshake");
    let (mut client, _) = client.expect("the client's handshake");
    assert!(server.is_asleep(), "not asleep right after the handshake");

    ping_round(&mut server, &mut client, b"p1\0\x01").await;
    assert!(
        server.is_asleep(),
        "woke for a ping of its own and its pong"
    );

    within("client text", client.send(Message::text("hello")))
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut server, "server").await,
        Message::text("hello")
    );
    assert!(!server.is_asleep(), "asleep right after a data message");

    ping_round(&mut server, &mut client, b"p2\0\x02").await;
    assert!(
        !server.is_asleep(),
        "asleep after a ping interval that had a data message"
    );

    ping_round(&mut server, &mut client, b"p3\0\x03").await;
    assert!(
        server.is_asleep(),
        "still awake after a whole ping interval without data"
    );

    // Asleep again, it still reads what comes: data wakes it once more.
    within("client binary", client.send(Message::binary(vec![1, 2, 3])))
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut server, "server").await,
        Message::binary(vec![1, 2, 3])
    );
    assert!(
        !server.is_asleep(),
        "asleep right after a second data message"
    );
}
