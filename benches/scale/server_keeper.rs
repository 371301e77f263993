//! The keeper: the floor's design on tokio. No task and no timer per connection once it is
//! open: one task keeps every connection, its ping times in one queue behind one tokio
//! timer, each ping written with one `send`, each pong read with one `recv` when tokio's
//! I/O driver reports the socket readable through a waker made once per connection (it
//! queues the connection and wakes the keeper). It measures what tokio's I/O driver and
//! timer cost above the floor with the per-connection task taken away: the most any
//! ws-health design on tokio could save.
//!
//! A measuring tool, not a server to copy: as the floor, it expects the load generator's
//! whole, masked control frames, judges the pong deadline when the next ping is due (so it
//! runs only with the timeout equal to the interval) and drops a connection it cannot write
//! to.

#[path = "server_common.rs"]
mod common;
#[path = "raw_wire.rs"]
mod raw_wire;

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Connections the I/O driver found readable, for the keeper to read.
#[derive(Default)]
struct Readable {
    slots: Mutex<Vec<usize>>,
    keeper: AtomicWaker,
}

/// A connection's waker: queues its slot and wakes the keeper.
struct SlotWaker {
    slot: usize,
    readable: Arc<Readable>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.readable
            .slots
            .lock()
            .expect("readable queue")
            .push(self.slot);
        self.readable.keeper.wake();
    }
}

struct Conn {
    /// Tells this connection's queue entries from those of an earlier one in its slot.
    id: u64,
    stream: TcpStream,
    waker: Waker,
    seq: u32,
    awaiting: bool,
    pinged_at: Instant,
}

fn main() {
    let args = common::args("server_keeper");
    common::require_timeout_equal_to_interval("server_keeper", &args);
    let (open_tx, open_rx) = mpsc::unbounded_channel();
    // The first open connection starts the keeper (inside the runtime); every one is handed
    // over to it.
    let keeper = Mutex::new(Some(open_rx));
    common::run(args, handshake, move |tcp: TcpStream| {
        if let Some(open_rx) = keeper.lock().expect("keeper").take() {
            tokio::spawn(keep(open_rx, args.interval));
        }
        let _ = open_tx.send(tcp);
        async {}
    });
}

/// Keeps every connection: reads what the I/O driver found readable, writes the pings due.
async fn keep(mut open_rx: mpsc::UnboundedReceiver<TcpStream>, interval: std::time::Duration) {
    let readable = Arc::new(Readable::default());
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    // Every connection pings at the same interval: kept in order of due time, the queue is
    // the whole timer.
    let mut due: VecDeque<(Instant, usize, u64)> = VecDeque::new();
    let mut next_id = 0u64;
    let mut batch: Vec<usize> = Vec::new();
    let timer = tokio::time::sleep(interval);
    tokio::pin!(timer);
    let mut armed = None;
    poll_fn(|cx| loop {
        readable.keeper.register(cx.waker());
        while let Poll::Ready(Some(stream)) = open_rx.poll_recv(cx) {
            let slot = free.pop().unwrap_or_else(|| {
                conns.push(None);
                conns.len() - 1
            });
            next_id += 1;
            let waker = Waker::from(Arc::new(SlotWaker {
                slot,
                readable: readable.clone(),
            }));
            conns[slot] = Some(Conn {
                id: next_id,
                stream,
                waker,
                seq: 0,
                awaiting: false,
                pinged_at: Instant::now(),
            });
            let at = Instant::now() + interval;
            due.push_back((at.max(due.back().map_or(at, |b| b.0)), slot, next_id));
            batch.push(slot); // a first read registers its waker
        }
        batch.append(&mut readable.slots.lock().expect("readable queue"));
        for slot in batch.drain(..) {
            let Some(conn) = conns[slot].as_mut() else {
                continue;
            };
            if !read_pongs(conn) {
                conns[slot] = None;
                free.push(slot);
            }
        }
        let now = Instant::now();
        while let Some(&(at, slot, id)) = due.front() {
            if at > now {
                break;
            }
            due.pop_front();
            let Some(conn) = conns[slot].as_mut().filter(|c| c.id == id) else {
                continue; // closed since
            };
            if conn.awaiting && now >= conn.pinged_at + interval {
                let _ = conn
                    .stream
                    .try_write(b"\x88\x18\x03\xf3keepalive ping timeout");
                conns[slot] = None;
                free.push(slot);
                continue;
            }
            conn.seq = conn.seq.wrapping_add(1);
            let [a, b, c, d] = conn.seq.to_be_bytes();
            if !matches!(conn.stream.try_write(&[0x89, 4, a, b, c, d]), Ok(6)) {
                conns[slot] = None;
                free.push(slot);
                continue;
            }
            conn.awaiting = true;
            conn.pinged_at = at;
            let next = at + interval;
            due.push_back((next.max(due.back().map_or(next, |b| b.0)), slot, id));
        }
        let Some(&(at, ..)) = due.front() else {
            return Poll::<()>::Pending;
        };
        if armed != Some(at) {
            timer.as_mut().reset(at);
            armed = Some(at);
        }
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
    })
    .await;
}

/// Reads what arrived until tokio has no more readiness, which leaves the connection's waker
/// registered (a short read clears the readiness, so a pong costs one `recv`); false when
/// the peer is gone.
fn read_pongs(conn: &mut Conn) -> bool {
    let mut cx = Context::from_waker(&conn.waker);
    let mut buf = [0u8; 4096];
    loop {
        let mut read = ReadBuf::new(&mut buf);
        let n = match Pin::new(&mut conn.stream).poll_read(&mut cx, &mut read) {
            Poll::Pending => return true,
            Poll::Ready(Err(_)) => return false,
            Poll::Ready(Ok(())) if read.filled().is_empty() => return false,
            Poll::Ready(Ok(())) => read.filled().len(),
        };
        match raw_wire::pong_for(&buf[..n], conn.seq) {
            None => return false,
            Some(answered) => conn.awaiting &= !answered,
        }
        // After a short read tokio has cleared the readiness: the next poll registers the
        // waker without a syscall.
    }
}

/// The opening handshake, by hand: the keeper then owns the bare TCP stream.
async fn handshake(mut tcp: TcpStream) -> Option<TcpStream> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.ends_with(b"\r\n\r\n") {
        let n = tcp.read(&mut buf).await.ok()?;
        if n == 0 || request.len() > 8192 {
            return None;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let response = raw_wire::upgrade_response(&request)?;
    tcp.write_all(response.as_bytes()).await.ok()?;
    Some(tcp)
}
