//! What a check can do on its connection while it runs.

use std::any::Any;
use std::fmt;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Message;

use crate::{Error, Stats};

/// Identifies one probe (a ping or an expectation) in flight.
pub(crate) type Ticket = u32;

/// A predicate over inbound application messages.
pub(crate) type Matcher = Box<dyn Fn(&Message) -> bool + Send + Sync>;

/// The connection side of a [`CheckContext`], implemented by the supervisor. Keeping it a
/// trait keeps checks free of any dependency on the supervisor that runs them.
pub(crate) trait Probe: Send + Sync + 'static {
    fn connection_id(&self) -> u64;
    fn stats(&self) -> Stats;
    fn state(&self) -> Option<&(dyn Any + Send + Sync)>;
    /// Queues a ping; the supervisor sends it ahead of queued data.
    fn submit_ping(&self, payload: Bytes) -> Result<Ticket, ProbeError>;
    fn poll_pong(&self, ticket: Ticket, cx: &mut Context<'_>)
        -> Poll<Result<Duration, ProbeError>>;
    /// Registers a predicate; the first inbound message it accepts goes to the check instead
    /// of the application.
    fn submit_expect(&self, matcher: Matcher) -> Result<Ticket, ProbeError>;
    fn poll_expect(
        &self,
        ticket: Ticket,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Message, ProbeError>>;
    /// Whether reading is paused (slow consumer): an answer may be sitting unread.
    fn reading_paused(&self) -> bool;
    /// Queues an application message from a check, in order with the application's own.
    fn send(&self, message: Message) -> Result<(), ProbeError>;
    /// Forgets a probe whose waiter went away (cancelled or timed out).
    fn cancel(&self, ticket: Ticket);
}

/// Why a probe did not get its answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProbeError {
    /// The connection closed before the answer came.
    Closed,
    /// The probe's own deadline passed.
    Timeout(Duration),
    /// What the check asked to send was refused (a ping payload over 125 bytes, say).
    Invalid(Error),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Closed => f.write_str("connection closed"),
            ProbeError::Timeout(after) => write!(f, "no answer within {after:?}"),
            ProbeError::Invalid(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for ProbeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProbeError::Invalid(err) => Some(err),
            _ => None,
        }
    }
}

/// A probe's failure as the crate's [`Error`], for code shared between a check and the
/// application ([`Sender::request`](crate::Sender::request) fails the same ways):
/// [`ErrorKind::Closed`](crate::ErrorKind::Closed),
/// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout), or the refusal itself.
impl From<ProbeError> for Error {
    fn from(err: ProbeError) -> Error {
        match err {
            ProbeError::Closed => Error::closed(),
            ProbeError::Timeout(_) => Error::new(crate::ErrorKind::Timeout, err.to_string()),
            ProbeError::Invalid(err) => err,
        }
    }
}

/// What a running check can reach: its connection's wire, stats and user state.
///
/// One context is made per run. Everything a check sends goes out through the supervisor's
/// writer; everything it waits for is cut off when the run's timeout passes.
pub struct CheckContext {
    probe: Arc<dyn Probe>,
    check_name: Arc<str>,
}

impl CheckContext {
    pub(crate) fn new(probe: Arc<dyn Probe>, check_name: Arc<str>) -> Self {
        CheckContext { probe, check_name }
    }

    /// Sends a ping carrying `payload` and waits for its pong; returns the round-trip time,
    /// measured from the moment the ping was flushed to the socket.
    ///
    /// A pong for a later ping answers this one too. Payloads over 125 bytes are refused.
    pub async fn ping(&self, payload: Bytes) -> Result<Duration, ProbeError> {
        let ticket = self.probe.submit_ping(payload)?;
        await_pong(&*self.probe, ticket).await
    }

