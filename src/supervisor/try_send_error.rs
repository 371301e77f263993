//! [`TrySendError`]: why a message was handed back instead of queued.

use std::fmt;

use tokio_tungstenite::tungstenite::Message;

use crate::{frame, Error, ErrorKind};

/// Why [`Sender::try_send`](crate::Sender::try_send) or
/// [`Client::try_send`](crate::Client::try_send) gave the message back.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrySendError {
    /// The outbound queue is full (a client's own queue, `client.offline_queue` messages or
    /// `client.offline_queue_bytes` bytes, connected or not); try again later or use
    /// [`Sender::send`](crate::Sender::send) ([`Client::send`](crate::Client::send)).
    Full(Message),
    /// The connection is closing or closed (a client's: it was closed or has stopped;
    /// [`Client::stopped`](crate::Client::stopped) says why).
    Closed(Message),
    /// The message is larger than the largest the transport accepts
    /// (`socket.max_message_size`); it would end the connection.
    TooLarge(Message),
    /// The application may not send this message: a Pong or a raw Frame, which would go
    /// around the supervisor, a Ping over 125 bytes, or a Close with a code that may not be
    /// sent or a reason over 123 bytes (or a Close where only data may go: a check's
    /// message, a request, a [`Client`](crate::Client)'s queue).
    Invalid(Message),
}

impl TrySendError {
    /// The message that was not sent.
    pub fn into_message(self) -> Message {
        match self {
            TrySendError::Full(m)
            | TrySendError::Closed(m)
            | TrySendError::TooLarge(m)
            | TrySendError::Invalid(m) => m,
        }
    }
}

impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("outbound queue is full"),
            TrySendError::Closed(_) => f.write_str("the connection (or client) is closed"),
            TrySendError::TooLarge(m) => write!(
                f,
                "message of {} bytes is larger than the limit (socket.max_message_size)",
                m.len()
            ),
            TrySendError::Invalid(m) => match frame::check_queueable(m) {
                Err(err) => fmt::Display::fmt(&err, f),
                Ok(()) => f.write_str("an invalid message"),
            },
        }
    }
}

impl std::error::Error for TrySendError {}

impl From<TrySendError> for Error {
    fn from(err: TrySendError) -> Self {
        match err {
            TrySendError::Full(_) => Error::new(ErrorKind::QueueFull, "outbound queue is full"),
            TrySendError::Closed(_) => Error::closed(),
            TrySendError::TooLarge(_) | TrySendError::Invalid(_) => Error::invalid(err.to_string()),
        }
    }
}
