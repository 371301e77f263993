//! A `LeanStream` split into a reader and a writer: a writer whose flush parked while the
//! stream was awake, on the rest of the stream's own ping, must still be woken once the
//! stream has slept and woken again. Its waker sat only in the first tungstenite's waker
//! proxies; a reader polled while asleep takes the byte stream's read slot from them, and
//! the second tungstenite's pong write its write slot, whose proxy wakes only the reader.
//! tokio-tungstenite's one stream wakes both. The halves are polled by hand, in an order an
//! executor may choose, so that the test is the same on every run.

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use bytes::Bytes;
use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use support::client_handshake;
use support::raw_peer::{frame, PING, PONG};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

#[derive(Default)]
struct Woken(AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Woken {
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// Whether the writer's flush completed once the peer read everything.
async fn writer_woken<W>(mut ws: W, mut peer: DuplexStream) -> bool
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
    assert!(stuck, "the pipe never filled");
    let (reader_woken, writer_woken) = (Arc::new(Woken::default()), Arc::new(Woken::default()));
    let (reader, writer) = (
        Waker::from(reader_woken.clone()),
        Waker::from(writer_woken.clone()),
    );
    let (mut sink, mut stream) = ws.split();
    let mut flush = pin!(sink.flush());
    let mut write = || {
        flush
            .as_mut()
            .poll(&mut Context::from_waker(&writer))
            .is_ready()
    };
    let mut read = || stream.poll_next_unpin(&mut Context::from_waker(&reader));

    assert!(!write(), "the flush went through a full pipe");
    assert!(read().is_pending());
    // A pong's first byte wakes the stream; the writer parks again, awake.
    let pong = frame(true, PONG, b"abcd", Some([1, 2, 3, 4]));
    peer.write_all(&pong[..1]).await.unwrap();
    assert!(read().is_pending());
    assert!(!write());
    // The rest wakes both; the writer runs first and parks again, then the reader has its
    // pong, and the stream may sleep. The reader is polled once more, as a `select!` does
    // when another of its branches wakes it.
    peer.write_all(&pong[1..]).await.unwrap();
    assert!(!write());
    assert!(matches!(read(), Poll::Ready(Some(Ok(Message::Pong(_))))));
    assert!(read().is_pending());
    assert!(read().is_pending());
    writer_woken.take();
    // A ping wakes the stream again; its pong waits behind ours in the full pipe.
    peer.write_all(&frame(true, PING, b"p", Some([1, 2, 3, 4])))
        .await
        .unwrap();
    assert!(matches!(read(), Poll::Ready(Some(Ok(Message::Ping(_))))));
    assert!(read().is_pending());
    let _ = peer.read(&mut vec![0; 4096]).await.unwrap();
    // Each half polled when woken, until the flush completes or no one is woken.
    for _ in 0..10 {
        let (reader_due, writer_due) = (reader_woken.take(), writer_woken.take());
        if writer_due && write() {
            return true;
        }
        if reader_due {
            let _ = read();
        }
        if !reader_due && !writer_due {
            return false;
        }
    }
    false
}

#[tokio::test(flavor = "current_thread")]
async fn lean_stream_split_writer_parked_while_awake_is_woken_after_a_sleep() {
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
