//! Unit tests of the pings and requests in flight.

use super::*;

/// What `answer_pong` records into: the connection's stats, the wakers to wake, the round
/// trips sampled.
struct Pongs {
    stats: StatsCell,
    wakers: Wakers,
    rtts: Rtts,
}

impl Pongs {
    fn new(start: Instant) -> Pongs {
        Pongs {
            stats: StatsCell::new(start),
            wakers: Wakers::new(),
            rtts: Rtts::new(),
        }
    }

    /// `inner`'s answer to a pong with `payload`, come at `at`.
    fn answer(&mut self, inner: &mut Inner, payload: &[u8], at: Instant) -> Pong {
        let (stats, wakers, rtts) = (&self.stats, &mut self.wakers, &mut self.rtts);
        inner.answer_pong(payload, at, stats, Waker::noop(), wakers, rtts)
    }
}

/// A ping of ours with `payload`, flushed at `start`, counted missed and given up by its run:
/// kept only for a late pong.
fn missed_ping(start: Instant, payload: &'static [u8]) -> Inner {
    let mut inner = Inner::default();
    inner.queue_ping(1, Some(0), Bytes::from_static(payload));
    inner.pings[0].state = PingState::Flushed(start);
    inner.mark_missed(0);
    inner.forget_ping(1);
    inner
}

#[test]
fn a_ping_answered_before_its_flush_completed_counts_as_sent() {
    let start = Instant::now();
    let mut pongs = Pongs::new(start);
    let mut inner = Inner::default();
    let ping = |ticket, payload: &'static [u8], state| PendingPing {
        ticket,
        check: None,
        payload: Bytes::from_static(payload),
        state,
        waker: None,
        orphaned: false,
        uncounted: false,
        foreign: false,
    };
    inner.pings.push(ping(1, b"one", PingState::Flushed(start)));
    inner.pings.push(ping(2, b"two", PingState::Written(start)));
    let later = start + Duration::from_millis(5);
    let answered = pongs.answer(&mut inner, b"two", later);
    assert_eq!(answered, Pong::Answered);
    assert_eq!(pongs.rtts.len(), 2);
    let seen = pongs.stats.snapshot(start + Duration::from_millis(5));
    // The flushed one was counted at its flush (not here); the other one now.
    assert_eq!(seen.pings_sent, 1);
    assert_eq!(seen.pongs_received, 2);
}

/// A ping of ours counted missed, then another with the same payload (a check's constant
/// payload): the pong, which a peer may send for the latest ping alone, answers the new
/// one, not the old one late. It answered the old one, and left the new one to be missed,
/// and every one after it.
#[test]
fn a_pong_answers_a_new_ping_before_a_missed_one_with_its_payload() {
    let start = Instant::now();
    let mut pongs = Pongs::new(start);
    let mut inner = missed_ping(start, b"same");
    assert_eq!(inner.pings.len(), 1, "kept for its late pong");
    let later = start + Duration::from_secs(1);
    inner.queue_ping(2, Some(0), Bytes::from_static(b"same"));
    inner.pings.last_mut().unwrap().state = PingState::Flushed(later);
    let pong = pongs.answer(&mut inner, b"same", later);
    assert_eq!(pong, Pong::Answered);
    let states: Vec<_> = inner.pings.iter().map(|p| (p.ticket, p.state)).collect();
    assert_eq!(states, [(2, PingState::Answered(Duration::ZERO))]);
}

/// A pong for a ping counted missed, with no other on the wire: late, with its round
/// trip, and no sample; the list it grew to is back inline once it is taken.
#[test]
fn a_pong_for_a_missed_ping_is_late() {
    let start = Instant::now();
    let mut pongs = Pongs::new(start);
    let mut inner = missed_ping(start, b"one");
    inner.queue_ping(2, Some(0), Bytes::from_static(b"two"));
    assert!(inner.pings.spilled());
    let later = start + Duration::from_millis(150);
    let pong = pongs.answer(&mut inner, b"one", later);
    assert_eq!(pong, Pong::Late(Duration::from_millis(150)));
    assert!(pongs.rtts.is_empty());
    assert_eq!(pongs.stats.snapshot(later).pongs_received, 0);
    // The late one is dropped as an answered orphan; the queued one fits inline again.
    assert_eq!(inner.pings.len(), 1);
    assert!(!inner.pings.spilled());
}

