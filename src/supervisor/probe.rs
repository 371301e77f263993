//! Probing a connection: [`Probe`], the checks' side, implemented by the connection's
//! [`Shared`] state, so that `check::CheckContext` reaches the wire without knowing the
//! supervisor; and the pings, expectations and reading pause behind it and `Sender`'s own
//! probes.

use std::any::Any;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Message;

use super::in_flight::{register, take_waker, Expectation, PingState, Wakers};
use super::shared::{signal, Inner, Shared, NOT_POLLING};
use super::TrySendError;
use crate::check::{Matcher, Probe, ProbeError, Ticket};
use crate::{frame, Stats};

impl Probe for Shared {
    fn connection_id(&self) -> u64 {
        self.id
    }

    fn stats(&self) -> Stats {
        Shared::stats(self)
    }

    fn state(&self) -> Option<&(dyn Any + Send + Sync)> {
        self.state.as_deref()
    }

    fn submit_ping(&self, payload: Bytes) -> Result<Ticket, ProbeError> {
        let polling = self.polling_check.load(Ordering::Relaxed);
        self.submit_ping_for((polling != NOT_POLLING).then_some(polling), |_| payload)
    }

    fn poll_pong(
        &self,
        ticket: Ticket,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Duration, ProbeError>> {
        self.pong_for(ticket, Some(cx.waker()))
    }

    fn submit_expect(&self, matcher: Matcher) -> Result<Ticket, ProbeError> {
        let polling = self.polling_check.load(Ordering::Relaxed);
        self.expect((polling != NOT_POLLING).then_some(polling), matcher)
    }

    fn poll_expect(
        &self,
        ticket: Ticket,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Message, ProbeError>> {
        let mut inner = self.lock();
        let Some(i) = inner.expects.iter().position(|e| e.ticket == ticket) else {
            return Poll::Ready(Err(ProbeError::Closed));
        };
        if inner.expects[i].answer.is_some() {
            let expectation = inner.expects.remove(i);
            // The matcher is the application's, dropped outside the lock (see `end`).
            drop(inner);
            return Poll::Ready(expectation.answer.ok_or(ProbeError::Closed));
        }
        if inner.ended.is_some() {
            return Poll::Ready(Err(ProbeError::Closed));
        }
        register(&mut inner.expects[i].waker, cx.waker());
        Poll::Pending
    }

    fn reading_paused(&self) -> bool {
        self.lock().reading_paused
    }

    fn send(&self, message: Message) -> Result<(), ProbeError> {
        // A check's messages are few and time-critical: they are not refused for a full queue.
        // The first sent after an expectation of the check is the one it awaits the answer to.
        let polling = self.polling_check.load(Ordering::Relaxed);
        let awaited = |inner: &mut Inner| {
            let place = (inner.outbound_taken).wrapping_add(inner.outbound.len() as u32 - 1);
            let unsent = (inner.expects.iter_mut().rev())
                .find(|e| e.check == Some(polling) && e.message.is_none());
            if let Some(expectation) = unsent {
                expectation.message = Some((place, PingState::Queued));
            }
        };
        self.push_outbound_with(message, false, awaited)
            .map_err(|err| match err {
                TrySendError::TooLarge(_) | TrySendError::Invalid(_) => {
                    ProbeError::Invalid(err.into())
                }
                _ => ProbeError::Closed,
            })
    }

    fn cancel(&self, ticket: Ticket) {
        let mut inner = self.lock();
        inner.forget_ping(ticket);
        if !inner.pings.iter().any(|p| p.state == PingState::Queued) {
            self.signal(&inner, signal::PING, false);
        }
        let forgotten = inner.expects.iter().position(|e| e.ticket == ticket);
        let forgotten = forgotten.map(|i| inner.expects.remove(i));
        drop(inner);
        drop(forgotten); // its matcher outside the lock (see `end`)
    }
}

impl Shared {
    /// Forgets expectation `ticket`, and gives its answer if one came meanwhile: an
    /// application's request whose timeout fired as the driver delivered must not lose it.
    pub(crate) fn forget_expect(&self, ticket: Ticket) -> Option<Message> {
        let mut inner = self.lock();
        let i = inner.expects.iter().position(|e| e.ticket == ticket)?;
        let expectation = inner.expects.remove(i);
        drop(inner); // its matcher outside the lock (see `end`)
        expectation.answer
    }

    /// Registers `matcher` for check `check`, or for the application (`None`: its
    /// `Sender::request`, which must not read `polling_check`, set by the driver's thread).
    pub(crate) fn expect(
        &self,
        check: Option<usize>,
        matcher: Matcher,
    ) -> Result<Ticket, ProbeError> {
        let mut inner = self.lock();
        if inner.ended.is_some() {
            return Err(ProbeError::Closed);
        }
        Ok(Shared::expect_locked(&mut inner, check, matcher))
    }

    /// Registers `matcher` under the lock already held.
    pub(crate) fn expect_locked(
        inner: &mut Inner,
        check: Option<usize>,
        matcher: Matcher,
    ) -> Ticket {
        let ticket = inner.ticket();
        inner.expects.push(Expectation {
            ticket,
            check,
            matcher,
            answer: None,
            waker: None,
            panicked: false,
            message: None,
        });
        ticket
    }

    /// The pong of ping `ticket`, or `Pending`; `waker` is woken when it comes (the driver's
    /// inline ping passes none: it polls its runs after every pong it matches).
    pub(crate) fn pong_for(
        &self,
        ticket: Ticket,
        waker: Option<&Waker>,
    ) -> Poll<Result<Duration, ProbeError>> {
        let mut inner = self.lock();
        let Some(i) = inner.pings.iter().position(|p| p.ticket == ticket) else {
            return Poll::Ready(Err(ProbeError::Closed));
        };
        match inner.pings[i].state {
            PingState::Answered(rtt) => {
                inner.remove_ping(i);
                Poll::Ready(Ok(rtt))
            }
            _ if inner.ended.is_some() => Poll::Ready(Err(ProbeError::Closed)),
            _ => {
                if let Some(waker) = waker {
                    register(&mut inner.pings[i].waker, waker);
                }
                Poll::Pending
            }
        }
    }

    /// Records that reading paused (the inbound queue is full): while it is paused, an
    /// answer a check awaits may be sitting unread.
    pub(crate) fn pause_reading(&self) {
        self.lock().reading_paused = true;
    }

    /// Records that reading resumed, and wakes the requests awaited where the driver does
    /// not poll them (see [`take_waker`]): one whose timeout passed meanwhile now ends.
    pub(crate) fn resume_reading(&self, driver: &Waker) {
        let mut wakers = Wakers::new();
        let mut inner = self.lock();
        inner.reading_paused = false;
        for e in &mut inner.expects {
            take_waker(
                &mut e.waker,
                e.check.is_some().then_some(driver),
                &mut wakers,
            );
        }
        drop(inner);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Queues a ping on behalf of check `check` (None: not from a check the driver polls),
    /// carrying `payload(ticket)`.
    pub(crate) fn submit_ping_for(
        &self,
        check: Option<usize>,
        payload: impl FnOnce(Ticket) -> Bytes,
    ) -> Result<Ticket, ProbeError> {
        let mut inner = self.lock();
        // Nor while closing, unless from a check the driver polls, which it cancels then: a
        // ping could follow our close frame, which nothing may.
        if inner.ended.is_some() || (check.is_none() && inner.close_request.is_some()) {
            return Err(ProbeError::Closed);
        }
        let ticket = inner.ticket();
        let payload = frame::ping_payload(payload(ticket)).map_err(ProbeError::Invalid)?;
        inner.queue_ping(ticket, check, payload);
        self.signal(&inner, signal::PING, true);
        // Submitted from a check the driver is polling: it sends the ping before it sleeps,
        // so no wake-up is needed.
        if check.is_none() {
            drop(inner);
            self.wake_driver();
        }
        Ok(ticket)
    }
}
