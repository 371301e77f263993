//! Reading: every inbound frame, in order, before any deadline is judged.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context, Poll, Waker};

use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tracing::{debug, error, info, trace};

use crate::error::panic_message;

use super::read_error::{broken_rule, ended_without_close, ENDED_WITHOUT_CLOSE};
use super::{later, Closing, Driver};
use crate::supervisor::in_flight::{take_waker, Pong, Rtts, Wakers};
use crate::supervisor::{Disconnect, Initiator, Transport};

/// The most polls in a row that `read_starved` ends before a passed deadline is judged.
const MAX_STARVED: u8 = 16;

impl<S: Transport> Driver<S> {
    pub(super) fn read(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        let mut progress = false;
        while !self.transport_done && !self.read_failed {
            // Paused only while someone can still drain the queue and no close is under way:
            // with the `Connection` gone, or closing, reading goes on, so that the close
            // handshake completes and pings are answered (see `deliver` for the data).
            if self.shared.inbound_full() && self.closing.is_none() && !self.shared.unreceived() {
                if !self.stalled {
                    self.stalled = true;
                    if !self.pause_published {
                        self.pause_published = true;
                        self.shared.pause_reading();
                    }
                    debug!("inbound queue full: reading paused until the application catches up");
                }
                break;
            }
            self.stalled = false;
            match self.ws.poll_next_unpin(cx) {
                Poll::Pending => break,
                Poll::Ready(Some(Ok(message))) => {
                    progress = true;
                    self.shared.stats.frame_in(now);
                    self.on_message(message, now, cx.waker());
                }
                Poll::Ready(Some(Err(err))) => {
                    progress = true;
                    match broken_rule(&err) {
                        Some((code, reason)) if self.closing.is_none() => {
                            self.fail(code, reason, &err, now);
                        }
                        _ => {
                            self.flush_reply(cx);
                            self.transport_failed(&err);
                        }
                    }
                }
                Poll::Ready(None) => {
                    progress = true;
                    self.transport_done = true;
                    // Clean only once both close frames went: a transport of one's own may end
                    // its stream after ours without the peer's (tungstenite fails it).
                    let peer_closed = self.closing.as_ref().is_some_and(|c| c.peer_closed);
                    match &mut self.outcome {
                        Some(outcome) => outcome.clean = peer_closed,
                        None => {
                            self.outcome = Some(Box::new(Disconnect::new(
                                Initiator::Network,
                                1006,
                                ENDED_WITHOUT_CLOSE,
                            )))
                        }
                    }
                }
            }
        }
        // A request whose timeout passed during the pause (`CheckContext::request`) is told
        // it ended once a pass has read all there was since: not one cut short by tokio's
        // budget, past which the transport reads `Pending` with the answer maybe behind.
        let read_all =
            || self.transport_done || self.read_failed || tokio::task::coop::has_budget_remaining();
        if self.pause_published && !self.stalled && read_all() {
            self.pause_published = false;
            self.shared.resume_reading(cx.waker());
            self.poll_runs = true; // it looks again: an answer not found is a timeout
        }
        progress
    }

    /// Whether to put judging off to the next poll, which reads on first: tokio's
    /// cooperative budget ran out (past it the transport reads `Pending`, bytes waiting or
    /// not) and a deadline has passed, whose answer may sit unread behind the data that
    /// spent the budget. Called only with the budget spent.
    ///
    /// At most `MAX_STARVED` polls in a row per passed deadline: a peer that floods without
    /// ever answering spends every poll's budget, and must still be judged. 16 polls of 128
    /// reads are 8 MiB at the default 4 KiB read buffer, more than Linux lets a socket's
    /// receive buffer grow to by default (6 MiB): an answer in the socket by the deadline
    /// is read before it is judged, and a flood is judged 16 turns of the scheduler late.
    pub(super) fn read_starved(&mut self, now: Instant) -> bool {
        if self.transport_done || !self.deadline_passed(now) {
            self.starved = 0;
            return false;
        }
        if self.starved == MAX_STARVED {
            return false;
        }
        self.starved += 1;
        true
    }

    /// A run's deadline or the close handshake's has passed: the next pass judges it.
    fn deadline_passed(&self, now: Instant) -> bool {
        if let Some(closing) = &self.closing {
            return now >= closing.deadline;
        }
        self.slots
            .iter()
            .any(|slot| slot.run.as_ref().is_some_and(|run| now >= run.deadline))
    }

