//! The per-connection driver: one task that owns the socket, runs the checks and applies
//! the policy.
//!
//! It is a hand-written poll loop rather than a `select!` so that it can give the wire a
//! strict order on every wake-up — read first (a pong that already arrived is seen before any
//! deadline is judged), then checks, then writes (control frames before data) — and so that
//! it sleeps on exactly one timer, armed for the earliest deadline of the connection.

mod actions; // a status change's actions: log, close, reconnect, a custom one looked up
mod inbound; // reading: pongs to the pings in flight, messages to matchers or the queue
mod outbound; // writing: pings, then the close frame or data, then one flush
mod read_error; // a read error's close code, or an end without a close frame
mod reload; // a live reload on this connection
mod runs; // check runs: started, polled, cut off ("keepalive ping timeout"), judged
mod slack; // timer slack: deadlines rounded to a shared grid
mod slot; // a check's next start and its run in flight

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use smallvec::SmallVec;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tracing::{debug, info};

use super::drivers::Registered;
use super::later::later;
use super::plan::Plan;
use super::shared::Shared;
use super::{Disconnect, Initiator, Transport};
use crate::lean::WriteProgress;
use crate::metrics::ConnectionGauge;
use crate::policy::PolicyEngine;
use runs::jitter;
use slot::Slot;

/// Runs the connection to its end.
pub(crate) fn run<S: Transport>(
    ws: S,
    write_progress: Option<WriteProgress>,
    shared: Arc<Shared>,
    plan: watch::Receiver<Arc<Plan>>,
    registered: Registered,
) -> impl Future<Output = Disconnect> + Send + 'static {
    // Created now, not at the first poll: a future dropped before it ever ran still ends
    // the connection (see `Unfinished`).
    let unfinished = Unfinished(shared.clone());
    // The arguments become the driver at the first poll, in place: an async block would keep
    // room for both, the transport twice (about 300 bytes per connection).
    // Counted open now too, so that opens and closes agree for a future dropped unpolled.
    let gauge = ConnectionGauge::opened(shared.side);
    let mut stage = Stage::Start(ws, write_progress, shared, plan, gauge);
    // Listed for reloads until the driver finishes.
    let mut registered = Some(registered);
    poll_fn(move |cx| {
        let _unfinished = &unfinished;
        if matches!(stage, Stage::Start(..)) {
            if let Stage::Start(ws, progress, shared, plan, gauge) =
                std::mem::replace(&mut stage, Stage::Done)
            {
                stage = Stage::Driving(Driver::new(ws, progress, shared, plan, gauge));
                debug!("supervising connection");
            }
        }
        let Stage::Driving(driver) = &mut stage else {
            return Poll::Pending; // polled after completion
        };
        let Poll::Ready(mut end) = driver.poll(cx) else {
            return Poll::Pending;
        };
        driver.finish(&mut end);
        stage = Stage::Done; // drops the transport now, as the connection ends
        drop(registered.take());
        Poll::Ready(end)
    })
}

/// The driver's future: its arguments until the first poll, then the driver.
// Unboxed on purpose: the driver lives in the task, not in one more allocation.
#[allow(clippy::large_enum_variant)]
enum Stage<S> {
    Start(
        S,
        Option<WriteProgress>,
        Arc<Shared>,
        watch::Receiver<Arc<Plan>>,
        ConnectionGauge,
    ),
    Driving(Driver<S>),
    Done,
}

