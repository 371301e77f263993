//! Probes in flight on one connection: pings awaiting their pongs and expectations awaiting
//! an application message, with the wakers of the checks that await them.

use std::task::Waker;
use std::time::Duration;

use bytes::Bytes;
use smallvec::SmallVec;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::shared::Inner;
use crate::check::{Matcher, Ticket};
use crate::stats::StatsCell;

/// The most orphaned pings kept (see [`Inner::forget_ping`]).
const MAX_ORPHANS: usize = 4;

pub(crate) struct PendingPing {
    pub(crate) ticket: Ticket,
    pub(crate) check: Option<usize>,
    pub(crate) payload: Bytes,
    pub(crate) state: PingState,
    /// The waker of the future awaiting the pong, when it is not the driver's own (see
    /// [`take_waker`]).
    pub(crate) waker: Option<Waker>,
    /// Its check stopped waiting (cut off, cancelled), but it is on the wire behind an
    /// earlier ping still awaited, or it was counted missed: kept, with no owner, so that its
    /// pong, which answers that earlier ping too, is not taken for unsolicited, and a late
    /// pong is told from an unsolicited one.
    pub(crate) orphaned: bool,
    /// Its pong is not a pong received, nor a latency sample: it was counted in
    /// `pings_missed` (its check timed out), or it is not ours ([`Inner::foreign_ping`]).
    pub(crate) uncounted: bool,
    /// Not ours: the application's own, written as a message ([`Inner::foreign_ping`]).
    pub(crate) foreign: bool,
}

impl PendingPing {
    fn on_wire(&self) -> bool {
        matches!(self.state, PingState::Written(_) | PingState::Flushed(_))
    }

    /// Ours, counted missed and no longer awaited: kept only for its late pong.
    fn missed(&self) -> bool {
        self.orphaned && self.uncounted && !self.foreign
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PingState {
    /// Submitted, not yet handed to the transport.
    Queued,
    /// Handed to the transport at this instant; not yet known to be flushed.
    Written(Instant),
    /// Flushed to the socket at this instant.
    Flushed(Instant),
    /// Answered after this round trip.
    Answered(Duration),
}

pub(crate) struct Expectation {
    pub(crate) ticket: Ticket,
    /// The check that registered it, if the driver was polling one.
    pub(crate) check: Option<usize>,
    pub(crate) matcher: Matcher,
    pub(crate) answer: Option<Message>,
    /// The waker of the future awaiting the answer (see [`take_waker`]).
    pub(crate) waker: Option<Waker>,
    /// Its matcher panicked once (logged then, not at each message after).
    pub(crate) panicked: bool,
    /// The check's message it awaits the answer to: its place in the outbound queue's order
    /// and how far it got (`Queued`, `Written`, `Flushed`), so that a request stuck behind
    /// our own writes is judged as a ping is (`driver::runs::time_out`).
    pub(crate) message: Option<(u32, PingState)>,
}

/// Keeps `waker` in `slot` for a probe's answer, cloning only when it changed.
pub(crate) fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(held) if held.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// Wakers to wake once the connection's lock is released: a waker may run code of its own.
pub(crate) type Wakers = SmallVec<[Waker; 4]>;

/// The round-trip times one pong answered: its ping's and every earlier one's (a peer may
/// answer only the latest); inline up to four, which the built-in check never exceeds.
pub(crate) type Rtts = SmallVec<[Duration; 4]>;

/// What a pong answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pong {
    /// No ping on the wire.
    Unsolicited,
    /// A ping on the wire (and any written before it).
    Answered,
    /// Only pings of ours already counted missed (the application's own aside): the longest
    /// round trip among them.
    Late(Duration),
}

/// Takes the waker of the future awaiting a probe's answer into `wakers`. A check's future
/// polled directly by the driver holds the driver's own waker, and the driver polls its
/// running checks after every answer anyway: that one is left out (`driver`). A future
/// inside a combinator that polls only what was woken (`FuturesUnordered`,
/// `buffer_unordered`) holds its own, and needs the wake; so does the application's, even on
/// the driver's task (a handler joined with it, which the driver does not poll): for those
/// `driver` is `None`.
pub(crate) fn take_waker(slot: &mut Option<Waker>, driver: Option<&Waker>, wakers: &mut Wakers) {
    if let Some(waker) = slot.take() {
        if !driver.is_some_and(|driver| waker.will_wake(driver)) {
            wakers.push(waker);
        }
    }
}

impl Inner {
    /// A new ticket for a probe.
    pub(crate) fn ticket(&mut self) -> Ticket {
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.next_ticket
    }