    /// Sends `message` and waits, at most `timeout`, for the first inbound application
    /// message that `matches` accepts. That message goes to the check; every other message
    /// reaches the application as usual. For application-level heartbeats such as
    /// `{"op":"ping"}` → `{"op":"pong"}`.
    ///
    /// The expectation is registered before the message leaves, so a fast answer is not
    /// missed. `matches` runs on the driver for each inbound application message while it
    /// holds the connection's state: keep it quick, and do not call the connection's handles
    /// (`Sender::send`, `close`) from it, which would deadlock.
    ///
    /// If the supervisor has stopped reading when `timeout` passes, because the application
    /// left the inbound queue full, the answer may be sitting unread: then `timeout` does
    /// not fail the request while reading stays paused. Once reading resumes and finds no
    /// answer, it fails with [`ProbeError::Timeout`]; if reading is still paused at the
    /// check's own timeout, that reports a slow consumer (Degraded) instead of blaming the peer.
    pub async fn request<F>(
        &self,
        message: Message,
        timeout: Duration,
        matches: F,
    ) -> Result<Message, ProbeError>
    where
        F: Fn(&Message) -> bool + Send + Sync + 'static,
    {
        let ticket = self.probe.submit_expect(Box::new(matches))?;
        let guard = CancelOnDrop {
            probe: &*self.probe,
            ticket,
        };
        self.probe.send(message)?;
        let answer =
            match tokio::time::timeout(timeout, poll_fn(|cx| self.probe.poll_expect(ticket, cx)))
                .await
            {
                Ok(answer) => answer,
                // The answer may sit unread: waited for while reading stays paused. Once
                // reading resumed and found none (the driver polls every run then), it is
                // the timeout it would have been.
                Err(_) if self.probe.reading_paused() => {
                    poll_fn(|cx| match self.probe.poll_expect(ticket, cx) {
                        Poll::Pending if !self.probe.reading_paused() => {
                            Poll::Ready(Err(ProbeError::Timeout(timeout)))
                        }
                        answer => answer,
                    })
                    .await
                }
                Err(_) => Err(ProbeError::Timeout(timeout)),
            };
        drop(guard);
        answer
    }

    /// Queues an application message, in order with the application's own messages.
    ///
    /// # Errors
    /// [`ProbeError::Closed`] once the connection is closing or closed;
    /// [`ProbeError::Invalid`] for a message over the size limit, a Close (a check closes
    /// through its result and the policy), a Pong, a raw Frame or a Ping over 125 bytes.
    pub fn send(&self, message: Message) -> Result<(), ProbeError> {
        self.probe.send(message)
    }

    /// A snapshot of the connection's statistics (latency, counters, idle time).
    pub fn stats(&self) -> Stats {
        self.probe.stats()
    }

    /// The per-connection state, if it is a `T` (exactly the type inside the `Arc` it was
    /// given as: a check that asks for `Session` sees nothing of an `Arc<Mutex<Session>>`).
    /// It is given by [`Supervisor::supervise_with_state`](crate::Supervisor::supervise_with_state)
    /// or [`ConnectionInfo::with_state`](crate::supervisor::ConnectionInfo::with_state), and
    /// by the runtime's `ServerBuilder::with_handshake`, `ServerBuilder::with_connection_state`
    /// and `ClientBuilder::with_connection_state`.
    pub fn state<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.probe.state()?.downcast_ref()
    }

    /// The connection's id, unique within the process.
    pub fn connection_id(&self) -> u64 {
        self.probe.connection_id()
    }

    /// The name this check was registered under.
    pub fn check_name(&self) -> &str {
        &self.check_name
    }
}

impl fmt::Debug for CheckContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckContext")
            .field("connection_id", &self.connection_id())
            .field("check_name", &self.check_name)
            .finish()
    }
}

/// The round trip of ping `ticket`, submitted to `probe`; the ping is forgotten if this
/// future is dropped first (a check cut off, an application that stopped waiting).
pub(crate) async fn await_pong(probe: &dyn Probe, ticket: Ticket) -> Result<Duration, ProbeError> {
    let guard = CancelOnDrop { probe, ticket };
    let rtt = poll_fn(|cx| probe.poll_pong(ticket, cx)).await;
    std::mem::forget(guard);
    rtt
}

/// Drops the probe's slot when the waiting future is dropped before its answer.
struct CancelOnDrop<'a> {
    probe: &'a dyn Probe,
    ticket: Ticket,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        self.probe.cancel(self.ticket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_probe_error_becomes_the_error_of_the_same_failure() {
        assert_eq!(Error::from(ProbeError::Closed).kind(), ErrorKind::Closed);
        let late = Error::from(ProbeError::Timeout(Duration::from_millis(300)));
        assert_eq!(late.kind(), ErrorKind::Timeout);
        assert_eq!(late.to_string(), "no answer within 300ms");
        let refused = Error::from(ProbeError::Invalid(Error::invalid(
            "payload over 125 bytes",
        )));
        assert_eq!(refused.kind(), ErrorKind::InvalidInput);
        assert_eq!(refused.to_string(), "payload over 125 bytes");
    }
}
