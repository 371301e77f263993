//! Check runs: starting them on their grid, polling them, cutting them off, and feeding
//! their results to the policy engine.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tracing::{debug, trace, Instrument};

use super::slot::{InlinePing, Run, Work};
use super::{later, Driver};
use crate::check::{judge_rtt, pooled_payload, unanswered, CheckContext};
use crate::error::panic_message;
use crate::supervisor::in_flight::{PendingPing, PingState};
use crate::supervisor::shared::NOT_POLLING;
use crate::supervisor::Transport;
use crate::Health;

impl<S: Transport> Driver<S> {
    pub(super) fn run_checks(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        // Nothing left to judge once closing, or once the stream has ended in this pass: a
        // deadline met now would blame the peer for a connection the network already lost.
        if self.closing.is_some() || self.transport_done {
            return false;
        }
        if self.plan_rx.has_changed().unwrap_or(false) && self.reload(now) {
            return true;
        }
        let mut progress = false;
        if std::mem::take(&mut self.poll_runs) {
            for i in 0..self.slots.len() {
                if self.take_result(i, cx, now) {
                    progress = true;
                    if self.closing.is_some() {
                        return true;
                    }
                }
            }
        }
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            if !self.plan.checks[i].settings.enabled {
                continue; // its run in flight, if any, ended at the reload
            }
            match &slot.run {
                Some(run) if now >= run.deadline => {
                    progress = true;
                    // An answer ready at the deadline wins, as with `tokio::time::timeout`:
                    // it may have come since the polls above (from another thread, or from
                    // a run cut off just before this one).
                    if !self.take_result(i, cx, now) {
                        self.time_out(i, now);
                    }
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

    pub(super) fn start(&mut self, i: usize, now: Instant) {
        let planned = &self.plan.checks[i];
        let work = if planned.inline_ping {
            let window = self.next_window;
            self.next_window = window.wrapping_add(1);
            match self
                .shared
                .submit_ping_for(Some(i), |_| pooled_payload(window))
            {
                Ok(ticket) => Work::Ping(InlinePing::new(self.shared.clone(), ticket)),
                // Its 4-byte payload is valid: only an ended connection refuses it, and the
                // driver starts no run after the end. Reported as `ping_pong` would, anyway.
                Err(err) => Work::Future(Box::pin(std::future::ready(unanswered(err)))),
            }
        } else {
            let check = planned.check.clone();
            let ctx = CheckContext::new(self.shared.clone(), planned.name.clone());
            let span = tracing::trace_span!("check", name = &*planned.name);
            Work::Future(Box::pin(
                async move { check.check(&ctx).await }.instrument(span),
            ))
        };
        self.slots[i].run = Some(Run {
            started: now,
            work,
            deadline: later(now, planned.settings.timeout),
            extended: false,
            // Started during a stall: only the bytes taken from now on are this run's progress.
            bytes_seen: self
                .flush_stalled_at
                .and(self.write_progress.as_ref())
                .map(|p| p.bytes()),
        });
        self.poll_runs = true;
    }

    /// Polls check `i` if it is running; its result if it finished, or its panic.
    fn poll_run(&mut self, i: usize, cx: &mut Context<'_>) -> Option<std::thread::Result<Health>> {
        let run = self.slots[i].run.as_mut()?;
        let future = match &mut run.work {
            Work::Future(future) => future,
            Work::Ping(ping) => {
                let Poll::Ready(answer) = self.shared.pong_for(ping.ticket, None) else {
                    return None;
                };
                ping.done = true;
                return Some(Ok(answer.map_or_else(unanswered, judge_rtt)));
            }
        };
        self.shared.polling_check.store(i, Ordering::Relaxed);
        let polled = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)));
        self.shared
            .polling_check
            .store(NOT_POLLING, Ordering::Relaxed);
        match polled {
            Ok(Poll::Pending) => None,
            Ok(Poll::Ready(health)) => Some(Ok(health)),
            Err(panic) => Some(Err(panic)),
        }
    }