/// Behind a ping awaited for good, orphans do not pile up: the latest are kept, and the
/// latest one's pong still answers the awaited ping.
#[test]
fn orphans_behind_an_awaited_ping_are_bounded() {
    let start = Instant::now();
    let mut inner = Inner::default();
    for ticket in 0..20u32 {
        inner.pings.push(PendingPing {
            ticket,
            check: Some(0),
            payload: Bytes::from(ticket.to_be_bytes().to_vec()),
            state: PingState::Flushed(start),
            waker: None,
            orphaned: false,
            uncounted: false,
            foreign: false,
        });
        if ticket > 0 {
            inner.forget_ping(ticket);
        }
    }
    assert_eq!(inner.pings.len(), 1 + MAX_ORPHANS);
    let mut pongs = Pongs::new(start);
    let latest = 19u32.to_be_bytes();
    let now = start + Duration::from_millis(5);
    assert_eq!(pongs.answer(&mut inner, &latest, now), Pong::Answered);
    assert_eq!(
        inner.pings[0].state,
        PingState::Answered(Duration::from_millis(5))
    );
}

/// The application's ping goes in wire order, before ours not yet written (queued from
/// another thread meanwhile): its pong answers ours written before it, not those after.
#[test]
fn the_applications_ping_answers_only_what_was_written_before_it() {
    let start = Instant::now();
    let mut inner = Inner::default();
    let ours = |ticket: u32, state| PendingPing {
        ticket,
        check: Some(0),
        payload: Bytes::from(ticket.to_be_bytes().to_vec()),
        state,
        waker: None,
        orphaned: false,
        uncounted: false,
        foreign: false,
    };
    inner.pings.push(ours(1, PingState::Flushed(start)));
    inner.pings.push(ours(2, PingState::Queued));
    inner.foreign_ping(3, Bytes::from_static(b"app"), start);
    let mut pongs = Pongs::new(start);
    let now = start + Duration::from_millis(5);
    assert_eq!(pongs.answer(&mut inner, b"app", now), Pong::Answered);
    let states: Vec<_> = inner.pings.iter().map(|p| p.state).collect();
    let answered = PingState::Answered(Duration::from_millis(5));
    assert_eq!(states, [answered, PingState::Queued]);
    assert_eq!(pongs.rtts.len(), 1, "the application's own is no sample");
}

/// The application's pings awaiting their pongs are bounded as they come, never by
/// dropping one whose pong may still come: a later one with its payload would be kept,
/// and the earlier one's pong would answer ours written between them.
#[test]
fn the_applications_pings_are_bounded_as_they_come() {
    let start = Instant::now();
    let mut inner = Inner::default();
    for (ticket, payload) in [b"x", b"a", b"b", b"c", b"d"].into_iter().enumerate() {
        inner.foreign_ping(ticket as Ticket, Bytes::from_static(payload), start);
    }
    let held: Vec<_> = inner.pings.iter().map(|p| p.payload.clone()).collect();
    assert_eq!(held, [&b"x"[..], b"a", b"b", b"c"]);
    inner.pings.push(PendingPing {
        ticket: 9,
        check: Some(0),
        payload: Bytes::from_static(b"ours"),
        state: PingState::Flushed(start),
        waker: None,
        orphaned: false,
        uncounted: false,
        foreign: false,
    });
    inner.foreign_ping(10, Bytes::from_static(b"x"), start);
    assert_eq!(inner.pings.len(), 5, "a second x is not kept");
    let mut pongs = Pongs::new(start);
    assert_eq!(pongs.answer(&mut inner, b"x", start), Pong::Answered);
    assert_eq!(
        inner.pings.last().map(|p| p.state),
        Some(PingState::Flushed(start))
    );
}

/// Only a ping counted missed gives way to a new one with its payload: one still awaited is
/// kept, and the pong answers it, not the new one alone.
#[test]
fn a_new_ping_keeps_an_awaited_one_with_its_payload() {
    let start = Instant::now();
    let mut pongs = Pongs::new(start);
    let mut inner = Inner::default();
    inner.queue_ping(1, None, Bytes::from_static(b"same"));
    inner.pings[0].state = PingState::Flushed(start);
    inner.queue_ping(2, None, Bytes::from_static(b"same"));
    let tickets: Vec<_> = inner.pings.iter().map(|p| p.ticket).collect();
    assert_eq!(tickets, [1, 2]);
    let later = start + Duration::from_millis(5);
    let pong = pongs.answer(&mut inner, b"same", later);
    assert_eq!(pong, Pong::Answered);
    let states: Vec<_> = inner.pings.iter().map(|p| p.state).collect();
    let answered = PingState::Answered(Duration::from_millis(5));
    assert_eq!(states, [answered, PingState::Queued]);
}

