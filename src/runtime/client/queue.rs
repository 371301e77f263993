//! The client's queue of accepted messages: tokio's channel, bounded in messages
//! (`client.offline_queue`), with its messages' bytes counted in an atomic against
//! `client.offline_queue_bytes`, as a connection's queues count theirs (`queues.*_bytes`).
//!
//! Full at the first bound it meets. A message passes while the bytes are under the budget,
//! so one larger than the budget still passes alone and the queue holds at most its budget
//! and one message more. A message's bytes are released when the client's task takes it
//! from the queue to hand it to a connection, as its slot is.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message;

/// A queue of `messages` and `bytes`: its sending side for the client and its handles, its
/// receiving side for the client's task.
pub(super) fn channel(messages: usize, bytes: usize) -> (QueueSender, QueueReceiver) {
    let (tx, rx) = mpsc::channel(messages);
    let budget = Arc::new(Budget {
        bytes: AtomicUsize::new(0),
        capacity: bytes,
        freed: Notify::new(),
    });
    let sender = QueueSender {
        tx,
        messages,
        budget: budget.clone(),
    };
    (sender, QueueReceiver { rx, budget })
}

/// The bytes of the queued messages, against the budget.
struct Budget {
    bytes: AtomicUsize,
    capacity: usize,
    /// Signalled when the bytes fall under the budget: a `send` waiting for room looks again.
    freed: Notify,
}

impl Budget {
    fn is_full(&self) -> bool {
        self.bytes.load(Ordering::Acquire) >= self.capacity
    }

    /// Counts `len` more bytes unless the budget is reached.
    fn try_add(&self, len: usize) -> bool {
        self.bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |bytes| {
                (bytes < self.capacity).then(|| bytes.saturating_add(len))
            })
            .is_ok()
    }

    /// Counts `len` bytes fewer; wakes the sends waiting for room if that made some.
    fn release(&self, len: usize) {
        let before = self.bytes.fetch_sub(len, Ordering::AcqRel);
        if before >= self.capacity && before - len < self.capacity {
            self.freed.notify_waiters();
        }
    }
}

/// Which bound a full queue met, with its size: what `send`'s error names, so that the
/// application knows which key to raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Limit {
    /// `client.offline_queue` messages.
    Messages(usize),
    /// `client.offline_queue_bytes` bytes.
    Bytes(usize),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Messages(n) => write!(f, "{n} messages, client.offline_queue"),
            Limit::Bytes(n) => write!(f, "{n} bytes, client.offline_queue_bytes"),
        }
    }
}

/// Why the queue did not take a message, handed back.
#[derive(Debug)]
pub(super) enum Refused {
    /// The queue holds `client.offline_queue` messages or `client.offline_queue_bytes` bytes.
    Full(Message, Limit),
    /// The client's task closed the queue (or ended).
    Closed(Message),
}

/// The queue's sending side. Cheap to clone.
#[derive(Clone)]
pub(super) struct QueueSender {
    tx: mpsc::Sender<Message>,
    messages: usize,
    budget: Arc<Budget>,
}

impl QueueSender {
    /// Queues `message` if there is room, without waiting.
    pub(super) fn try_send(&self, message: Message) -> Result<(), Refused> {
        let slot = match self.tx.try_reserve() {
            Ok(slot) => slot,
            Err(mpsc::error::TrySendError::Full(())) => {
                return Err(Refused::Full(message, Limit::Messages(self.messages)));
            }
            Err(mpsc::error::TrySendError::Closed(())) => return Err(Refused::Closed(message)),
        };
        if !self.budget.try_add(message.len()) {
            return Err(Refused::Full(message, Limit::Bytes(self.budget.capacity)));
        }
        slot.send(message);
        Ok(())
    }

