//! `LeanStream::from_raw_socket` takes a stream whose handshake was done elsewhere (the
//! server runtime's own, hyper's upgrade) and sleeps while idle, as one that did its
//! handshake itself: asleep from the start and after answering a ping, a message read and
//! echoed.

mod support;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use ws_health::LeanStream;

#[tokio::test]
async fn lean_stream_from_raw_socket_sleeps_like_an_accepted_one() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let (client, accepted) = tokio::join!(tokio_tungstenite::connect_async(url), async {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        ws.into_inner()
    });
    let (mut client, _) = client.unwrap();
    let mut server = LeanStream::from_raw_socket(accepted, Role::Server, None).await;
    assert!(server.is_asleep(), "not asleep right after the handshake");

    // A ping is answered, handed out as tokio-tungstenite's stream does, and the stream
    // stays asleep; a message wakes it.
    client.send(Message::Ping("p".into())).await.unwrap();
    let ping = support::within("the ping", server.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ping, Message::Ping("p".into()));
    // Its pong goes out at the next read or flush, as tungstenite's does.
    server.flush().await.unwrap();
    let pong = support::next_message(&mut client, "the pong").await;
    assert_eq!(pong, Message::Pong("p".into()));
    assert!(server.is_asleep(), "woken by a ping");
    client.send(Message::text("hello")).await.unwrap();
    let hello = support::within("the message", server.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hello, Message::text("hello"));
    assert!(!server.is_asleep(), "asleep right after a data message");
    server.send(hello).await.unwrap();
    assert_eq!(
        support::next_message(&mut client, "the echo").await,
        Message::text("hello")
    );
}