/// A cut-off ping kept behind an awaited one is not counted missed: a new ping with its
/// payload keeps it, and the first pong with that payload is the cut-off one's, which
/// answers the awaited ping, not the new one.
#[test]
fn a_new_ping_keeps_a_cut_off_one_with_its_payload() {
    let start = Instant::now();
    let mut pongs = Pongs::new(start);
    let mut inner = Inner::default();
    inner.queue_ping(1, Some(0), Bytes::from_static(b"awaited"));
    inner.queue_ping(2, Some(1), Bytes::from_static(b"same"));
    for ping in &mut inner.pings {
        ping.state = PingState::Flushed(start);
    }
    inner.forget_ping(2);
    inner.queue_ping(3, Some(1), Bytes::from_static(b"same"));
    inner.pings[2].state = PingState::Flushed(start);
    let later = start + Duration::from_millis(5);
    let pong = pongs.answer(&mut inner, b"same", later);
    assert_eq!(pong, Pong::Answered);
    let states: Vec<_> = inner.pings.iter().map(|p| (p.ticket, p.state)).collect();
    let answered = PingState::Answered(Duration::from_millis(5));
    assert_eq!(
        states,
        [(1, answered), (3, PingState::Flushed(start))],
        "the answered orphan is dropped; the new ping still awaits its pong"
    );
}

/// Ours on the wire do not count toward the bound on the application's pings: four of its
/// own are kept behind one of ours.
#[test]
fn the_applications_pings_are_bounded_apart_from_ours() {
    let start = Instant::now();
    let mut inner = Inner::default();
    inner.queue_ping(1, Some(0), Bytes::from_static(b"ours"));
    inner.pings[0].state = PingState::Flushed(start);
    for (ticket, payload) in [(2, b"a"), (3, b"b"), (4, b"c"), (5, b"d")] {
        inner.foreign_ping(ticket, Bytes::from_static(payload), start);
    }
    let tickets: Vec<_> = inner.pings.iter().map(|p| p.ticket).collect();
    assert_eq!(tickets, [1, 2, 3, 4, 5]);
}

/// A future polled again with another waker (moved to another task) is woken through the
/// latest one, as `Future::poll` requires.
#[test]
fn a_probe_keeps_the_latest_waker_it_was_polled_with() {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let first = Waker::from(std::sync::Arc::new(Noop));
    let second = Waker::from(std::sync::Arc::new(Noop));
    let mut slot = None;
    register(&mut slot, &first);
    register(&mut slot, &second);
    assert!(slot.is_some_and(|held| held.will_wake(&second)));
}

/// A request's message is marked written only when its own place in the outbound queue's
/// order is taken, not at an earlier message of the application's.
#[test]
fn a_request_is_written_at_its_own_place_in_the_queue() {
    let start = Instant::now();
    let mut inner = Inner::default();
    inner.expects.push(Expectation {
        ticket: 1,
        check: Some(0),
        matcher: Box::new(|_| false),
        answer: None,
        waker: None,
        panicked: false,
        message: Some((5, PingState::Queued)),
    });
    assert!(
        !inner.written(4, start),
        "an earlier message is not the request's"
    );
    assert_eq!(inner.expects[0].message, Some((5, PingState::Queued)));
    let later = start + Duration::from_millis(5);
    assert!(inner.written(5, later));
    assert_eq!(
        inner.expects[0].message,
        Some((5, PingState::Written(later)))
    );
}

/// A pong for an awaited ping answers a missed one written before it too: the awaited one's
/// answer, not a late one's.
#[test]
fn a_pong_for_an_awaited_ping_behind_a_missed_one_is_not_late() {
    let start = Instant::now();
    let mut pongs = Pongs::new(start);
    let mut inner = missed_ping(start, b"one");
    inner.queue_ping(2, Some(0), Bytes::from_static(b"two"));
    inner.pings[1].state = PingState::Flushed(start);
    let later = start + Duration::from_millis(5);
    let pong = pongs.answer(&mut inner, b"two", later);
    assert_eq!(pong, Pong::Answered);
    assert_eq!(pongs.rtts.len(), 1, "the missed one is no sample");
}

/// A ping dropped while its flush is pending is counted for `pings_sent` once the flush
/// completes; one dropped after its flush was counted then.
#[test]
fn pings_dropped_before_their_flush_are_counted_for_it() {
    let start = Instant::now();
    let mut inner = Inner::default();
    inner.queue_ping(1, Some(0), Bytes::from_static(b"one"));
    inner.queue_ping(2, Some(1), Bytes::from_static(b"two"));
    inner.pings[0].state = PingState::Flushed(start);
    inner.pings[1].state = PingState::Written(start);
    inner.forget_ping(1);
    inner.forget_ping(2);
    assert!(inner.pings.is_empty());
    assert_eq!(inner.forgotten_unflushed, 1);
}
