//! The application's round trips: [`Sender::request`] and [`Sender::ping`], counterparts of
//! `CheckContext::request` and `CheckContext::ping`.

use std::future::poll_fn;
use std::time::Duration;

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Message;

use super::shared::Shared;
use super::{Sender, TrySendError};
use crate::check::{await_pong, Matcher, Probe, Ticket};
use crate::{Error, ErrorKind, Result};

impl Sender {
    /// Sends `message` and waits up to `timeout` (for room in the outbound queue, then for
    /// the answer) for the first inbound message `matches`
    /// accepts, which comes back here instead of going to [`recv`](crate::Connection::recv): a
    /// subscription's acknowledgement awaited in a client's on-connect hook, the reply to a
    /// request. Other messages reach `recv` as usual.
    ///
    /// The expectation is registered as `message` is queued (after waiting for room in the
    /// queue), so no answer comes too early for it and none that came before is taken.
    /// Requests waiting at once, and checks' [`CheckContext::request`], each take the first
    /// message they accept, oldest first. `matches` runs on the connection's task with its
    /// lock held: keep it a pure look at the message (calling this connection's `Sender`
    /// from it deadlocks). Messages are matched as they are read, and reading pauses while
    /// `queues.inbound` messages wait for [`recv`](crate::Connection::recv): an answer behind them
    /// is not read, and the request times out. In a client's on-connect hook, where the
    /// application cannot read yet, a server that sends more than `queues.inbound` messages
    /// before its answer needs a larger `queues.inbound`.
    /// An answer delivered as the timeout fires is returned, not lost. Cancelling the future
    /// forgets the expectation, and drops (logged at debug) an answer that came meanwhile.
    ///
    /// ```no_run
    /// # async fn run(sender: ws_health::Sender) -> ws_health::Result<()> {
    /// use std::time::Duration;
    /// use ws_health::tungstenite::Message;
    ///
    /// let subscribe = Message::text(r#"{"op":"subscribe","channel":"trades"}"#);
    /// let ack = sender
    ///     .request(subscribe, Duration::from_secs(5), |m: &Message| {
    ///         m.to_text().is_ok_and(|t| t.contains(r#""op":"subscribed""#))
    ///     })
    ///     .await?;
    /// # drop(ack); Ok(()) }
    /// ```
    ///
    /// [`CheckContext::request`]: crate::check::CheckContext::request
    ///
    /// # Errors
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) when no answer came in time;
    /// [`ErrorKind::Closed`] once the connection is closing or closed;
    /// [`ErrorKind::InvalidInput`] for a message over the size limit, a Close, a Pong, a raw
    /// Frame or a Ping over 125 bytes.
    pub async fn request<F>(
        &self,
        message: Message,
        timeout: Duration,
        matches: F,
    ) -> Result<Message>
    where
        F: Fn(&Message) -> bool + Send + Sync + 'static,
    {
        // Registered with the message, under one lock, once the queue has room: a message
        // that arrives while the request waits for room is not taken for its answer.
        let mut matcher: Option<Matcher> = Some(Box::new(matches));
        let mut message = message;
        // One deadline for the wait for room and for the answer; none for `Duration::MAX`.
        let deadline = tokio::time::Instant::now().checked_add(timeout);
        let timed_out = || Error::new(ErrorKind::Timeout, format!("no answer within {timeout:?}"));
        let ticket = loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let mut ticket = None;
            let queued = self.shared.push_outbound_with(message, true, |inner| {
                let matcher = matcher.take().expect("queued once");
                ticket = Some(Shared::expect_locked(inner, None, matcher));
            });
            match queued {
                Ok(()) => break ticket.expect("registered with the message"),
                Err(TrySendError::Full(m)) => message = m,
                Err(err) => return Err(err.into()),
            }
            if before(deadline, changed).await.is_none() {
                return Err(timed_out());
            }
        };
        let _forget = ForgetOnDrop {
            shared: &self.shared,
            ticket,
        };
        let answer = poll_fn(|cx| self.shared.poll_expect(ticket, cx));
        match before(deadline, answer).await {
            Some(answer) => answer.map_err(|_| Error::closed()),
            // The driver, on its own task, may have delivered it since the last poll.
            None => self.shared.forget_expect(ticket).ok_or_else(timed_out),
        }
    }
}

impl Sender {
    /// Sends a ping now and waits for its pong; returns the round trip, measured from the
    /// moment the ping was flushed to the socket (Python `websockets`' `await ws.ping()`).
    /// It counts in [`stats`](Sender::stats) and [`latency`](Sender::latency) as the
    /// supervisor's own pings do, and its pong, or any later one, answers it.
    ///
    /// It has no timeout of its own: wrap it in `tokio::time::timeout`. A peer that stops
    /// answering is closed by the ping check, which ends this wait with `Closed`. Dropping
    /// the future forgets the ping.
    ///
    /// ```no_run
    /// # async fn run(conn: ws_health::Connection) -> ws_health::Result<()> {
    /// let rtt = conn.ping().await?;
    /// println!("round trip {rtt:?}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Closed`] once the connection is closing or closed, or if it ends before
    /// the pong.
    pub async fn ping(&self) -> Result<Duration> {
        // Its payload is its ticket, unique among the connection's pings in flight, after a
        // tag byte: 5 bytes, a length no built-in check's ping has (the default check's are
        // 4), so that no pong can answer both.
        let ticket = self
            .shared
            .submit_ping_for(None, |t| {
                let [a, b, c, d] = t.to_be_bytes();
                Bytes::copy_from_slice(&[b'a', a, b, c, d])
            })
            .map_err(|_| Error::closed())?;
        await_pong(&*self.shared, ticket)
            .await
            .map_err(|_| Error::closed())
    }
}

/// Forgets an application's request when its future is dropped. An answer that came
/// meanwhile is dropped with it, logged: the application stopped waiting for it.
struct ForgetOnDrop<'a> {
    shared: &'a Shared,
    ticket: Ticket,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        if self.shared.forget_expect(self.ticket).is_some() {
            tracing::debug!("dropped the answer to a request that was cancelled");
        }
    }
}

/// `future`'s output if it comes before `deadline` (always, with no deadline).
async fn before<F: std::future::Future>(
    deadline: Option<tokio::time::Instant>,
    future: F,
) -> Option<F::Output> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, future).await.ok(),
        None => Some(future.await),
    }
}