    /// Marks the request whose message was the `place`-th taken from the outbound queue as
    /// handed to the transport at `now`; true if there was one.
    pub(crate) fn written(&mut self, place: u32, now: Instant) -> bool {
        let queued = Some((place, PingState::Queued));
        let Some(expectation) = self.expects.iter_mut().find(|e| e.message == queued) else {
            return false;
        };
        expectation.message = Some((place, PingState::Written(now)));
        true
    }

    /// Marks the requests whose messages were handed to the transport as flushed at `now`.
    pub(crate) fn flushed(&mut self, now: Instant) {
        for (_, state) in self.expects.iter_mut().filter_map(|e| e.message.as_mut()) {
            if let PingState::Written(_) = state {
                *state = PingState::Flushed(now);
            }
        }
    }

    /// Queues ping `ticket` of `check` (`None`: the application's `Sender::ping`). A ping of
    /// ours counted missed with the same payload is forgotten first: a peer may answer only
    /// the latest ping (RFC 6455 §5.5.3), and the new one's pong must not be taken for the old
    /// one's late answer, which would leave the new one unanswered, and the next, for good.
    pub(crate) fn queue_ping(&mut self, ticket: Ticket, check: Option<usize>, payload: Bytes) {
        self.retain_pings(|p| !(p.missed() && p.payload == payload));
        // Past the inline one, grow one slot at a time, not four at once.
        self.pings.reserve_exact(1);
        self.pings.push(PendingPing {
            ticket,
            check,
            payload,
            state: PingState::Queued,
            waker: None,
            orphaned: false,
            uncounted: false,
            foreign: false,
        });
    }

    /// Takes ping `i`, answered, off the list.
    pub(crate) fn remove_ping(&mut self, i: usize) {
        self.pings.remove(i);
        self.unspill();
    }

    /// Moves the list back inline once it fits again: after a stall that kept a few pings (a
    /// miss, its orphans), a connection does not hold their heap buffer for good.
    fn unspill(&mut self) {
        if self.pings.spilled() && self.pings.len() <= self.pings.inline_size() {
            self.pings.shrink_to_fit();
        }
    }

    /// Marks check `check`'s latest ping as counted missed.
    pub(crate) fn mark_missed(&mut self, check: usize) {
        if let Some(ping) = self.pings.iter_mut().rfind(|p| p.check == Some(check)) {
            ping.uncounted = true;
        }
    }

    /// Forgets ping `ticket`, whose check stopped waiting for it; keeps it as an orphan while
    /// its pong may still answer an earlier ping.
    pub(crate) fn forget_ping(&mut self, ticket: Ticket) {
        if let Some(ping) = self.pings.iter_mut().find(|p| p.ticket == ticket) {
            ping.orphaned = true;
            ping.check = None;
            ping.waker = None;
        }
        self.drop_orphans();
    }

    /// Keeps a ping the application wrote as a message of its own, as an orphan until it is
    /// answered: a peer may answer only the latest ping (RFC 6455 §5.5.3), and its pong then
    /// answers ours written before it. Not counted as sent. Not kept while one with the same
    /// payload awaits its pong (applications reuse payloads): which of the two a pong
    /// answered could not be told, and an earlier one's pong must not answer a ping of ours
    /// written after it. Nor past [`MAX_ORPHANS`] of them: one dropped for room would
    /// reopen that doubt, while one not kept only leaves its pong unused.
    pub(crate) fn foreign_ping(&mut self, ticket: Ticket, payload: Bytes, now: Instant) {
        let awaiting = self.pings.iter().filter(|p| p.foreign && p.on_wire());
        let mut held = 0;
        for p in awaiting {
            if p.payload == payload {
                return;
            }
            held += 1;
        }
        if held >= MAX_ORPHANS {
            return;
        }
        // In wire order: before our pings not yet written (queued from another thread
        // while this pass wrote).
        let at = self
            .pings
            .iter()
            .position(|p| p.state == PingState::Queued)
            .unwrap_or(self.pings.len());
        let ping = PendingPing {
            ticket,
            check: None,
            payload,
            // Flushed, not Written: the flush counts Written pings as sent.
            state: PingState::Flushed(now),
            waker: None,
            orphaned: true,
            uncounted: true,
            foreign: true,
        };
        self.pings.insert(at, ping);
        self.drop_orphans();
    }

