//! [`ClientHandle`]: the client's queue, for tasks other than the one that receives.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio_tungstenite::tungstenite::Message;

use super::queue::{Limit, QueueSender, Refused};
use super::shared::Link;
use crate::supervisor::TrySendError;
use crate::{frame, Error, ErrorKind, Result, Supervisor};

/// Queues messages for a [`Client`](super::Client)'s connections, from any task: the
/// client's own queue, in order with [`Client::send`](super::Client::send), sent after the
/// on-connect hook of each connection. Cheap to clone; made by
/// [`Client::handle`](super::Client::handle). It does not keep the client running.
#[derive(Clone)]
pub struct ClientHandle {
    pub(super) link: Arc<Link>,
    pub(super) outbound: QueueSender,
    /// For the send limit (`socket.max_message_size`, kept by reloads).
    pub(super) supervisor: Supervisor,
}

impl ClientHandle {
    /// Queues a message. While connected it waits for room in the queue; while
    /// disconnected it returns at once, also when the connection is lost while it waits
    /// (unless the next one is already up, where it waits on).
    ///
    /// # Errors
    /// [`ErrorKind::QueueFull`] when disconnected and the offline queue is full, at
    /// `client.offline_queue` messages or `client.offline_queue_bytes` bytes, whichever it met
    /// first, as the error says (the message is not sent; nothing is dropped silently);
    /// [`ErrorKind::Closed`] once the client has been closed or has stopped;
    /// [`ErrorKind::InvalidInput`] for a message over `socket.max_message_size`, which no
    /// connection would take, and for a Close, a Pong, a raw Frame or a Ping over 125 bytes
    /// (close with [`Client::close_with`](crate::Client::close_with); the supervisor answers
    /// pings).
    pub async fn send(&self, message: Message) -> Result<()> {
        let message = self.sendable(message).map_err(|err| self.error(err))?;
        loop {
            // Enabled before the look at `is_connected`, so that a loss right after it is seen.
            let changed = self.link.connection_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.link.is_closed() {
                return Err(self.stopped_error());
            }
            if !self.is_connected() {
                return self
                    .outbound
                    .try_send(message)
                    .map_err(|refused| match refused {
                        Refused::Full(_, limit) => self.full_error(limit),
                        Refused::Closed(_) => self.stopped_error(),
                    });
            }
            tokio::select! {
                permit = self.outbound.reserve(&message) => {
                    permit.ok_or_else(|| self.stopped_error())?.send(message);
                    return Ok(());
                }
                // Nothing drains the queue until the next connection, which may never come;
                // it may also have come already (a short backoff), or the client been
                // closed: look again.
                () = changed => {}
            }
        }
    }

    /// Queues a message if there is room, without waiting.
    ///
    /// # Errors
    /// The message comes back inside the error, as from
    /// [`Sender::try_send`](crate::Sender::try_send): [`TrySendError::Full`] when the queue
    /// is full (the offline queue while disconnected), [`TrySendError::Closed`] once the
    /// client has been closed or has stopped ([`Client::stopped`](super::Client::stopped)
    /// says why), [`TrySendError::TooLarge`] over `socket.max_message_size`, and
    /// [`TrySendError::Invalid`] for a Close, a Pong, a raw Frame or a Ping over 125 bytes.
    pub fn try_send(&self, message: Message) -> std::result::Result<(), TrySendError> {
        let message = self.sendable(message)?;
        // At once: the client's task may not have seen the close yet, and would take a
        // message queued meanwhile as sent before it.
        if self.link.is_closed() {
            return Err(TrySendError::Closed(message));
        }
        self.outbound
            .try_send(message)
            .map_err(|refused| match refused {
                Refused::Full(message, _) => TrySendError::Full(message),
                Refused::Closed(message) => TrySendError::Closed(message),
            })
    }

    /// Refused here rather than queued: a connection would refuse it later, after `send`
    /// returned Ok. A Close is refused too: queued, it would close whichever connection is
    /// up when it leaves, and the client would connect again.
    fn sendable(&self, message: Message) -> std::result::Result<Message, TrySendError> {
        if frame::check_queueable(&message).is_err() {
            return Err(TrySendError::Invalid(message));
        }
        match self.supervisor.max_message_size() {
            Some(max) if message.len() > max => Err(TrySendError::TooLarge(message)),
            _ => Ok(message),
        }
    }

    /// `send`'s error for a full queue, with what `try_send`'s cannot say: the bound it met
    /// (the key to raise) and the client's state.
    fn full_error(&self, limit: Limit) -> Error {
        Error::new(
            ErrorKind::QueueFull,
            format!(
                "the client's queue is full ({limit}) {}; the message was not sent",
                if self.is_connected() {
                    "while the connection catches up"
                } else {
                    "while disconnected"
                }
            ),
        )
    }

    /// `send`'s error for a message it refused, with what `try_send`'s cannot say: the
    /// limit, or why the client stopped.
    fn error(&self, refused: TrySendError) -> Error {
        match refused {
            TrySendError::TooLarge(message) => {
                let max = self.supervisor.max_message_size().unwrap_or(usize::MAX);
                Error::invalid(format!(
                    "message of {} bytes is larger than the limit of {max} \
                     (socket.max_message_size); it was not queued",
                    message.len()
                ))
            }
            TrySendError::Closed(_) => self.stopped_error(),
            TrySendError::Invalid(Message::Close(_)) => Error::invalid(
                "a Close is not queued on a client: close the client with Client::close_with, \
                 or only its current connection through Client::sender",
            ),
            refused => refused.into(),
        }
    }

    /// Whether a connection is open and handed to the application.
    pub fn is_connected(&self) -> bool {
        self.link.connected.load(Ordering::Acquire)
    }

    /// Whether the client was closed (or dropped) or has stopped for good: every send fails
    /// from then on. A task that holds only a handle stops producing here.
    pub fn is_closed(&self) -> bool {
        self.link.is_closed() || self.outbound.is_closed() || self.link.stopped.borrow().is_some()
    }

    pub(super) fn stopped_error(&self) -> Error {
        // Its queue is closed just before the reason is recorded.
        let message = match self.link.stopped.borrow().as_ref() {
            Some(reason) => format!("the client has stopped: {reason}"),
            None if self.link.is_closed() => "the client was closed".to_owned(),
            None => "the client is stopping".to_owned(),
        };
        Error::new(ErrorKind::Closed, message)
    }
}

impl fmt::Debug for ClientHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHandle")
            .field("connected", &self.is_connected())
            .finish()
    }
}
