//! An in-memory WebSocket transport (a `Stream` + `Sink` of messages) whose peer answers
//! every ping with its pong on flush, or stays silent. It lets a bench run ping cycles with
//! no socket and a paused clock, so what is measured is the supervision, not the kernel.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_util::{Sink, Stream};
use tokio::sync::Notify;
use ws_health::tungstenite::Message;

/// What the bench sees of every transport: pings written, and a signal at a target count.
#[derive(Default)]
pub struct Counter {
    pub pings: AtomicU64,
    pub target: AtomicU64,
    pub reached: Notify,
}

impl Counter {
    /// Waits until `n` more pings than now have been written.
    pub async fn wait_for(&self, n: u64) {
        let target = self.pings.load(Ordering::Relaxed) + n;
        self.target.store(target, Ordering::Relaxed);
        while self.pings.load(Ordering::Relaxed) < target {
            let notified = self.reached.notified();
            if self.pings.load(Ordering::Relaxed) >= target {
                break;
            }
            notified.await;
        }
    }
}

pub struct MemoryTransport {
    inbox: VecDeque<Message>,
    unflushed: Vec<Message>,
    reader: Option<Waker>,
    answer: bool,
    counter: Arc<Counter>,
}

impl MemoryTransport {
    pub fn new(answer: bool, counter: Arc<Counter>) -> Self {
        MemoryTransport {
            inbox: VecDeque::new(),
            unflushed: Vec::new(),
            reader: None,
            answer,
            counter,
        }
    }
}

impl Stream for MemoryTransport {
    type Item = io::Result<Message>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.inbox.pop_front() {
            Some(message) => Poll::Ready(Some(Ok(message))),
            None => {
                match &self.reader {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => self.reader = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl Sink<Message> for MemoryTransport {
    type Error = io::Error;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(mut self: Pin<&mut Self>, message: Message) -> io::Result<()> {
        self.unflushed.push(message);
        Ok(())
    }

    fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        for message in this.unflushed.drain(..) {
            if let Message::Ping(payload) = message {
                let n = this.counter.pings.fetch_add(1, Ordering::Relaxed) + 1;
                if n >= this.counter.target.load(Ordering::Relaxed) {
                    this.counter.reached.notify_waiters();
                }
                if this.answer {
                    this.inbox.push_back(Message::Pong(payload));
                    if let Some(w) = this.reader.take() {
                        w.wake();
                    }
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