    /// Polls check `i` if it is running and completes it if it finished (or panicked); true
    /// if it did.
    fn take_result(&mut self, i: usize, cx: &mut Context<'_>, now: Instant) -> bool {
        let Some(polled) = self.poll_run(i, cx) else {
            return false;
        };
        let run = self.slots[i].run.take().expect("polled a running check");
        let panic = polled.as_ref().err().map(|p| panic_message(&**p));
        self.slots[i].end_run(run, &self.plan.checks[i].name, &self.shared, panic);
        let health = polled.unwrap_or_else(|panic| {
            Health::unhealthy(format!("check panicked: {}", panic_message(&*panic)))
        });
        self.complete(i, health, now);
        true
    }

    pub(super) fn time_out(&mut self, i: usize, now: Instant) {
        // Before a miss is counted: the run is cut off by the close (see `complete`).
        if self.take_requests(now) {
            return;
        }
        let timeout = self.plan.checks[i].settings.timeout;
        let (ping, request, expecting) = {
            let inner = self.shared.lock();
            // An answered ping the run did not take (it waits on something else) is no miss.
            let awaited = |p: &&PendingPing| !matches!(p.state, PingState::Answered(_));
            let ping = (inner.pings.iter())
                .filter(|p| p.check == Some(i))
                .filter(awaited)
                .last();
            let mine = || inner.expects.iter().filter(|e| e.check == Some(i));
            let request = mine().filter_map(|e| e.message).last();
            (
                ping.map(|p| p.state),
                request.map(|(_, s)| s),
                mine().next().is_some(),
            )
        };
        let run = self.slots[i]
            .run
            .as_mut()
            .expect("timed out a running check");
        // A ping (or a request's message, a heartbeat) still behind our own writes is the
        // peer's miss only if the socket took no byte since the flush stalled or since this
        // run's last look: a peer that drains slowly (a large message on a slow link) gets
        // another timeout for as long as it keeps draining.
        let states = [ping, request];
        let unsent =
            (states.iter()).any(|s| matches!(s, Some(PingState::Queued | PingState::Written(_))));
        if unsent {
            if let Some(progress) = &self.write_progress {
                let bytes = progress.bytes();
                if run.bytes_seen.or(self.flush_stalled_at) != Some(bytes) {
                    run.bytes_seen = Some(bytes);
                    run.deadline = later(now, timeout);
                    return;
                }
            }
        }
        // The answer's deadline runs from the flush: a ping (or request) that waited behind
        // our own backed-up writes gets its full timeout once, counted from when it left.
        let flushed = states.iter().filter_map(|s| match s {
            Some(PingState::Flushed(sent)) => Some(*sent),
            _ => None,
        });
        if let Some(sent) = flushed.max() {
            let deadline = later(sent, timeout);
            if !run.extended && deadline > now {
                run.extended = true;
                run.deadline = deadline;
                return;
            }
        }
        // Excused only while its answer may be sitting unread: reading is paused now (reading
        // came first in this pass) and the run was waiting on the peer. A ping still unsent
        // here never left: the socket took no byte since (see above) or, uncounted, it is not
        // out by its deadline, which is a miss even while reading goes on. Both directions are
        // stuck, by the peer (a flood it does not read, whose echoes keep the handler from
        // taking messages) or by us (a peer that reads only after its upload, which our pause
        // holds). Excused once, a miss the next run in a row.
        let stuck = unsent;
        let paused = self.stalled && (ping.is_some() || expecting);
        let first_stuck = !std::mem::replace(&mut self.slots[i].unsent_excused, paused && stuck);
        let stalled = paused && (!stuck || first_stuck);
        let missed = ping.is_some() && !stalled;
        if missed {
            // Before the run is dropped, which orphans or forgets the ping.
            self.shared.lock().mark_missed(i);
        }
        let run = self.slots[i].run.take().expect("timed out a running check");
        let started = run.started;
        // The timeout, or longer if it was extended (a ping behind our own writes): then to
        // the nearest millisecond, as an extension counts from a flush, at any nanosecond.
        let mut allowed = run.deadline.saturating_duration_since(started);
        if run.extended || run.bytes_seen.is_some() {
            let millis = (allowed.as_nanos() + 500_000) / 1_000_000;
            allowed = Duration::from_millis(millis.try_into().unwrap_or(u64::MAX));
        }
        // Cancels its probes.
        self.slots[i].end_run(run, &self.plan.checks[i].name, &self.shared, None);

        // Only a run that waits on the peer: data says nothing of a backend a check awaits.
        let data_seen = self.plan.checks[i].settings.data_counts_as_liveness
            && (ping.is_some() || expecting)
            && self.shared.stats.frame_since(started);
        // A pong the slow consumer left unread is not the peer's miss.
        if missed {
            self.shared.stats.ping_missed();
            crate::metrics::ping_missed(self.shared.side);
        }
        let health = if stalled {
            Health::degraded(format!(
                "slow consumer: the application left the inbound queue full, \
                 so no answer could be read within {allowed:?}"
            ))
        } else if data_seen {
            Health::healthy("no answer in time, but the peer sent data (data counts as liveness)")
        } else if ping.is_some() {
            Health::unhealthy("keepalive ping timeout")
        } else {
            Health::unhealthy(format!("timed out after {allowed:?}"))
        };
        self.finish_run(i, health, stalled, now);
    }