    pub(super) fn on_message(&mut self, message: Message, now: Instant, waker: &Waker) {
        match message {
            Message::Text(_) | Message::Binary(_) => self.deliver(message, waker, now),
            Message::Pong(payload) => {
                let (mut wakers, mut rtts) = (Wakers::new(), Rtts::new());
                let stats = &self.shared.stats;
                // The lock is released at the end of this statement, before any wake.
                let pong = self.shared.lock().answer_pong(
                    &payload,
                    now,
                    stats,
                    waker,
                    &mut wakers,
                    &mut rtts,
                );
                let side = self.shared.side;
                rtts.into_iter()
                    .for_each(|rtt| crate::metrics::rtt(side, rtt));
                wakers.into_iter().for_each(Waker::wake);
                match pong {
                    Pong::Answered => self.poll_runs = true,
                    // A timeout shorter than the path's round trip, rather than a dead peer:
                    // at info while the policy closes the connection (for the miss, as a
                    // rule); else the miss changed nothing (a pong that always queues behind
                    // data, say).
                    Pong::Late(rtt) if self.closing_by_policy() => info!(?rtt, "{LATE_PONG}"),
                    Pong::Late(rtt) => debug!(?rtt, "{LATE_PONG}"),
                    Pong::Unsolicited => trace!("unsolicited pong ignored"),
                }
            }
            // tungstenite queued the pong; it leaves with the next read or flush.
            Message::Ping(_) => self.flush_needed = true,
            Message::Close(frame) => {
                self.flush_needed = true;
                let (code, reason) = match &frame {
                    Some(f) => (u16::from(f.code), f.reason.as_str().to_owned()),
                    None => (1005, String::new()),
                };
                // Ours crossed it: nothing may follow a received close (RFC 6455 §5.5.1;
                // tungstenite refuses it and answers the close itself), so the data that waits
                // is left unsent, and counted so, and our frame, if not yet out, stays unsent.
                if let Some(closing) = &mut self.closing {
                    closing.after_data = false;
                    closing.peer_closed = true;
                    // The application's close never left: the peer closed, with its code (a
                    // client must see a server's final code, not its own close that crossed
                    // it). A policy's close keeps its outcome: its code and `reconnect` are
                    // the policy's decision.
                    let ours_unsent = closing.frame.take().is_some();
                    let application = |o: &Disconnect| o.initiator == Initiator::Application;
                    if ours_unsent && self.outcome.as_deref().is_some_and(application) {
                        info!(
                            code,
                            reason, "peer closed the connection before our close left"
                        );
                        self.outcome =
                            Some(Box::new(Disconnect::new(Initiator::Peer, code, reason)));
                    }
                } else {
                    info!(code, reason, "peer closed the connection");
                    self.outcome = Some(Box::new(Disconnect::new(Initiator::Peer, code, reason)));
                    self.closing = Some(Box::new(Closing {
                        deadline: later(now, self.plan.policy.close_timeout),
                        frame: None,
                        after_data: false,
                        peer_closed: true,
                    }));
                    self.shared.request_close(|| {
                        frame.unwrap_or_else(|| CloseFrame {
                            code: 1000.into(),
                            reason: "".into(),
                        })
                    });
                    self.cancel_runs();
                }
            }
            Message::Frame(_) => {}
        }
    }

    /// Hands an application message to a check that expects it, or to the application.
    pub(super) fn deliver(&mut self, message: Message, waker: &Waker, now: Instant) {
        // Logged once the lock is let go: a subscriber may call back into this connection.
        for panic in self.deliver_locked(message, waker, now) {
            let (id, peer) = self.shared.unspanned();
            error!(
                id,
                peer, panic, "a request's matcher panicked: taken as no match"
            );
        }
    }