    /// Drops the orphans no pong can make useful: answered, never sent, or with no earlier
    /// ping still awaited (the application's own are kept until answered, see
    /// [`foreign_ping`](Self::foreign_ping), and ours counted missed, for their late pong);
    /// and all but the latest [`MAX_ORPHANS`] of ours, whose pongs answer the earlier pings as
    /// well (a `Sender::ping`, which has no timeout, awaited behind a peer that answers none
    /// would otherwise keep one more each interval, for good).
    fn drop_orphans(&mut self) {
        let mut awaited = false;
        self.retain_pings(|p| match p.orphaned {
            // The application's, and ours counted missed, are kept for their pongs: a late one
            // tells a timeout shorter than the round trip from a dead peer.
            true => (awaited || p.uncounted) && p.on_wire(),
            false => {
                awaited |= p.on_wire();
                true
            }
        });
        // The application's own are bounded as they come (`foreign_ping`).
        let ours = |p: &PendingPing| p.orphaned && !p.foreign;
        let mut surplus = self
            .pings
            .iter()
            .filter(|p| ours(p))
            .count()
            .saturating_sub(MAX_ORPHANS);
        self.retain_pings(|p| {
            let drop = ours(p) && surplus > 0;
            surplus -= usize::from(drop);
            !drop
        });
    }

    /// Keeps the pings `keep` accepts; counts those dropped while their flush is pending,
    /// which `pings_sent` counts once it completes.
    fn retain_pings(&mut self, mut keep: impl FnMut(&PendingPing) -> bool) {
        let mut unflushed = 0;
        self.pings.retain(|p| {
            let kept = keep(p);
            unflushed += u32::from(!kept && matches!(p.state, PingState::Written(_)));
            kept
        });
        self.forgotten_unflushed = self.forgotten_unflushed.saturating_add(unflushed);
        self.unspill();
    }

    /// Matches a pong to the ping it answers, which answers every earlier ping too
    /// (RFC 6455 §5.5.3): records their round-trip times in `stats`, puts them in `rtts` for
    /// the metrics (recorded by the caller, outside the lock: the recorder is the
    /// application's), and takes the wakers to wake into `wakers` (see [`take_waker`]).
    /// Says whether it answered a ping still awaited, only pings counted missed (the
    /// application's own aside), or none.
    pub(crate) fn answer_pong(
        &mut self,
        payload: &[u8],
        now: Instant,
        stats: &StatsCell,
        driver: &Waker,
        wakers: &mut Wakers,
        rtts: &mut Rtts,
    ) -> Pong {
        let matched = self.pings.iter().position(|p| {
            p.payload == payload && matches!(p.state, PingState::Written(_) | PingState::Flushed(_))
        });
        let Some(i) = matched else {
            return Pong::Unsolicited;
        };
        // The longest round trip of ours counted missed, if the pong answered only such pings
        // (and the application's own).
        let (mut awaited, mut late) = (false, None::<Duration>);
        for ping in &mut self.pings[..=i] {
            if let PingState::Written(sent) | PingState::Flushed(sent) = ping.state {
                // Answered while the flush it went out with was still pending (data written
                // after it): on the wire all the same, and counted as sent now. Its round trip
                // runs from the write, the best instant known.
                if matches!(ping.state, PingState::Written(_)) {
                    stats.ping_sent();
                }
                let rtt = now.saturating_duration_since(sent);
                ping.state = PingState::Answered(rtt);
                let polled_by_driver = ping.check.is_some().then_some(driver);
                take_waker(&mut ping.waker, polled_by_driver, wakers);
                if !ping.uncounted {
                    stats.record_rtt(rtt);
                    rtts.push(rtt);
                    awaited = true;
                } else if !ping.foreign {
                    late = late.max(Some(rtt));
                }
            }
        }
        if self.pings.iter().any(|p| p.orphaned) {
            self.drop_orphans();
        }
        match late {
            Some(rtt) if !awaited => Pong::Late(rtt),
            _ => Pong::Answered,
        }
    }
}

#[cfg(test)]
mod tests;
