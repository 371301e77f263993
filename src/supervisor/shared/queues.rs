//! The queues between the driver and the application, bounded in messages and in bytes
//! (`queues`): what is full, what goes in and out, and the lengths mirrored in atomics for
//! the driver's lock-free looks and for `Stats`.

use std::sync::atomic::Ordering;

use tokio_tungstenite::tungstenite::Message;

use super::{signal, Inner, Shared};
use crate::supervisor::TrySendError;

impl Shared {
    /// The number of messages waiting for the application.
    pub(crate) fn inbound_len(&self) -> usize {
        self.inbound_len.load(Ordering::Acquire)
    }

    /// Records the inbound queue's new length; call it with the lock held.
    pub(crate) fn set_inbound_len(&self, held: &Inner) {
        self.inbound_len
            .store(held.inbound.len(), Ordering::Release);
    }

    /// Whether the inbound queue holds `queues.inbound` messages or `queues.inbound_bytes`
    /// bytes: reading pauses. Without the lock, for the driver's every poll.
    pub(crate) fn inbound_full(&self) -> bool {
        self.inbound_len() >= self.inbound_capacity
            || self.inbound_bytes.load(Ordering::Acquire) >= self.inbound_byte_capacity
    }

    /// Queues a message the peer sent for `recv`; call it with the lock held.
    pub(crate) fn push_inbound(&self, held: &mut Inner, message: Message) {
        let bytes = self.inbound_bytes.load(Ordering::Relaxed);
        self.inbound_bytes
            .store(bytes.saturating_add(message.len()), Ordering::Release);
        held.inbound.push_back(message);
        self.set_inbound_len(held);
    }

    /// Takes the next message for `recv`, and whether the queue was full before (reading
    /// was paused); call it with the lock held.
    pub(crate) fn pop_inbound(&self, held: &mut Inner) -> (Option<Message>, bool) {
        let was_full = self.inbound_full();
        let message = held.inbound.pop_front();
        if let Some(message) = &message {
            let bytes = self.inbound_bytes.load(Ordering::Relaxed);
            self.inbound_bytes
                .store(bytes.saturating_sub(message.len()), Ordering::Release);
            self.set_inbound_len(held);
        }
        (message, was_full)
    }

    /// Whether the outbound queue holds `queues.outbound` messages or `queues.outbound_bytes`
    /// bytes: a bounded send waits.
    fn outbound_full(&self, held: &Inner) -> bool {
        held.outbound.len() >= self.outbound_capacity
            || held.outbound_bytes >= self.outbound_byte_capacity
    }

    /// Takes the next message to write, and whether the queue was full before (a send may
    /// be waiting for room); call it with the lock held.
    pub(crate) fn pop_outbound(&self, held: &mut Inner) -> (Option<Message>, bool) {
        let was_full = self.outbound_full(held);
        let message = held.outbound.pop_front();
        if let Some(message) = &message {
            held.outbound_bytes = held.outbound_bytes.saturating_sub(message.len());
            self.mirror_outbound(held);
        }
        (message, was_full)
    }

    /// Mirrors the outbound queue's length and bytes for `Stats`; call it with the lock held.
    /// Two relaxed stores: a reader may pair one with the other's previous value for a moment.
    pub(crate) fn mirror_outbound(&self, held: &Inner) {
        self.outbound_len
            .store(held.outbound.len(), Ordering::Relaxed);
        self.outbound_queued_bytes
            .store(held.outbound_bytes, Ordering::Relaxed);
    }

    /// Queues a message from the application or a check.
    pub(crate) fn push_outbound(
        &self,
        message: Message,
        bounded: bool,
    ) -> Result<(), TrySendError> {
        self.push_outbound_with(message, bounded, |_| {})
    }

    /// As [`push_outbound`](Shared::push_outbound), running `queued` under the same lock
    /// once the message is queued (an expectation of its answer, registered with it).
    pub(crate) fn push_outbound_with(
        &self,
        message: Message,
        bounded: bool,
        queued: impl FnOnce(&mut Inner),
    ) -> Result<(), TrySendError> {
        // `Sender::try_send` turns a Close into a close; a check or a request may not send one.
        if crate::frame::check_queueable(&message).is_err() {
            return Err(TrySendError::Invalid(message));
        }
        let mut inner = self.lock();
        if inner.ended.is_some() || inner.close_request.is_some() {
            return Err(TrySendError::Closed(message));
        }
        if self.max_message_size.is_some_and(|max| message.len() > max) {
            return Err(TrySendError::TooLarge(message));
        }
        if bounded && self.outbound_full(&inner) {
            return Err(TrySendError::Full(message));
        }
        inner.outbound_bytes = inner.outbound_bytes.saturating_add(message.len());
        inner.outbound.push_back(message);
        queued(&mut inner);
        self.mirror_outbound(&inner);
        self.signal(&inner, signal::DATA, true);
        drop(inner);
        self.wake_driver();
        Ok(())
    }
}