    /// [`deliver`](Driver::deliver) under the connection's lock; the panics of the matchers
    /// that panicked for the first time (none allocates nothing).
    fn deliver_locked(&mut self, message: Message, waker: &Waker, now: Instant) -> Vec<String> {
        let mut inner = self.shared.lock();
        let mut expected = None;
        let mut panicked = Vec::new();
        for e in inner.expects.iter_mut().filter(|e| e.answer.is_none()) {
            match catch_unwind(AssertUnwindSafe(|| (e.matcher)(&message))) {
                Ok(true) => {
                    expected = Some(e);
                    break;
                }
                Ok(false) => {}
                // No match; logged the first time (a matcher that panics on some messages,
                // a heartbeat it cannot parse, may still take its answer).
                Err(panic) if !e.panicked => {
                    e.panicked = true;
                    panicked.push(panic_message(&*panic).to_owned());
                }
                Err(_) => {}
            }
        }
        if let Some(expectation) = expected {
            expectation.answer = Some(message);
            let mut wakers = Wakers::new();
            let polled_by_driver = expectation.check.is_some().then_some(waker);
            take_waker(&mut expectation.waker, polled_by_driver, &mut wakers);
            drop(inner);
            wakers.into_iter().for_each(Waker::wake);
            self.poll_runs = true;
            return panicked;
        }
        // Nobody will read it: the `Connection` is gone. Past a full queue only while closing
        // (see `read`): dropped, to keep a peer that floods during the close from growing the
        // queue without bound.
        if self.shared.unreceived() {
            drop(inner);
            trace!("message dropped: the Connection that would read it is gone");
            return panicked;
        }
        // Once one is dropped, every later one is: what `recv` yields stays a prefix of what
        // the peer sent, with no hole that room made by the application would open behind it.
        if inner.undelivered > 0 || self.shared.inbound_full() {
            let first = inner.undelivered == 0;
            inner.undelivered = inner.undelivered.saturating_add(1);
            drop(inner);
            // Once: a peer that floods during the close would otherwise write a line per
            // message for as long as the close may take. The warning at the end counts them.
            if first {
                debug!("messages dropped from here on: the inbound queue was full while closing");
            }
            return panicked;
        }
        self.shared.push_inbound(&mut inner, message);
        // Counted before `recv` can take it.
        self.shared.stats.message_received(now);
        drop(inner);
        self.shared.recv_waker.wake();
        panicked
    }

    /// The policy's close is under way (its outcome is set as it begins).
    fn closing_by_policy(&self) -> bool {
        let outcome = self.outcome.as_deref();
        outcome.is_some_and(|o| o.initiator == Initiator::Policy)
    }

    /// _Fails the WebSocket Connection_ (RFC 6455 §7.1.7) for a frame that broke the protocol
    /// or a limit: a close frame with `code`, then TCP is dropped once it is out. Nothing
    /// more can be read (the stream is out of step with its frames), so no reply is awaited.
    fn fail(&mut self, code: u16, reason: String, err: &dyn std::error::Error, now: Instant) {
        info!(code, error = %err, "the peer broke the protocol; failing the connection");
        self.read_failed = true;
        let frame = CloseFrame {
            code: code.into(),
            reason: crate::frame::truncate_reason(&reason).into(),
        };
        self.begin_close(frame, Initiator::Protocol, false, None, now);
    }

    /// Before a read error ends a close the peer began: whether our reply went. tungstenite
    /// writes it itself in the read after the peer's close, and that read may then fail on a
    /// frame behind the peer's close (a tungstenite peer that read a ping and then closed
    /// writes the pong it owes behind its close frame), before our own flush could say the
    /// reply went. A flush with nothing left to write says so.
    fn flush_reply(&mut self, cx: &mut Context<'_>) {
        let replying = |c: &Closing| c.peer_closed && c.frame.is_none();
        if self.flush_needed && self.closing.as_deref().is_some_and(replying) {
            if let Poll::Ready(Ok(())) = self.ws.poll_flush_unpin(cx) {
                self.flush_needed = false;
            }
        }
    }

    pub(super) fn transport_failed(&mut self, err: &(dyn std::error::Error + 'static)) {
        self.transport_done = true;
        // Both close frames went: the close handshake completed, whatever ended TCP after it
        // (a wss:// server that leaves without a TLS close_notify fails a client's stream).
        let completed = !self.flush_needed
            && (self.closing.as_ref()).is_some_and(|c| c.peer_closed && c.frame.is_none());
        match &mut self.outcome {
            Some(outcome) => outcome.clean |= completed,
            None => {
                debug!(error = %err, "transport failed");
                // tungstenite calls an end of the stream without a close frame a "reset".
                let reason = match ended_without_close(err) {
                    true => ENDED_WITHOUT_CLOSE.to_owned(),
                    false => err.to_string(),
                };
                self.outcome = Some(Box::new(Disconnect::new(Initiator::Network, 1006, reason)));
            }
        }
    }
}

const LATE_PONG: &str =
    "a pong came after its ping was counted missed: the round trip is longer than the timeout";
