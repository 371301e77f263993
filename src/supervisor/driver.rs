//! The per-connection driver: one task that owns the socket, runs the checks and applies
//! the policy.
//!
//! It is a hand-written poll loop rather than a `select!` so that it can give the wire a
//! strict order on every wake-up — read first (a pong that already arrived is seen before any
//! deadline is judged), then checks, then writes (control frames before data) — and so that
//! it sleeps on exactly one timer, armed for the earliest deadline of the connection.

use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tracing::{debug, info, trace, warn, Span};

use super::plan::Plan;
use super::shared::{PingState, Shared, NOT_POLLING};
use super::{Disconnect, Initiator, Transport};
use crate::check::CheckContext;
use crate::policy::{Action, ActionEvent, LogLevel, PolicyEngine, Transition};
use crate::{frame, Health};

type CheckFuture = Pin<Box<dyn Future<Output = Health> + Send>>;

/// Runs the connection to its end.
pub(crate) fn run<S: Transport>(
    ws: S,
    shared: Arc<Shared>,
    plan: watch::Receiver<Arc<Plan>>,
) -> impl Future<Output = Disconnect> + Send + 'static {
    // Created now, not at the first poll: a future dropped before it ever ran still ends
    // the connection (see `Unfinished`).
    let unfinished = Unfinished(shared.clone());
    async move {
        let _unfinished = unfinished;
        let mut driver = Driver::new(ws, shared, plan);
        debug!("supervising connection");
        let mut end = poll_fn(|cx| driver.poll(cx)).await;
        driver.finish(&mut end);
        end
    }
}

struct Driver<S> {
    ws: S,
    shared: Arc<Shared>,
    plan_rx: watch::Receiver<Arc<Plan>>,
    plan: Arc<Plan>,
    slots: Vec<Slot>,
    engine: PolicyEngine,
    timer: Pin<Box<Sleep>>,
    timer_at: Option<Instant>,
    /// Something was handed to the transport and not yet flushed.
    flush_needed: bool,
    /// Running checks need a poll: a probe was answered, a run started, or we were woken.
    poll_runs: bool,
    /// The inbound queue is full: reading is paused.
    stalled: bool,
    closing: Option<Closing>,
    /// How the connection is ending; set by the first close or failure.
    outcome: Option<Disconnect>,
    /// The transport is finished: the stream ended or failed, or a write failed.
    transport_done: bool,
}

struct Closing {
    deadline: Instant,
    /// Our close frame, until it is handed to the transport.
    frame: Option<CloseFrame>,
    /// Send the application's queued messages before the close frame.
    after_data: bool,
}

struct Slot {
    /// When the next run starts: `grid` plus jitter.
    next_due: Instant,
    /// The jitter-free start of the next run. Runs keep to this grid, so that a late
    /// wake-up delays one ping without pushing back every later one.
    grid: Instant,
    run: Option<Run>,
}

struct Run {
    future: CheckFuture,
    deadline: Instant,
    /// The inbound queue was full at some point of the run.
    stalled: bool,
    /// The deadline was moved once to cover a ping that was flushed late.
    extended: bool,
    span: Span,
}