struct Driver<S> {
    ws: S,
    shared: Arc<Shared>,
    plan_rx: watch::Receiver<Arc<Plan>>,
    plan: Arc<Plan>,
    /// One slot per check, inline for the usual single check.
    slots: SmallVec<[Slot; 1]>,
    engine: PolicyEngine,
    timer: Pin<Box<Sleep>>,
    timer_at: Option<Instant>,
    /// Something was handed to the transport and not yet flushed.
    flush_needed: bool,
    /// A ping was handed to the transport and not yet flushed.
    pings_unflushed: bool,
    /// A check's request message was handed to the transport since the last flush.
    requests_unflushed: bool,
    /// The bytes the socket has taken, if the transport counts them.
    write_progress: Option<WriteProgress>,
    /// The `write_progress` count when the pending flush stalled; `None` once flushed. Read
    /// only at a stuck ping's deadline, never on a ping that flushes at once.
    flush_stalled_at: Option<u64>,
    /// Running checks need a poll: a probe was answered, a run started, or we were woken.
    poll_runs: bool,
    /// The inbound queue is full: reading is paused.
    stalled: bool,
    /// Requests were told reading is paused (`Shared::reading_paused`): from the stall to the
    /// end of the first read pass after it that was not cut short.
    pause_published: bool,
    /// Polls in a row ended after `read`, before a passed deadline was judged, because
    /// tokio's cooperative budget ran out (see `read_starved`).
    starved: u8,
    /// The payload pool's window of the built-in ping's next ping: taken in turn, from a
    /// random one per connection, so that a connection's pings repeat none within 65,536.
    next_window: u16,
    closing: Option<Box<Closing>>,
    /// How the connection is ending; set by the first close or failure.
    outcome: Option<Box<Disconnect>>,
    /// The transport is finished: the stream ended or failed, or a write failed.
    transport_done: bool,
    /// The peer broke the protocol: nothing more can be read, our close frame goes out and
    /// the connection ends (see `fail`).
    read_failed: bool,
    /// The connection reached its worse status through a check whose own actions ran
    /// instead of the policy's, which the next check to fail there without its own runs.
    policy_owed: bool,
    /// The check the published reason is about (see `publish`): a reload that disables it
    /// restates the reason.
    reason_of: u16,
    /// The connection's place in the `ws_health_connections` gauge.
    gauge: ConnectionGauge,
}

struct Closing {
    deadline: Instant,
    /// Our close frame, until it is handed to the transport.
    frame: Option<CloseFrame>,
    /// Send the application's queued messages before the close frame.
    after_data: bool,
    /// The peer's close frame was read: the stream's end then completes the handshake.
    peer_closed: bool,
}

