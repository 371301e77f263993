//! A `LeanStream` that woke while the `Tap` still held part of its own ping, and went back
//! to sleep, must not let a new ping replace the old one's rest. Awake, tokio-tungstenite's
//! `poll_ready` is Ready at once without draining the `Tap`, and the Sink contract allows
//! other calls (here reads, which put the stream back to sleep) between `poll_ready` and
//! `start_send`: the next small ping must go behind the old rest, or the peer gets the first
//! bytes of one frame followed by another frame. (The stream now stays awake while the rest
//! is unsent; it used to fall asleep here and take the next ping inline.)

mod support;

use std::pin::Pin;
use std::task::{Context, Poll};
use support::client_handshake;

use bytes::Bytes;
use futures_util::task::noop_waker_ref;
use futures_util::{FutureExt, Sink, SinkExt, StreamExt};
use support::raw_peer::{frame, PONG};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use ws_health::tungstenite::Message;
use ws_health::LeanStream;

#[tokio::test]
async fn lean_stream_never_overwrites_a_half_written_ping() {
    let (server, client) = tokio::io::duplex(64);
    let (ws, mut peer) = tokio::join!(LeanStream::accept(server), client_handshake(client));
    let mut ws = ws.unwrap();
    assert!(ws.is_asleep());

    // Pings until one is stuck half written (the peer is not reading yet).
    let mut sent = 0;
    loop {
        sent += 1;
        if ws
            .send(Message::Ping(Bytes::from_static(b"abcd")))
            .now_or_never()
            .is_none()
        {
            break;
        }
    }

    // Two pongs in one write: not a lone pong, so the stream wakes; tungstenite hands out one.
    let mut two = frame(true, PONG, b"zz", Some([1, 2, 3, 4]));
    two.extend(frame(true, PONG, b"zz", Some([1, 2, 3, 4])));
    peer.write_all(&two).await.unwrap();
    assert!(matches!(ws.next().await, Some(Ok(Message::Pong(_)))));
    assert!(!ws.is_asleep());

    // Awake: ready at once.
    let mut cx = Context::from_waker(noop_waker_ref());
    assert!(matches!(
        Pin::new(&mut ws).poll_ready(&mut cx),
        Poll::Ready(Ok(()))
    ));
    // Reading on: the second pong, then nothing, where an idle stream falls asleep; not
    // this one, whose old ping is still half written.
    assert!(matches!(ws.next().await, Some(Ok(Message::Pong(_)))));
    assert!(ws.next().now_or_never().is_none());
    assert!(!ws.is_asleep(), "asleep, the old ping still half written");

    // The message the `poll_ready` above made room for.
    Pin::new(&mut ws)
        .start_send(Message::Ping(Bytes::from_static(b"efgh")))
        .unwrap();
    sent += 1;

    // The peer reads now; the server flushes.
    let mut client = WebSocketStream::from_raw_socket(peer, Role::Client, None).await;
    let read = async {
        let mut pings = Vec::new();
        while pings.len() < sent {
            match client.next().await {
                Some(Ok(Message::Ping(p))) => pings.push(p),
                other => return (pings, Some(format!("{other:?}"))),
            }
        }
        (pings, None)
    };
    let ((pings, failure), flushed) = tokio::join!(read, ws.flush());
    flushed.unwrap();
    assert_eq!(failure, None, "the peer failed after {pings:?}");
    let mut expected = vec![Bytes::from_static(b"abcd"); sent - 1];
    expected.push(Bytes::from_static(b"efgh"));
    assert_eq!(pings, expected);
}