impl<S: Transport> Driver<S> {
    fn new(ws: S, shared: Arc<Shared>, mut plan_rx: watch::Receiver<Arc<Plan>>) -> Self {
        let plan = plan_rx.borrow_and_update().clone();
        let now = Instant::now();
        let slots = plan
            .checks
            .iter()
            .map(|c| {
                let grid = now + c.settings.first_delay();
                Slot {
                    next_due: grid + jitter(c.settings.jitter),
                    grid,
                    run: None,
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
            poll_runs: false,
            stalled: false,
            closing: None,
            outcome: None,
            transport_done: false,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Disconnect> {
        self.shared.register_driver(cx.waker());
        self.poll_runs = true;
        loop {
            let now = Instant::now();
            let mut progress = self.take_requests(now);
            progress |= self.read(cx, now);
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

    /// Close requests from the application, and the application going away.
    fn take_requests(&mut self, now: Instant) -> bool {
        if self.closing.is_some() {
            return false;
        }
        let request = self.shared.lock().close_request.clone();
        if let Some(frame) = request {
            self.begin_close(frame, Initiator::Application, false, now);
            return true;
        }
        if self.shared.abandoned() {
            let frame = frame::close_frame(1000, "").expect("1000 is a valid close code");
            self.begin_close(frame, Initiator::Application, false, now);
            return true;
        }
        false
    }

    fn read(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        let mut progress = false;
        while !self.transport_done {
            if self.shared.lock().inbound.len() >= self.shared.inbound_capacity {
                if !self.stalled {
                    self.stalled = true;
                    self.shared.set_reading_paused(true);
                    for run in self.slots.iter_mut().filter_map(|s| s.run.as_mut()) {
                        run.stalled = true;
                    }
                    debug!("inbound queue full: reading paused until the application catches up");
                }
                break;
            }
            if self.stalled {
                self.stalled = false;
                self.shared.set_reading_paused(false);
            }
            match self.ws.poll_next_unpin(cx) {
                Poll::Pending => break,
                Poll::Ready(Some(Ok(message))) => {
                    progress = true;
                    self.shared.stats.frame_in(now);
                    self.on_message(message, now);
                }
                Poll::Ready(Some(Err(err))) => {
                    progress = true;
                    self.transport_failed(&err);
                }
                Poll::Ready(None) => {
                    progress = true;
                    self.transport_done = true;
                    match &mut self.outcome {
                        Some(outcome) => outcome.clean = true,
                        None => {
                            self.outcome = Some(Disconnect::new(
                                Initiator::Network,
                                1006,
                                "stream ended without a close frame",
                            ))
                        }
                    }
                }
            }
        }
        progress
    }

    fn on_message(&mut self, message: Message, now: Instant) {
        match message {
            Message::Text(_) | Message::Binary(_) => self.deliver(message),
            Message::Pong(payload) => {
                let mut inner = self.shared.lock();
                let matched = inner.pings.iter().position(|p| {
                    p.payload == payload
                        && matches!(p.state, PingState::Written(_) | PingState::Flushed(_))
                });
                let Some(i) = matched else {
                    trace!("unsolicited pong ignored");
                    return;
                };
                // A pong answers its ping and every earlier one (RFC 6455 §5.5.3).
                for ping in &mut inner.pings[..=i] {
                    if let PingState::Written(sent) | PingState::Flushed(sent) = ping.state {
                        let rtt = now.saturating_duration_since(sent);
                        ping.state = PingState::Answered(rtt);
                        self.shared.stats.record_rtt(rtt);
                    }
                }
                self.poll_runs = true;
            }
            // tungstenite queued the pong; it leaves with the next read or flush.
            Message::Ping(_) => self.flush_needed = true,
            Message::Close(frame) => {
                self.flush_needed = true;
                if self.closing.is_none() {
                    let (code, reason) = match &frame {
                        Some(f) => (u16::from(f.code), f.reason.as_str().to_owned()),
                        None => (1005, String::new()),
                    };
                    info!(code, reason, "peer closed the connection");
                    self.outcome = Some(Disconnect::new(Initiator::Peer, code, reason));
                    self.closing = Some(Closing {
                        deadline: now + self.plan.policy.close_timeout,
                        frame: None,
                        after_data: false,
                    });
                    self.shared.lock().close_request.get_or_insert_with(|| {
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
    fn deliver(&mut self, message: Message) {
        let mut inner = self.shared.lock();
        let expected = inner.expects.iter_mut().find(|e| {
            e.answer.is_none()
                && catch_unwind(AssertUnwindSafe(|| (e.matcher)(&message))).unwrap_or(false)
        });
        if let Some(expectation) = expected {
            expectation.answer = Some(message);
            self.poll_runs = true;
            return;
        }
        inner.inbound.push_back(message);
        let waker = inner.recv_waker.take();
        drop(inner);
        self.shared.stats.message_received();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn transport_failed(&mut self, err: &dyn std::error::Error) {
        self.transport_done = true;
        if self.outcome.is_none() {
            debug!(error = %err, "transport failed");
            self.outcome = Some(Disconnect::new(Initiator::Network, 1006, err.to_string()));
        }
    }

    fn run_checks(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        if self.closing.is_some() {
            return false;
        }
        if self.plan_rx.has_changed().unwrap_or(false) {
            self.plan = self.plan_rx.borrow_and_update().clone();
            self.engine.set_rules(self.plan.rules());
            debug!("configuration reloaded");
        }
        let mut progress = false;
        if std::mem::take(&mut self.poll_runs) {
            for i in 0..self.slots.len() {
                if let Some(health) = self.poll_run(i, cx) {
                    progress = true;
                    let run = self.slots[i].run.take().expect("polled a running check");
                    self.complete(i, run, health, now);
                    if self.closing.is_some() {
                        return true;
                    }
                }
            }
        }
        for i in 0..self.slots.len() {
            if !self.plan.checks[i].settings.enabled {
                continue;
            }
            let slot = &mut self.slots[i];
            match &slot.run {
                Some(run) if now >= run.deadline => {
                    progress = true;
                    self.time_out(i, now);
                    if self.closing.is_some() {
                        return true;
                    }
                }
                None if now >= slot.next_due => {
                    progress = true;
                    self.start(i, now);
                }
                _ => {}
            }
        }
        progress
    }

    fn start(&mut self, i: usize, now: Instant) {
        let planned = &self.plan.checks[i];
        let check = planned.check.clone();
        let ctx = CheckContext::new(self.shared.clone(), planned.name.clone());
        let span = tracing::trace_span!("check", name = &*planned.name);
        self.slots[i].run = Some(Run {
            future: Box::pin(async move { check.check(&ctx).await }),
            deadline: now + planned.settings.timeout,
            stalled: self.stalled,
            extended: false,
            span,
        });
        self.poll_runs = true;
    }

    /// Polls check `i` if it is running; its result if it finished (or panicked).
    fn poll_run(&mut self, i: usize, cx: &mut Context<'_>) -> Option<Health> {
        let run = self.slots[i].run.as_mut()?;
        self.shared.polling_check.store(i, Ordering::Relaxed);
        let polled = catch_unwind(AssertUnwindSafe(|| {
            run.span.in_scope(|| run.future.as_mut().poll(cx))
        }));
        self.shared
            .polling_check
            .store(NOT_POLLING, Ordering::Relaxed);
        match polled {
            Ok(Poll::Pending) => None,
            Ok(Poll::Ready(health)) => Some(health),
            Err(panic) => {
                let message = panic_message(&*panic);
                warn!(
                    check = &*self.plan.checks[i].name,
                    panic = message,
                    "check panicked"
                );
                Some(Health::unhealthy(format!("check panicked: {message}")))
            }
        }
    }

    fn time_out(&mut self, i: usize, now: Instant) {
        let timeout = self.plan.checks[i].settings.timeout;
        let ping = {
            let inner = self.shared.lock();
            inner
                .pings
                .iter()
                .filter(|p| p.check == Some(i))
                .map(|p| p.state)
                .last()
        };
        let run = self.slots[i]
            .run
            .as_mut()
            .expect("timed out a running check");
        // The pong deadline runs from the flush: a ping that waited behind our own backed-up
        // writes gets its full timeout once, counted from when it left.
        if let Some(PingState::Flushed(sent)) = ping {
            if !run.extended && sent + timeout > now {
                run.extended = true;
                run.deadline = sent + timeout;
                return;
            }
        }
        let run = self.slots[i].run.take().expect("timed out a running check");
        let stalled = run.stalled;
        drop(run); // cancels its probes
        let health = if stalled {
            Health::degraded(format!(
                "slow consumer: the application left the inbound queue full, \
                 so no answer could be read within {timeout:?}"
            ))
        } else if ping.is_some() {
            self.shared.stats.ping_missed();
            Health::unhealthy("keepalive ping timeout")
        } else {
            Health::unhealthy(format!("timed out after {timeout:?}"))
        };
        self.finish_run(i, health, now);
    }

    fn complete(&mut self, i: usize, run: Run, health: Health, now: Instant) {
        drop(run);
        self.finish_run(i, health, now);
    }

    fn finish_run(&mut self, i: usize, health: Health, now: Instant) {
        let plan = self.plan.clone();
        let planned = &plan.checks[i];
        let slot = &mut self.slots[i];
        // The next start is one interval after this one was due, not after it started; a
        // run that overran its interval (a long timeout) is followed at once.
        slot.grid = (slot.grid + planned.settings.interval).max(now);
        slot.next_due = slot.grid + jitter(planned.settings.jitter);
        trace!(check = &*planned.name, %health, "check finished");
        let step = self.engine.observe(i, health.status());
        if let Some(t) = step.check {
            debug!(check = &*planned.name, from = %t.from, to = %t.to, %health, "check status changed");
        }
        if let Some(t) = step.connection {
            self.transition(&plan, i, t, &health, now);
        }
    }

    /// The connection's status changed because of check `i`: publish it and act.
    fn transition(&mut self, plan: &Plan, i: usize, t: Transition, health: &Health, now: Instant) {
        let name = &*plan.checks[i].name;
        let mut status = Health::new(t.to, format!("{name}: {}", health.reason()));
        if let Some(rtt) = health.rtt() {
            status = status.with_rtt(rtt);
        }
        if let Some(observer) = &self.shared.observer {
            observer.status_changed(self.shared.id, t.from, &status);
        }
        self.shared.health.set(status);
        for action in plan.actions(i, t) {
            match action {
                Action::Log { level } => log_transition(*level, name, t, health),
                Action::Close { code, reason } => {
                    let reason = reason
                        .as_deref()
                        .unwrap_or_else(|| frame::truncate_reason(health.reason()));
                    self.policy_close(*code, reason, false, now);
                }
                Action::Reconnect => {
                    let reason = frame::truncate_reason(health.reason());
                    self.policy_close(1011, reason, true, now);
                }
                Action::Custom { name: action } => {
                    let event = ActionEvent {
                        connection_id: self.shared.id,
                        check: name,
                        health,
                        from: t.from,
                        to: t.to,
                    };
                    if let Some(custom) = plan.custom.get(action) {
                        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| custom.run(&event))) {
                            warn!(
                                action,
                                panic = panic_message(&*panic),
                                "custom action panicked"
                            );
                        }
                    }
                }
            }
        }
    }

    fn policy_close(&mut self, code: u16, reason: &str, reconnect: bool, now: Instant) {
        match frame::close_frame(code, reason) {
            Ok(frame) => self.begin_close(frame, Initiator::Policy, reconnect, now),
            // Validated when the plan was built; kept as a fallback, never a panic.
            Err(err) => warn!(%err, "policy close refused"),
        }
    }

    fn begin_close(
        &mut self,
        frame: CloseFrame,
        initiator: Initiator,
        reconnect: bool,
        now: Instant,
    ) {
        if self.closing.is_some() {
            return;
        }
        let code = u16::from(frame.code);
        let reason = frame.reason.as_str().to_owned();
        match initiator {
            Initiator::Policy => warn!(code, reason, "closing connection"),
            _ => debug!(code, reason, "closing connection"),
        }
        let mut outcome = Disconnect::new(initiator, code, reason);
        outcome.reconnect = reconnect;
        self.outcome = Some(outcome);
        self.shared
            .lock()
            .close_request
            .get_or_insert_with(|| frame.clone());
        self.closing = Some(Closing {
            deadline: now + self.plan.policy.close_timeout,
            frame: Some(frame),
            after_data: initiator == Initiator::Application,
        });
        self.cancel_runs();
    }

    fn write(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        if self.transport_done {
            return false;
        }
        let mut progress = false;
        if let Err(err) = self.write_frames(cx, now, &mut progress) {
            self.transport_failed(&err);
            return true;
        }
        if self.flush_needed {
            match self.ws.poll_flush_unpin(cx) {
                Poll::Ready(Ok(())) => {
                    self.flush_needed = false;
                    let mut inner = self.shared.lock();
                    for ping in &mut inner.pings {
                        if let PingState::Written(_) = ping.state {
                            ping.state = PingState::Flushed(now);
                            self.shared.stats.ping_sent();
                        }
                    }
                }
                Poll::Ready(Err(err)) => {
                    self.transport_failed(&err);
                    progress = true;
                }
                Poll::Pending => {}
            }
        }
        progress
    }

    /// Hands frames to the transport in priority order: pings, our close frame, then data.
    /// Stops early when the transport pushes back; the flush that follows makes room.
    fn write_frames(
        &mut self,
        cx: &mut Context<'_>,
        now: Instant,
        progress: &mut bool,
    ) -> Result<(), <S as Transport>::Error> {
        // Pings first: their round trip is what we measure. A ping stays Queued until the
        // transport takes it, so one that never left is reported as never answered.
        while self
            .shared
            .lock()
            .pings
            .iter()
            .any(|p| p.state == PingState::Queued)
        {
            if self.ws.poll_ready_unpin(cx)?.is_pending() {
                return Ok(());
            }
            let payload = {
                let mut inner = self.shared.lock();
                let ping = inner
                    .pings
                    .iter_mut()
                    .find(|p| p.state == PingState::Queued);
                ping.map(|p| {
                    p.state = PingState::Written(now);
                    p.payload.clone()
                })
            };
            let Some(payload) = payload else { break };
            self.ws.start_send_unpin(Message::Ping(payload))?;
            self.flush_needed = true;
            *progress = true;
        }
        let data_allowed = match &self.closing {
            None => true,
            Some(c) => c.after_data && c.frame.is_some(),
        };
        if data_allowed {
            for _ in 0..DATA_BATCH {
                if self.ws.poll_ready_unpin(cx)?.is_pending() {
                    return Ok(());
                }
                let (message, was_full) = {
                    let mut inner = self.shared.lock();
                    let was_full = inner.outbound.len() >= self.shared.outbound_capacity;
                    (inner.outbound.pop_front(), was_full)
                };
                let Some(message) = message else { break };
                if was_full {
                    self.shared.changed.notify_waiters();
                }
                self.ws.start_send_unpin(message)?;
                self.shared.stats.message_sent();
                self.flush_needed = true;
                *progress = true;
            }
        }
        if let Some(closing) = &mut self.closing {
            let data_pending = closing.after_data && !self.shared.lock().outbound.is_empty();
            if closing.frame.is_some() && !data_pending {
                if self.ws.poll_ready_unpin(cx)?.is_pending() {
                    return Ok(());
                }
                let frame = closing.frame.take();
                self.ws.start_send_unpin(Message::Close(frame))?;
                self.flush_needed = true;
                *progress = true;
            }
        }
        Ok(())
    }

    fn finished(&mut self, now: Instant) -> Option<Disconnect> {
        if self.transport_done {
            return self.outcome.clone();
        }
        let closing = self.closing.as_ref()?;
        if now >= closing.deadline {
            debug!("close handshake timed out; dropping the connection");
            return self.outcome.clone();
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
            .map(|(slot, _)| slot.run.as_ref().map_or(slot.next_due, |r| r.deadline))
            .min()
    }
}

// Needs no `Transport` bound, so that `Drop` can use it.
impl<S> Driver<S> {
    fn cancel_runs(&mut self) {
        for slot in &mut self.slots {
            slot.run = None;
        }
    }

    /// Publishes the end to the application; the transport is dropped with `self`.
    fn finish(&mut self, end: &mut Disconnect) {
        self.cancel_runs();
        let waker = {
            let mut inner = self.shared.lock();
            end.unsent = inner.outbound.len();
            if end.unsent > 0 {
                warn!(
                    unsent = end.unsent,
                    "connection ended with queued messages unsent"
                );
            }
            inner.ended = Some(end.clone());
            inner.pings.clear();
            inner.expects.clear();
            inner.recv_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        self.shared.changed.notify_waiters();
        if let Some(observer) = &self.shared.observer {
            observer.closed(self.shared.id, end);
        }
        if end.initiator == Initiator::Network {
            info!(%end, "connection lost");
        } else {
            debug!(%end, "connection ended");
        }
    }
}

impl<S> Drop for Driver<S> {
    /// The driver was dropped before the connection ended (the runtime shut down, an
    /// [`attach`](super::Supervisor::attach) future was dropped, the transport panicked):
    /// tell the application, so that `recv` and `closed` do not wait forever.
    fn drop(&mut self) {
        if self.shared.lock().ended.is_none() {
            let reason = "the supervisor stopped before the connection ended";
            self.finish(&mut Disconnect::new(Initiator::Application, 1006, reason));
        }
    }
}

/// Ends the connection if the driver future is dropped before its first poll (its task
/// aborted at once), when there is no `Driver` yet whose `Drop` would.
struct Unfinished(Arc<Shared>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        let shared = &self.0;
        let reason = "the supervisor stopped before the connection ended";
        let end = Disconnect::new(Initiator::Application, 1006, reason);
        let waker = {
            let mut inner = shared.lock();
            if inner.ended.is_some() {
                return;
            }
            inner.ended = Some(end.clone());
            inner.pings.clear();
            inner.expects.clear();
            inner.recv_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        shared.changed.notify_waiters();
        if let Some(observer) = &shared.observer {
            observer.closed(shared.id, &end);
        }
        debug!(%end, "connection ended");
    }
}

/// Data messages handed to the transport per pass, so one busy connection cannot starve
/// the checks and reads of its own task.
const DATA_BATCH: usize = 64;

fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::random_range(0..=nanos))
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)")
}

fn log_transition(level: LogLevel, check: &str, t: Transition, health: &Health) {
    macro_rules! at {
        ($level:expr) => {
            tracing::event!($level, check, from = %t.from, to = %t.to, %health, "connection health changed")
        };
    }
    match level {
        LogLevel::Trace => at!(tracing::Level::TRACE),
        LogLevel::Debug => at!(tracing::Level::DEBUG),
        LogLevel::Info => at!(tracing::Level::INFO),
        LogLevel::Warn => at!(tracing::Level::WARN),
        LogLevel::Error => at!(tracing::Level::ERROR),
    }
}