    /// Waits for room for `message` in both bounds; `None` once the queue is closed. Its
    /// bytes are counted from then: send it with [`Permit::send`]. Cancel-safe.
    pub(super) async fn reserve(&self, message: &Message) -> Option<Permit<'_>> {
        loop {
            // Enabled before the look at the bytes, so that a release right after it is seen.
            let freed = self.budget.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if self.budget.is_full() {
                // A closed queue releases nothing more: its bytes may never be taken.
                tokio::select! {
                    () = freed => continue,
                    () = self.tx.closed() => return None,
                }
            }
            let slot = self.tx.reserve().await.ok()?;
            // Another send may have taken the room while this one waited for a slot.
            if self.budget.try_add(message.len()) {
                return Some(Permit {
                    slot: Some(slot),
                    budget: &self.budget,
                    len: message.len(),
                });
            }
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Room for one message, its `len` bytes counted: released if the permit is dropped unused, so
/// that the count stays the bytes queued.
pub(super) struct Permit<'a> {
    slot: Option<mpsc::Permit<'a, Message>>,
    budget: &'a Budget,
    len: usize,
}

impl Permit<'_> {
    /// Queues the message the room was reserved for (another is counted as it is).
    pub(super) fn send(mut self, message: Message) {
        if let Some(slot) = self.slot.take() {
            if message.len() != self.len {
                self.budget.bytes.fetch_add(message.len(), Ordering::AcqRel);
                self.budget.release(self.len);
            }
            slot.send(message);
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.slot.is_some() {
            self.budget.release(self.len);
        }
    }
}

/// The queue's receiving side, for the client's task.
pub(super) struct QueueReceiver {
    rx: mpsc::Receiver<Message>,
    budget: Arc<Budget>,
}

impl QueueReceiver {
    /// The next message; `None` once the queue is closed and empty, or its senders are all
    /// gone. Cancel-safe.
    pub(super) async fn recv(&mut self) -> Option<Message> {
        let message = self.rx.recv().await?;
        self.budget.release(message.len());
        Some(message)
    }

    /// The next message if one is queued (for tests: the client takes its queue to the end
    /// with `recv`, which waits for a slot taken before a close).
    #[cfg(test)]
    pub(super) fn try_recv(&mut self) -> Option<Message> {
        let message = self.rx.try_recv().ok()?;
        self.budget.release(message.len());
        Some(message)
    }

    /// Refuses later messages; those queued can still be taken.
    pub(super) fn close(&mut self) {
        self.rx.close();
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::atomic::AtomicBool;
    use std::task::{Context, Poll, Wake, Waker};

    use super::*;

    fn text(len: usize) -> Message {
        Message::text("x".repeat(len))
    }

    #[test]
    fn full_at_the_first_bound_it_meets() {
        let (tx, mut rx) = channel(3, 1000);
        tx.try_send(text(500)).unwrap();
        tx.try_send(text(500)).unwrap();
        match tx.try_send(text(1)) {
            Err(Refused::Full(m, Limit::Bytes(1000))) => assert_eq!(m, text(1)),
            other => panic!("expected full at the bytes, got {other:?}"),
        }
        assert_eq!(rx.try_recv(), Some(text(500)));
        tx.try_send(text(1)).unwrap();
        tx.try_send(text(1)).unwrap();
        // Three messages of 502 bytes.
        match tx.try_send(text(1)) {
            Err(Refused::Full(_, Limit::Messages(3))) => {}
            other => panic!("expected full at the count, got {other:?}"),
        }
    }

    #[test]
    fn a_message_over_the_budget_passes_alone() {
        let (tx, mut rx) = channel(8, 1000);
        tx.try_send(text(5000)).unwrap();
        assert!(matches!(tx.try_send(text(1)), Err(Refused::Full(..))));
        assert_eq!(rx.try_recv(), Some(text(5000)));
        // Under the budget by one byte: the next passes, whatever its size.
        tx.try_send(text(999)).unwrap();
        tx.try_send(text(5000)).unwrap();
        assert!(matches!(tx.try_send(text(1)), Err(Refused::Full(..))));
    }

    /// Records that it was woken.
    struct Woken(AtomicBool);

    impl Wake for Woken {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::Relaxed);
        }
    }

    /// A permit dropped unused gives its bytes back; one used for another message counts
    /// that message: the count stays the bytes queued.
    #[tokio::test]
    async fn a_permit_counts_what_it_queues_and_nothing_if_dropped() {
        let (tx, mut rx) = channel(8, 10);
        drop(tx.reserve(&text(10)).await.unwrap());
        assert_eq!(tx.budget.bytes.load(Ordering::Relaxed), 0);
        tx.try_send(text(1)).unwrap();
        let permit = tx.reserve(&text(1)).await.unwrap();
        permit.send(text(5));
        assert_eq!(tx.budget.bytes.load(Ordering::Relaxed), 6);
        assert_eq!(rx.try_recv(), Some(text(1)));
        assert_eq!(rx.try_recv(), Some(text(5)));
        assert_eq!(tx.budget.bytes.load(Ordering::Relaxed), 0);
    }

