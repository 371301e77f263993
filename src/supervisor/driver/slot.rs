//! A check's place on a connection: when it runs next, and its run in flight.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;

use tokio::time::Instant;
use tracing::{debug, warn};

use crate::check::{Probe, Ticket};
use crate::error::panic_message;
use crate::in_a_row::is_power_of_ten;
use crate::supervisor::shared::Shared;
use crate::Health;

type CheckFuture = Pin<Box<dyn Future<Output = Health> + Send>>;

/// A check's place on the connection: when it runs next, and its run in flight.
pub(super) struct Slot {
    /// When the next run starts: `grid` plus jitter.
    pub(super) next_due: Instant,
    /// The jitter-free start of the next run. Runs keep to this grid, so that a late
    /// wake-up delays one ping without pushing back every later one.
    pub(super) grid: Instant,
    pub(super) run: Option<Run>,
    /// The next run is the first, timed by an explicit `initial_delay`: a reload keeps its
    /// time (it lies on no interval's grid).
    pub(super) first_delayed: bool,
    /// The last run timed out paused with its ping never sent (see `time_out`): the next
    /// such run is a miss.
    pub(super) unsent_excused: bool,
    /// This check's runs in a row that panicked, polled or dropped (see `end_run`): a check
    /// that panics on every run warns the 1st, 10th, 100th, ... time, not every run. In what
    /// was the struct's padding.
    pub(super) panics: u32,
}

/// A run of a check in flight.
pub(super) struct Run {
    pub(super) started: Instant,
    pub(super) work: Work,
    pub(super) deadline: Instant,
    /// The deadline was moved once to cover a ping that was flushed late.
    pub(super) extended: bool,
    /// The socket's byte count when this run last found its ping stuck behind our writes:
    /// each run judges the drain since its own look, not since another check's.
    pub(super) bytes_seen: Option<u64>,
}

/// What a run is waiting on.
pub(super) enum Work {
    /// A check's own future.
    Future(CheckFuture),
    /// The built-in [`PingCheck`](crate::check::PingCheck), run inline: the same steps as
    /// [`ping_pong`](crate::check::ping_pong) without a boxed future per run.
    Ping(InlinePing),
}

/// A ping in flight for an inline ping check; forgotten when dropped unanswered (a timeout,
/// a reload).
pub(super) struct InlinePing {
    shared: Arc<Shared>,
    pub(super) ticket: Ticket,
    /// `poll_pong` returned its answer, and with it removed the ping.
    pub(super) done: bool,
}

impl InlinePing {
    pub(super) fn new(shared: Arc<Shared>, ticket: Ticket) -> Self {
        InlinePing {
            shared,
            ticket,
            done: false,
        }
    }
}

impl Drop for InlinePing {
    fn drop(&mut self) {
        if !self.done {
            self.shared.cancel(self.ticket);
        }
    }
}

impl Slot {
    /// Ends `run`, check `check`'s (`polled`: the message of a panic in its last poll): drops
    /// it, its future and probes with it, containing a panic there (a guard's `Drop` in a
    /// check cut off) as one in its poll, which would end the driver and the connection.
    /// Counts the run in `panics` if it panicked either way, and logs each panic; a run that
    /// ended without one starts the count again.
    pub(super) fn end_run(&mut self, run: Run, check: &str, shared: &Shared, polled: Option<&str>) {
        let dropped = catch_unwind(AssertUnwindSafe(move || drop(run))).err();
        let dropped = dropped.as_deref().map(panic_message);
        if polled.is_none() && dropped.is_none() {
            self.panics = 0;
            return;
        }
        self.panics = self.panics.saturating_add(1);
        if let Some(panic) = polled {
            log_panic(self.panics, check, shared, panic, "check panicked");
        }
        if let Some(panic) = dropped {
            let what = "check panicked as its run was dropped";
            log_panic(self.panics, check, shared, panic, what);
        }
    }
}

/// Logs `panic`, check `check`'s, in the `panics`-th of its runs in a row that panicked: at
/// warn the 1st, 10th, 100th, ... time, at debug the others, so that a check that panics on
/// every run warns neither on every run nor once and never again. Every panic is logged.
fn log_panic(panics: u32, check: &str, shared: &Shared, panic: &str, what: &'static str) {
    let (id, peer) = shared.unspanned();
    if is_power_of_ten(panics) {
        warn!(id, peer, check, panic, panics, "{what}");
    } else {
        debug!(id, peer, check, panic, panics, "{what}");
    }
}
