//! Why a client stopped for good: typed, so that an application can act on it (sign in
//! again after a 401, page someone after `max_retries`) without reading a sentence.

use std::fmt;

use serde::{Serialize, Serializer};

/// Why a [`Client`](super::Client) stopped for good, from
/// [`Client::stopped`](super::Client::stopped) and
/// [`ClientEvent::Stopped`](super::ClientEvent::Stopped). Its `Display` is the sentence
/// the client logs; it serialises as that sentence.
///
/// ```
/// # async fn run(client: ws_health::Client) {
/// use ws_health::runtime::StopCause;
///
/// let stop = client.stopped().await;
/// match &stop.cause {
///     StopCause::FinalCloseCode { code: 1008, .. } => { /* sign in again */ }
///     StopCause::FinalError { status: Some(401 | 403), .. } => { /* new credentials */ }
///     StopCause::GaveUp { .. } => { /* alert: the server stayed out of reach */ }
///     _ => {}
/// }
/// if stop.unsent > 0 {
///     eprintln!("{stop}"); // "...; 2 message(s) accepted and never sent"
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StopReason {
    /// What stopped it.
    pub cause: StopCause,
    /// Messages accepted for sending that were never written: left in the client's queue
    /// (`send`, `try_send`, its handles), or taken by the connection whose end stopped the
    /// client (a close by the application, a final code, the loss after which `max_retries`
    /// gave up) and not written before it ended, those sent on it directly (the on-connect
    /// hook, `Client::sender`) included; that connection's `Disconnected` event counts these
    /// too. Dropped, with a warning.
    pub unsent: usize,
}

/// What stopped a [`Client`](super::Client): the rows of the table in
/// [`runtime::client`](super) that say "stops".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopCause {
    /// The application called `Client::close` or `close_with`, or dropped the client.
    Closed,
    /// The server, or our own policy, closed the connection with a code in
    /// `client.final_close_codes` (1008 and 4000–4999 by default).
    FinalCloseCode {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// An attempt failed in a way no retry can mend: an HTTP answer other than 5xx, 408 and
    /// 429 (401 and 403 only twice in a row under a handshake headers hook), an invalid URL,
    /// handshake headers no request may carry, or an HTTP proxy's refusal of `CONNECT` (407,
    /// 403, …), which `error` names with the proxy and its status.
    FinalError {
        /// The HTTP status that answered the WebSocket handshake, if that was it (not a
        /// proxy's: `None` for a proxy's refusal, so that a 403 here is always the server's).
        status: Option<u16>,
        /// What went wrong, naming the server.
        error: String,
    },
    /// `client.max_retries` retries in a row failed.
    GaveUp {
        /// `client.max_retries`.
        retries: u32,
        /// Why the last attempt failed, or how its connection ended.
        last: String,
    },
    /// The client's task ended without stopping: it panicked, or its runtime shut down.
    TaskEnded,
}

impl StopReason {
    /// A stop for `cause` with nothing unsent, as the client makes one: for testing an
    /// application's handling of [`ClientEvent::Stopped`](super::ClientEvent::Stopped).
    pub fn new(cause: StopCause) -> Self {
        StopReason { cause, unsent: 0 }
    }

    /// The stop with `unsent` messages never sent.
    #[must_use]
    pub fn with_unsent(mut self, unsent: usize) -> Self {
        self.unsent = unsent;
        self
    }
}

impl fmt::Display for StopCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopCause::Closed => f.write_str("closed by the application"),
            StopCause::FinalCloseCode { code, reason } => {
                write!(f, "final close code {code} {reason:?}")
            }
            StopCause::FinalError { error, .. } => f.write_str(error),
            StopCause::GaveUp { retries, last } => match retries {
                0 => write!(
                    f,
                    "gave up at the first failure (client.max_retries = 0): {last}"
                ),
                1 => write!(
                    f,
                    "gave up after 1 failed retry (client.max_retries): {last}"
                ),
                n => write!(
                    f,
                    "gave up after {n} failed retries (client.max_retries): {last}"
                ),
            },
            StopCause::TaskEnded => f.write_str("the client task ended"),
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cause)?;
        match self.unsent {
            0 => Ok(()),
            n => write!(f, "; {n} message(s) accepted and never sent"),
        }
    }
}

impl Serialize for StopReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_names_the_cause_and_what_was_left_unsent() {
        let gave_up = StopCause::GaveUp {
            retries: 3,
            last: "refused".into(),
        };
        let stop = StopReason::new(gave_up);
        assert_eq!(
            stop.to_string(),
            "gave up after 3 failed retries (client.max_retries): refused"
        );
        let stop = stop.with_unsent(2);
        assert!(stop
            .to_string()
            .ends_with("refused; 2 message(s) accepted and never sent"));
        let code = StopCause::FinalCloseCode {
            code: 1008,
            reason: "revoked".into(),
        };
        assert_eq!(
            StopReason::new(code).to_string(),
            "final close code 1008 \"revoked\""
        );
    }

    #[test]
    fn the_event_serialises_the_sentence() {
        let reason = StopReason::new(StopCause::Closed).with_unsent(1);
        let event = super::super::ClientEvent::Stopped { reason };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"event":"stopped","reason":"closed by the application; 1 message(s) accepted and never sent"}"#
        );
    }
}