    /// Sends racing on two threads for a queue a receiver drains: every message arrives, none
    /// waits for ever on a wake-up lost between its look at the bytes and its wait, and the
    /// count ends at zero.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn racing_sends_and_a_draining_receiver_lose_nothing() {
        let (tx, mut rx) = channel(4, 100);
        let senders: Vec<_> = (0..8)
            .map(|_| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for _ in 0..200 {
                        tx.reserve(&text(30)).await.unwrap().send(text(30));
                    }
                })
            })
            .collect();
        let drained = async {
            for _ in 0..8 * 200 {
                assert_eq!(rx.recv().await, Some(text(30)));
            }
            for sender in senders {
                sender.await.unwrap();
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), drained)
            .await
            .expect("a send or the receiver waited for ever");
        assert_eq!(tx.budget.bytes.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn reserve_waits_for_the_bytes_taken_from_the_queue() {
        let (tx, mut rx) = channel(8, 1000);
        tx.try_send(text(1000)).unwrap();
        let woken = Arc::new(Woken(AtomicBool::new(false)));
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        let ten = text(10);
        let mut reserve = std::pin::pin!(tx.reserve(&ten));
        assert!(reserve.as_mut().poll(&mut cx).is_pending());
        assert_eq!(rx.recv().await, Some(text(1000)));
        assert!(woken.0.load(Ordering::Relaxed), "not woken by the release");
        match reserve.as_mut().poll(&mut cx) {
            Poll::Ready(Some(permit)) => permit.send(text(10)),
            _ => panic!("no room after the queue was emptied"),
        }
        assert_eq!(rx.try_recv(), Some(text(10)));
        assert_eq!(tx.budget.bytes.load(Ordering::Relaxed), 0);
    }

    /// A send waiting for bytes learns that the queue closed: it does not wait for a release
    /// that will never come.
    #[test]
    fn reserve_waiting_for_bytes_ends_when_the_queue_closes() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let ten = text(10);
        for drop_it in [false, true] {
            let (tx, mut rx) = channel(8, 10);
            tx.try_send(text(10)).unwrap();
            let mut reserve = std::pin::pin!(tx.reserve(&ten));
            assert!(reserve.as_mut().poll(&mut cx).is_pending());
            match drop_it {
                true => drop(rx),
                false => rx.close(),
            }
            assert!(
                matches!(reserve.as_mut().poll(&mut cx), Poll::Ready(None)),
                "still waiting after the queue was {}",
                if drop_it { "dropped" } else { "closed" }
            );
        }
    }

    /// Random sends and takes against a model: a message passes exactly when the count is
    /// under its bound and the bytes under theirs, the bytes counted are the queued ones, and
    /// the queue never holds more than its budget and one message.
    #[test]
    fn random_sends_and_takes_keep_the_bounds() {
        use crate::fuzz::Rng;
        let mut rng = Rng::new(0x5eed_0006);
        for _ in 0..200 {
            let (messages, bytes) = (1 + rng.below(8), rng.below(3000));
            let (tx, mut rx) = channel(messages, bytes);
            let mut model = std::collections::VecDeque::new();
            for _ in 0..500 {
                if rng.below(3) == 0 {
                    assert_eq!(rx.try_recv().map(|m| m.len()), model.pop_front());
                } else {
                    let lens = [0, 1, rng.below(1000), rng.below(5000)];
                    let len = *rng.pick(&lens);
                    let queued: usize = model.iter().sum();
                    let room = model.len() < messages && queued < bytes;
                    assert_eq!(tx.try_send(text(len)).is_ok(), room, "{model:?} + {len}");
                    if room {
                        model.push_back(len);
                    }
                }
                let queued: usize = model.iter().sum();
                assert_eq!(tx.budget.bytes.load(Ordering::Relaxed), queued);
                if let Some(last) = model.back() {
                    assert!(queued - last < bytes, "{model:?}");
                }
            }
        }
    }
}
