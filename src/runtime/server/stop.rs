//! The server's shutdown signal. Every connection task waits on it, during its handshake and
//! beside its handler, so waiting must cost nothing per wake-up: a waiter polled again with
//! the waker it registered (a task's waker does not change) reads one atomic and takes no
//! lock. (A `watch` receiver re-registers under a lock its receivers share on every poll.)
//! The waiters' table shrinks once mostly empty, so that a peak of connections is not kept
//! for good.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use crate::keyed::Keyed;

#[derive(Default)]
pub(crate) struct Stop {
    stopped: AtomicBool,
    waiters: Mutex<Keyed<Waker>>,
}

impl Stop {
    /// Asks every waiter, present and future, to stop.
    pub(crate) fn trigger(&self) {
        self.stopped.store(true, Ordering::Release);
        let wakers = self.lock().take_all();
        for waker in wakers {
            waker.wake();
        }
    }

    /// Resolves once [`trigger`](Stop::trigger) was called.
    pub(crate) fn wait(&self) -> Stopping<'_> {
        Stopping {
            stop: self,
            registered: None,
        }
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keyed<Waker>> {
        // A waker that panicked in `wake` cannot leave the table inconsistent.
        crate::sync::lock(&self.waiters)
    }
}

pub(crate) struct Stopping<'a> {
    stop: &'a Stop,
    /// Our slot among the waiters, and the waker stored there.
    registered: Option<(u64, Waker)>,
}

impl Future for Stopping<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.stop.stopped() {
            return Poll::Ready(());
        }
        if let Some((_, waker)) = &this.registered {
            if waker.will_wake(cx.waker()) {
                return Poll::Pending;
            }
        }
        let mut waiters = this.stop.lock();
        // Seen under the lock: not stopped means `trigger` has not drained the waiters yet,
        // so our slot is still there and will be woken.
        if this.stop.stopped() {
            return Poll::Ready(());
        }
        let waker = cx.waker().clone();
        match &mut this.registered {
            // Not stopped: `trigger` has not taken the waiters, so our slot is there; were it
            // not, a new one does.
            Some((key, stored)) => match waiters.get_mut(*key) {
                Some(slot) => {
                    *slot = waker.clone();
                    *stored = waker;
                }
                None => this.registered = Some((waiters.insert(waker.clone()), waker)),
            },
            None => this.registered = Some((waiters.insert(waker.clone()), waker)),
        }
        Poll::Pending
    }
}

impl Drop for Stopping<'_> {
    fn drop(&mut self) {
        if let Some((key, _)) = self.registered.take() {
            // After a trigger the table was emptied and stays so: nothing to remove.
            let _ = self.stop.lock().remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn every_waiter_wakes_and_later_ones_resolve_at_once() {
        let stop = Arc::new(Stop::default());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let stop = stop.clone();
                tokio::spawn(async move { stop.wait().await })
            })
            .collect();
        tokio::task::yield_now().await; // every waiter registered
        assert_eq!(stop.lock().len(), 3);
        stop.trigger();
        for waiter in waiters {
            waiter.await.unwrap();
        }
        stop.wait().await;
        assert_eq!(stop.lock().len(), 0);
    }

    #[test]
    fn a_dropped_waiter_leaves_no_slot() {
        let stop = Stop::default();
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut waiting = Box::pin(stop.wait());
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        assert!(waiting.as_mut().poll(&mut cx).is_pending()); // same waker: no new slot
        assert_eq!(stop.lock().len(), 1);
        drop(waiting);
        assert_eq!(stop.lock().len(), 0);
    }
}