impl<S: Transport> Driver<S> {
    fn new(
        ws: S,
        write_progress: Option<WriteProgress>,
        shared: Arc<Shared>,
        mut plan_rx: watch::Receiver<Arc<Plan>>,
        gauge: ConnectionGauge,
    ) -> Self {
        let plan = plan_rx.borrow_and_update().clone();
        let now = Instant::now();
        let slots = plan
            .checks
            .iter()
            .map(|c| {
                let grid = later(now, c.settings.first_delay());
                Slot {
                    next_due: later(grid, jitter(c.settings.jitter)),
                    grid,
                    run: None,
                    first_delayed: c.settings.initial_delay.is_some(),
                    unsent_excused: false,
                    panics: 0,
                }
            })
            .collect();
        Driver {
            ws,
            shared,
            engine: PolicyEngine::new(plan.rules()),
            plan_rx,
            plan,
            slots,
            timer: Box::pin(tokio::time::sleep_until(now)),
            timer_at: None,
            flush_needed: false,
            pings_unflushed: false,
            requests_unflushed: false,
            write_progress,
            flush_stalled_at: None,
            poll_runs: false,
            stalled: false,
            pause_published: false,
            starved: 0,
            next_window: rand::random(),
            closing: None,
            outcome: None,
            transport_done: false,
            read_failed: false,
            policy_owed: false,
            reason_of: 0,
            gauge,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Disconnect> {
        self.shared.register_driver(cx.waker());
        self.poll_runs = true;
        loop {
            let now = Instant::now();
            let mut progress = self.take_requests(now);
            progress |= self.read(cx, now);
            // A thread-local read: the only cost while the budget lasts.
            if !tokio::task::coop::has_budget_remaining() {
                return self.poll_past_budget(cx, now);
            }
            self.starved = 0;
            progress |= self.run_checks(cx, now);
            progress |= self.write(cx, now);
            if let Some(end) = self.finished(now) {
                return Poll::Ready(end);
            }
            if progress {
                continue;
            }
            if self.timer_fired(cx) {
                continue;
            }
            return Poll::Pending;
        }
    }

    /// The rest of a poll whose budget (tokio's 128 I/O operations per poll) is spent, most
    /// likely by a peer sending faster than one poll reads: past it the transport reads and
    /// writes `Pending`, bytes waiting or not. Then the poll ends, and the next comes at once.
    fn poll_past_budget(&mut self, cx: &mut Context<'_>, now: Instant) -> Poll<Disconnect> {
        // A passed deadline is judged after reading on: its answer may sit right behind the
        // data that spent the budget (a bounded number of polls, see `read_starved`).
        let judge = !self.read_starved(now);
        if judge {
            self.run_checks(cx, now);
        }
        // Written all the same, outside the budget, once per poll: else a flood would hold
        // back our pings, the pongs owed to the peer and our close frame until it stopped.
        let write = tokio::task::unconstrained(poll_fn(|cx| Poll::Ready(self.write(cx, now))));
        let _ = std::pin::pin!(write).poll(cx);
        if judge {
            if let Some(end) = self.finished(now) {
                return Poll::Ready(end);
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn finished(&mut self, now: Instant) -> Option<Disconnect> {
        if self.transport_done {
            return self.outcome.as_deref().cloned();
        }
        let closing = self.closing.as_ref()?;
        // Failed (`fail`): no reply can be read, so it ends once our close frame is out.
        if self.read_failed && closing.frame.is_none() && !self.flush_needed {
            return self.outcome.as_deref().cloned();
        }
        if now >= closing.deadline {
            // Both close frames went, and only the end of TCP did not come (a client waits for
            // the server to end it, RFC 6455 7.1.1, and may end it itself after a while): the
            // close handshake completed, and the close is clean (RFC 6455 7.1.4).
            let completed = closing.peer_closed && closing.frame.is_none() && !self.flush_needed;
            if completed {
                debug!("both close frames went, TCP not ended by the peer; dropping it");
            } else {
                debug!("close handshake timed out; dropping the connection");
            }
            let mut outcome = self.outcome.as_deref().cloned()?;
            outcome.clean |= completed;
            return Some(outcome);
        }
        None
    }

    /// Arms the one timer for the earliest deadline; true if it has already passed.
    fn timer_fired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(at) = self.next_deadline() else {
            return false;
        };
        if self.timer_at != Some(at) {
            self.timer.as_mut().reset(at);
            self.timer_at = Some(at);
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.timer_at = None;
            return true;
        }
        false
    }

    fn next_deadline(&self) -> Option<Instant> {
        if let Some(closing) = &self.closing {
            return Some(closing.deadline);
        }
        self.slots
            .iter()
            .zip(&self.plan.checks)
            .filter(|(_, planned)| planned.settings.enabled)
            .map(|(slot, planned)| {
                let due = slot.run.as_ref().map_or(slot.next_due, |r| r.deadline);
                slack::round_up(due, planned.settings.slack)
            })
            .min()
    }
}

impl<S> Driver<S> {
    /// Publishes the end to the application; the transport is dropped with `self`.
    fn finish(&mut self, end: &mut Disconnect) {
        self.cancel_runs();
        self.shared.end(end);
        if end.initiator == Initiator::Network {
            info!(%end, "connection lost");
        } else {
            debug!(%end, "connection ended");
        }
    }
}

/// Ends the connection if the driver future is dropped before it finished (its task was
/// aborted, the runtime shut down, an `attach` future was dropped, even before its first
/// poll), so that `recv` and `closed` do not wait forever.
struct Unfinished(Arc<Shared>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        // Its task aborted (a server's shutdown timeout), its runtime shut down, or an
        // `attach` future dropped: said in terms an operator reading a log can act on.
        let reason = "dropped before the connection ended (its task was aborted, e.g. at a \
                      shutdown timeout, or its runtime shut down)";
        let mut end = Disconnect::new(Initiator::Application, 1006, reason);
        if self.0.end(&mut end) {
            debug!(%end, "connection ended");
        }
    }
}
