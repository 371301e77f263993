//! A `LeanStream` split into a reader task and a writer task (as tokio-tungstenite's
//! `WebSocketStream` allows, thanks to its waker proxies), its own ping half written while
//! asleep: the reader, parked on reads, must be woken for a text the peer sends once the
//! writer's flush has drained the pipe (an older `poll_next` waited on the byte stream's
//! write readiness, whose one slot the writer's waker took). The same scenario over
//! tokio-tungstenite's stream delivers the text.

mod support;

use std::time::Duration;
use support::client_handshake;

use bytes::Bytes;
use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use support::raw_peer::{frame, TEXT};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

/// Pings without the peer reading until one is left half written (`send` pending in its
/// flush); then reader and writer on two tasks; the peer drains the pipe and sends a text.
/// Whether the reader task got the text.
async fn scenario<W>(mut ws: W, mut peer: DuplexStream) -> bool
where
    W: Stream<Item = Result<Message, Error>> + Sink<Message, Error = Error> + Send + 'static,
    W: Unpin,
{
    let mut stuck = false;
    for _ in 0..100 {
        let ping = Message::Ping(Bytes::from_static(b"abcd"));
        if ws.send(ping).now_or_never().is_none() {
            stuck = true;
            break;
        }
    }
    assert!(stuck, "the pipe never filled");
    let (mut sink, mut stream) = ws.split();
    let nudge = std::sync::Arc::new(tokio::sync::Notify::new());
    let nudged = nudge.clone();
    let reader = tokio::spawn(async move {
        let mut next = stream.next();
        tokio::select! {
            biased;
            item = &mut next => (false, item),
            () = nudged.notified() => (true, next.await),
        }
    });
    // The reader polls first (and parks), then the writer.
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    let writer = tokio::spawn(async move { sink.flush().await.map(|()| sink) });
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    // The peer drains everything the server wrote: the writer's flush completes.
    let mut drained = vec![0; 4096];
    let _ = peer.read(&mut drained).await.unwrap();
    let _sink = tokio::time::timeout(Duration::from_secs(2), writer)
        .await
        .expect("the writer's flush")
        .unwrap()
        .expect("flushed");
    peer.write_all(&frame(true, TEXT, b"hello", Some([1, 2, 3, 4])))
        .await
        .unwrap();
    let mut reader = reader;
    match tokio::time::timeout(Duration::from_secs(2), &mut reader).await {
        Ok(got) => {
            let (_, got) = got.unwrap();
            assert_eq!(
                got.expect("an item").expect("a message"),
                Message::text("hello")
            );
            true
        }
        Err(_) => {
            // Re-polled by hand, the reader finds the text at once: only the wake-up was lost.
            nudge.notify_one();
            let (_, got) = tokio::time::timeout(Duration::from_secs(2), reader)
                .await
                .expect("the nudged reader")
                .unwrap();
            assert_eq!(
                got.expect("an item").expect("a message"),
                Message::text("hello")
            );
            eprintln!("LeanStream: the text was there; the reader had not been woken");
            false
        }
    }
}

async fn pair() -> (DuplexStream, DuplexStream) {
    tokio::io::duplex(64)
}

#[tokio::test(flavor = "current_thread")]
async fn lean_stream_split_reader_is_woken_while_its_ping_is_half_written() {
    // tokio-tungstenite: delivered.
    let (server, client) = pair().await;
    let (ws, peer) = tokio::join!(
        tokio_tungstenite::accept_async(server),
        client_handshake(client)
    );
    assert!(
        scenario(ws.unwrap(), peer).await,
        "tokio-tungstenite lost the reader's wake-up"
    );

    // LeanStream: delivered too (an older one never woke the reader).
    let (server, client) = pair().await;
    let (ws, peer) = tokio::join!(LeanStream::accept(server), client_handshake(client));
    let ws = ws.unwrap();
    assert!(ws.is_asleep());
    assert!(
        scenario(ws, peer).await,
        "LeanStream: the reader task was never woken for the text"
    );
}
