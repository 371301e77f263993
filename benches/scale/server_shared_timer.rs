//! The hand-written loop with one shared timer instead of one per connection: what the
//! "shared timer wheel" idea of docs/performance.md would save, measured on the loop it
//! would replace, before building it into the supervisor.
//!
//! Every connection pings at the same interval, so a queue in order of due time is the
//! whole timer: one task sleeps until the first entry is due, then wakes every connection
//! whose ping is due. A connection has no tokio timer of its own; its pong deadline is judged
//! when its next ping is due, which is exact when the timeout equals the interval: it runs
//! only so (run B).
//! Otherwise as `handwritten_loop.rs`: same runtime, listener, handshake and buffers, and its
//! message handling copied line for line rather than shared, so that the published baseline
//! stays the code it was measured as and the two loops differ only in their timer.

#[allow(dead_code)]
#[path = "server_common.rs"]
mod common;

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::Duration;

use futures_util::task::AtomicWaker;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use ws_health::tungstenite::protocol::frame::coding::CloseCode;
use ws_health::tungstenite::protocol::CloseFrame;
use ws_health::tungstenite::{Bytes, Message};

/// One connection's place in the shared timer.
#[derive(Default)]
struct Due {
    fired: AtomicBool,
    waker: AtomicWaker,
}

impl Due {
    async fn wait(&self) {
        poll_fn(|cx| {
            self.waker.register(cx.waker());
            if self.fired.swap(false, Ordering::AcqRel) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

#[derive(Default)]
struct SharedTimer {
    queue: Mutex<VecDeque<(Instant, Arc<Due>)>>,
    first: Notify,
}

impl SharedTimer {
    /// Wakes `due` at `when`, which is never earlier than what is already queued (one
    /// interval for all), so that the queue stays in order.
    fn at(&self, when: Instant, due: &Arc<Due>) {
        let mut queue = self.queue.lock().unwrap();
        let when = queue.back().map_or(when, |(last, _)| when.max(*last));
        queue.push_back((when, due.clone()));
        if queue.len() == 1 {
            self.first.notify_one();
        }
    }

    async fn run(self: Arc<Self>) {
        let mut fired = Vec::new();
        loop {
            let front = self.queue.lock().unwrap().front().map(|(at, _)| *at);
            match front {
                None => self.first.notified().await,
                Some(at) if at > Instant::now() => tokio::time::sleep_until(at).await,
                Some(_) => {
                    let now = Instant::now();
                    {
                        let mut queue = self.queue.lock().unwrap();
                        while queue.front().is_some_and(|(at, _)| *at <= now) {
                            fired.extend(queue.pop_front().map(|(_, due)| due));
                        }
                    }
                    for due in fired.drain(..) {
                        due.fired.store(true, Ordering::Release);
                        due.waker.wake();
                    }
                }
            }
        }
    }
}

static TIMER: OnceLock<Arc<SharedTimer>> = OnceLock::new();

async fn keepalive(mut ws: WebSocketStream<TcpStream>, interval: Duration, timeout: Duration) {
    let timer = TIMER.get_or_init(|| {
        let timer = Arc::new(SharedTimer::default());
        tokio::spawn(timer.clone().run());
        timer
    });
    let due = Arc::new(Due::default());
    let mut next = Instant::now() + interval;
    timer.at(next, &due);
    let mut seq: u32 = 0;
    let mut awaiting = false;
    // The pong deadline counts from the ping's due time, so that the next due time (one
    // interval later) has passed it when the timeout equals the interval.
    let mut deadline = Instant::now();
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Pong(payload))) => {
                    if awaiting && payload[..] == seq.to_be_bytes() {
                        awaiting = false;
                    }
                }
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    if ws.send(message).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            () = due.wait() => {
                if awaiting && Instant::now() >= deadline {
                    let frame = CloseFrame {
                        code: CloseCode::Error,
                        reason: "keepalive ping timeout".into(),
                    };
                    let _ = tokio::time::timeout(Duration::from_secs(1), async {
                        if ws.send(Message::Close(Some(frame))).await.is_ok() {
                            while let Some(Ok(_)) = ws.next().await {}
                        }
                    })
                    .await;
                    return;
                }
                seq = seq.wrapping_add(1);
                if ws.send(Message::Ping(Bytes::copy_from_slice(&seq.to_be_bytes()))).await.is_err() {
                    return;
                }
                awaiting = true;
                deadline = next + timeout;
                next += interval;
                timer.at(next, &due);
            }
        }
    }
}

fn main() {
    let args = common::args("server_shared_timer");
    common::require_timeout_equal_to_interval("server_shared_timer", &args);
    common::run(args, common::handshake, move |ws| {
        keepalive(ws, args.interval, args.timeout)
    });
}
