//! Review repro: while its own ping is half written (the peer is not reading), a sleeping
//! `LeanStream` stops reading altogether: `poll_next` waits for the ping to go out first.
//! tokio-tungstenite keeps reading (tungstenite's `read` never waits on its out buffer), so a
//! message the peer sends meanwhile is delivered. A peer that reads only once its own write
//! completes then deadlocks against a `LeanStream`, not against tokio-tungstenite.

mod support;

use std::time::Duration;
use support::client_handshake;

use bytes::Bytes;
use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use support::raw_peer::{frame, TEXT};
use tokio::io::{AsyncWriteExt, DuplexStream};
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

async fn delivered_while_ping_stuck<W>(mut ws: W, mut peer: DuplexStream) -> bool
where
    W: Stream<Item = Result<Message, Error>> + Sink<Message, Error = Error> + Unpin,
{
    let mut stuck = false;
    for _ in 0..100 {
        if ws
            .send(Message::Ping(Bytes::from_static(b"abcd")))
            .now_or_never()
            .is_none()
        {
            stuck = true;
            break;
        }
    }
    assert!(stuck);
    peer.write_all(&frame(true, TEXT, b"hello", Some([1, 2, 3, 4])))
        .await
        .unwrap();
    match tokio::time::timeout(Duration::from_secs(1), ws.next()).await {
        Ok(item) => {
            assert_eq!(item.unwrap().unwrap(), Message::text("hello"));
            true
        }
        Err(_) => false,
    }
}

#[tokio::test]
async fn lean_stream_reads_while_its_ping_is_stuck() {
    let (server, client) = tokio::io::duplex(64);
    let (ws, peer) = tokio::join!(
        tokio_tungstenite::accept_async(server),
        client_handshake(client)
    );
    assert!(
        delivered_while_ping_stuck(ws.unwrap(), peer).await,
        "tokio-tungstenite"
    );

    let (server, client) = tokio::io::duplex(64);
    let (ws, peer) = tokio::join!(LeanStream::accept(server), client_handshake(client));
    assert!(
        delivered_while_ping_stuck(ws.unwrap(), peer).await,
        "LeanStream did not read"
    );
}
