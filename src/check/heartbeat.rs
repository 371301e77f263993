//! An application-level heartbeat: send a request message, expect a matching answer.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{CheckContext, HealthCheck};
use crate::Health;

type Request = dyn Fn(u64) -> Message + Send + Sync;
type Matches = dyn Fn(u64, &Message) -> bool + Send + Sync;

/// A heartbeat in the application's own protocol, for peers whose liveness is proven by
/// answering a message rather than a WebSocket ping (e.g. `{"op":"ping"}` →
/// `{"op":"pong"}`).
///
/// Each run sends a request and waits for the first inbound message that answers it, which goes to
/// the check; every other message reaches the application as usual, and so does an answer that
/// comes while no run waits for one (a duplicate, or a late answer between runs): the application
/// should ignore stray answers. The run's timeout (its [`CheckSettings`](crate::CheckSettings))
/// bounds the wait, and a wait that a slow consumer made unreadable is reported Degraded.
///
/// The peer answers in its application's code (for a ws-health [`Client`](crate::Client),
/// in the loop that reads [`recv`](crate::Client::recv)): nothing answers for it, as
/// WebSocket pings are answered, so an application that is busy or stuck fails the
/// heartbeat. That is the point of one: it measures the peer's application, not its socket.
///
/// With [`new`](Heartbeat::new) every request is the same message, so an answer that comes
/// after its run was cut off is taken by the next run as its own. Where that matters, use
/// [`numbered`](Heartbeat::numbered): each run's request carries a fresh id and only the
/// answer with that id counts; a late answer to an earlier id reaches the application.
///
/// The matcher runs on the connection's driver for each inbound application message while a
/// run waits, holding the connection's state: keep it quick, and do not call the
/// connection's handles (`Sender::send`, `close`) from it, which would deadlock. A matcher
/// that panics is logged (once a run) and taken as no match. A heartbeat sends no WebSocket
/// ping, so [`HealthCheck::payload`] and [`HealthCheck::judge`] have no effect on it; its run
/// is Healthy when answered, with the time from its start to the answer as its round-trip
/// time.
///
/// ```
/// use ws_health::check::Heartbeat;
/// use ws_health::tungstenite::Message;
/// use ws_health::{CheckSettings, Supervisor};
///
/// let heartbeat = Heartbeat::new(Message::text(r#"{"op":"ping"}"#), |m: &Message| {
///     m.to_text().is_ok_and(|t| t.contains(r#""op":"pong""#))
/// });
/// let supervisor = Supervisor::builder()
///     .with_check("heartbeat", heartbeat, CheckSettings::default())
///     .build()?;
/// # drop(supervisor);
/// # Ok::<_, ws_health::Error>(())
/// ```
pub struct Heartbeat {
    request: Box<Request>,
    matches: Arc<Matches>,
    next_id: AtomicU64,
}

impl Heartbeat {
    /// A heartbeat that sends `request` and is answered by a message `matches` accepts.
    pub fn new<F>(request: Message, matches: F) -> Self
    where
        F: Fn(&Message) -> bool + Send + Sync + 'static,
    {
        Heartbeat::numbered(move |_| request.clone(), move |_, m| matches(m))
    }

    /// A heartbeat whose every request carries a fresh id: `request(id)` makes the message,
    /// and `matches(id, message)` says whether `message` answers that id. Ids start at 1 and
    /// are unique within the check (shared by all its connections).
    ///
    /// ```
    /// use ws_health::check::Heartbeat;
    /// use ws_health::tungstenite::Message;
    ///
    /// let heartbeat = Heartbeat::numbered(
    ///     |id| Message::text(format!(r#"{{"op":"ping","id":{id}}}"#)),
    ///     |id, m| m.to_text().is_ok_and(|t| t == format!(r#"{{"op":"pong","id":{id}}}"#)),
    /// );
    /// # drop(heartbeat);
    /// ```
    pub fn numbered<R, M>(request: R, matches: M) -> Self
    where
        R: Fn(u64) -> Message + Send + Sync + 'static,
        M: Fn(u64, &Message) -> bool + Send + Sync + 'static,
    {
        Heartbeat {
            request: Box::new(request),
            matches: Arc::new(matches),
            next_id: AtomicU64::new(1),
        }
    }
}

#[async_trait]
impl HealthCheck for Heartbeat {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let matches = self.matches.clone();
        let sent = Instant::now();
        // The run's own timeout is the bound; the request needs none of its own.
        match ctx
            .request((self.request)(id), Duration::MAX, move |m| matches(id, m))
            .await
        {
            Ok(_) => Health::healthy("heartbeat answered").with_rtt(sent.elapsed()),
            Err(err) => Health::unhealthy(format!("heartbeat: {err}")),
        }
    }
}

impl fmt::Debug for Heartbeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Heartbeat")
            .field("next_id", &self.next_id)
            .finish_non_exhaustive()
    }
}