    /// Feeds the result `health` of check `i`'s run, which ended, to the policy.
    fn complete(&mut self, i: usize, health: Health, now: Instant) {
        self.slots[i].unsent_excused = false;
        // A close the application asked for since this pass took its requests (from another
        // thread, or an observer or action on this one) goes first: a result it made (a
        // check's message refused as the connection closes) is not the peer's.
        if self.take_requests(now) {
            return;
        }
        self.finish_run(i, health, false, now);
    }

    /// Feeds check `i`'s result `health` to the policy, or its excuse (`excused`: a run that
    /// could not conclude, whose answer may sit unread behind the application), and acts.
    fn finish_run(&mut self, i: usize, health: Health, excused: bool, now: Instant) {
        let plan = self.plan.clone();
        let planned = &plan.checks[i];
        let slot = &mut self.slots[i];
        // The next start is one interval after this one was due, not after it started; a
        // run that overran its interval (a long timeout) is followed at once.
        slot.grid = later(slot.grid, planned.settings.interval).max(now);
        slot.next_due = later(slot.grid, jitter(planned.settings.jitter));
        slot.first_delayed = false;
        trace!(check = &*planned.name, %health, "check finished");
        let step = match excused {
            true => self.engine.excuse(i),
            false => self.engine.observe(i, health.status()),
        };
        if let Some(t) = step.check {
            debug!(check = &*planned.name, from = %t.from, to = %t.to, %health, "check status changed");
        }
        if let Some(t) = step.connection {
            self.publish(&plan, i, t, &health);
        } else if step.check.is_some() {
            self.restate(&plan, i, &health);
        }
        self.act_on(&plan, i, step, &health, now);
    }
}

impl<S> Driver<S> {
    pub(super) fn cancel_runs(&mut self) {
        for (slot, planned) in self.slots.iter_mut().zip(&self.plan.checks) {
            if let Some(run) = slot.run.take() {
                slot.end_run(run, &planned.name, &self.shared, None);
            }
        }
    }
}

/// The first point at or after `now` of a grid of `interval` through `last`.
pub(super) fn next_point(last: Instant, interval: Duration, now: Instant) -> Instant {
    let Some(behind) = now.checked_duration_since(last) else {
        return later(last, interval);
    };
    let step = interval.as_nanos().max(1);
    let into_step = behind.as_nanos() % step;
    if into_step == 0 && !behind.is_zero() {
        return now;
    }
    // Below `interval`: fits a u64 of nanoseconds for any interval a config accepts.
    let left = u64::try_from(step - into_step).unwrap_or(u64::MAX);
    later(now, Duration::from_nanos(left))
}

pub(super) fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::random_range(0..=nanos))
}
