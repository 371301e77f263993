//! Writing: pings first, then the close frame or data, then one flush.

use std::task::{Context, Poll};

use futures_util::SinkExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::Driver;
use crate::supervisor::in_flight::PingState;
use crate::supervisor::shared::signal;
use crate::supervisor::Transport;

/// Data messages handed to the transport per pass, so one busy connection cannot starve
/// the checks and reads of its own task.
const DATA_BATCH: usize = 64;

impl<S: Transport> Driver<S> {
    pub(super) fn write(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
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
                    self.flush_stalled_at = None;
                    if std::mem::take(&mut self.requests_unflushed) {
                        self.shared.lock().flushed(now);
                    }
                    if std::mem::take(&mut self.pings_unflushed) {
                        let mut inner = self.shared.lock();
                        for _ in 0..std::mem::take(&mut inner.forgotten_unflushed) {
                            self.shared.stats.ping_sent();
                        }
                        for ping in &mut inner.pings {
                            if let PingState::Written(_) = ping.state {
                                ping.state = PingState::Flushed(now);
                                self.shared.stats.ping_sent();
                            }
                        }
                    }
                }
                Poll::Ready(Err(err)) => {
                    self.transport_failed(&err);
                    progress = true;
                }
                Poll::Pending => {
                    if self.flush_stalled_at.is_none() {
                        self.flush_stalled_at = self.write_progress.as_ref().map(|p| p.bytes());
                    }
                }
            }
        }
        progress
    }

    /// Hands frames to the transport in priority order: pings, our close frame, then data.
    /// Stops early when the transport pushes back; the flush that follows makes room.
    pub(super) fn write_frames(
        &mut self,
        cx: &mut Context<'_>,
        now: Instant,
        progress: &mut bool,
    ) -> Result<(), <S as Transport>::Error> {
        // The signals say whether there is anything to write: a wake-up with nothing queued
        // (most of them) takes no lock.
        // Nothing may follow a close frame, ours or the peer's (whose frame clears ours):
        // a ping queued meanwhile stays unsent, and fails at the end.
        let close_sent = self.closing.as_ref().is_some_and(|c| c.frame.is_none());
        let mut pings_queued = !close_sent && self.shared.signalled(signal::PING);
        let data_queued = self.shared.signalled(signal::DATA);
        // Pings first: their round trip is what we measure. A ping stays Queued until the
        // transport takes it, so one that never left is reported as never answered.
        while pings_queued {
            if self.ws.poll_ready_unpin(cx)?.is_pending() {
                return Ok(());
            }
            let payload = {
                let mut inner = self.shared.lock();
                let mut queued = inner
                    .pings
                    .iter_mut()
                    .filter(|p| p.state == PingState::Queued);
                let payload = queued.next().map(|p| {
                    p.state = PingState::Written(now);
                    p.payload.clone()
                });
                pings_queued = queued.next().is_some();
                if !pings_queued {
                    self.shared.signal(&inner, signal::PING, false);
                }
                payload
            };
            let Some(payload) = payload else { break };
            self.ws.start_send_unpin(Message::Ping(payload))?;
            self.flush_needed = true;
            self.pings_unflushed = true;
            *progress = true;
        }
        let data_allowed = match &self.closing {
            None => true,
            Some(c) => c.after_data && c.frame.is_some(),
        };
        // Messages queued after the look above wake the driver again.
        if data_allowed && data_queued {
            for _ in 0..DATA_BATCH {
                if self.ws.poll_ready_unpin(cx)?.is_pending() {
                    return Ok(());
                }
                let (message, was_full) = {
                    let mut inner = self.shared.lock();
                    let (message, was_full) = self.shared.pop_outbound(&mut inner);
                    if let Some(Message::Ping(payload)) = &message {
                        let ticket = inner.ticket();
                        inner.foreign_ping(ticket, payload.clone(), now);
                    }
                    let place = inner.outbound_taken;
                    inner.outbound_taken = place.wrapping_add(1);
                    if !inner.expects.is_empty() && inner.written(place, now) {
                        self.requests_unflushed = true;
                    }
                    if inner.outbound.is_empty() {
                        self.shared.signal(&inner, signal::DATA, false);
                    }
                    (message, was_full)
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
            let data_pending = closing.after_data && self.shared.signalled(signal::DATA);
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
}
