//! A `LeanStream` server fed by a raw peer piece by piece, each piece read whole by the
//! server before the test goes on, with no sleep: the server's socket counts the bytes read
//! from it, and the server is polled until the count reaches what the peer wrote.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

use super::{loopback_pair, within, RawPeer};

/// A socket that counts the bytes read from it.
pub struct Counted(TcpStream, Arc<Counter>);

#[derive(Default)]
struct Counter {
    bytes: AtomicUsize,
    notify: Notify,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.0).poll_read(cx, buf);
        if read.is_ready() {
            let n = buf.filled().len() - before;
            self.1.bytes.fetch_add(n, Ordering::SeqCst);
            self.1.notify.notify_one();
        }
        read
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The server and its raw peer, connected.
pub struct FedLean {
    pub ws: LeanStream<Counted>,
    pub peer: RawPeer,
    read: Arc<Counter>,
    /// What the peer wrote since the handshake.
    written: usize,
}

impl FedLean {
    pub async fn connect() -> FedLean {
        let read = Arc::new(Counter::default());
        let counted = |tcp| LeanStream::accept(Counted(tcp, read.clone()));
        let (ws, peer) = loopback_pair(counted, RawPeer::connect).await;
        read.bytes.store(0, Ordering::SeqCst);
        FedLean {
            ws: ws.expect("the server's handshake"),
            peer,
            read,
            written: 0,
        }
    }

    /// The peer writes `bytes`; the server reads all of them and hands out every message
    /// they complete, flushed after each ping as the supervisor's driver does: those messages.
    pub async fn feed(&mut self, bytes: &[u8]) -> Vec<Message> {
        self.written += bytes.len();
        let mut got = Vec::new();
        let (ws, read, target) = (&mut self.ws, &*self.read, self.written);
        let pump = async {
            loop {
                let reached = read.bytes.load(Ordering::SeqCst) >= target;
                while let Some(item) = ws.next().now_or_never() {
                    take(ws, item, &mut got).await;
                }
                if reached {
                    return;
                }
                tokio::select! {
                    item = ws.next() => take(ws, item, &mut got).await,
                    () = read.notify.notified() => {}
                }
            }
        };
        within("the server reading what was fed", async {
            tokio::join!(self.peer.write_raw(bytes), pump)
        })
        .await;
        got
    }
}

async fn take(
    ws: &mut LeanStream<Counted>,
    item: Option<Result<Message, Error>>,
    got: &mut Vec<Message>,
) {
    let message = item
        .expect("the server's stream ended")
        .unwrap_or_else(|err| panic!("the server's stream failed: {err}"));
    if let Message::Ping(_) = message {
        within("server flush", ws.flush()).await.unwrap();
    }
    got.push(message);
}
