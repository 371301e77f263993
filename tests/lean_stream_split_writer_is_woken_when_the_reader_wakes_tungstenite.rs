//! A `LeanStream` split into a reader and a writer task: the writer's flush, parked on the
//! byte stream while the stream's own ping is half written, must be woken when the reader
//! wakes tungstenite for a peer's ping and tungstenite's pong write takes the byte stream's
//! write slot. tokio-tungstenite's stream wakes both through its waker proxies.

mod support;

use std::time::Duration;

use bytes::Bytes;
use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use support::client_handshake;
use support::raw_peer::{frame, PING};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

/// Whether the writer's flush completed once the peer read everything.
async fn writer_woken<W>(mut ws: W, mut peer: DuplexStream) -> bool
where
    W: Stream<Item = Result<Message, Error>> + Sink<Message, Error = Error> + Send + 'static,
    W: Unpin,
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
    assert!(stuck, "the pipe never filled");
    let (mut sink, mut stream) = ws.split();
    let writer = tokio::spawn(async move { sink.flush().await });
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    peer.write_all(&frame(true, PING, b"p", Some([1, 2, 3, 4])))
        .await
        .unwrap();
    tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    let _ = peer.read(&mut vec![0; 4096]).await.unwrap();
    tokio::time::timeout(Duration::from_secs(2), writer)
        .await
        .is_ok_and(|flushed| flushed.unwrap().is_ok())
}

#[tokio::test(flavor = "current_thread")]
async fn lean_stream_split_writer_is_woken_when_the_reader_wakes_tungstenite() {
    let (server, client) = tokio::io::duplex(64);
    let (ws, peer) = tokio::join!(
        tokio_tungstenite::accept_async(server),
        client_handshake(client)
    );
    assert!(
        writer_woken(ws.unwrap(), peer).await,
        "tokio-tungstenite lost it"
    );

    let (server, client) = tokio::io::duplex(64);
    let (ws, peer) = tokio::join!(LeanStream::accept(server), client_handshake(client));
    let ws = ws.unwrap();
    assert!(ws.is_asleep());
    assert!(
        writer_woken(ws, peer).await,
        "LeanStream: the writer was never woken"
    );
}
