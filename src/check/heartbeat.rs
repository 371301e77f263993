//! An application-level heartbeat: send a request message, expect a matching answer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{CheckContext, HealthCheck};
use crate::Health;

/// A heartbeat in the application's own protocol, for peers whose liveness is proven by
/// answering a message rather than a WebSocket ping (e.g. `{"op":"ping"}` →
/// `{"op":"pong"}`).
///
/// Each run sends `request` and waits for the first inbound message `matches` accepts,
/// which goes to the check, never to the application; every other message reaches the
/// application as usual. The run's timeout (its [`CheckSettings`](crate::CheckSettings))
/// bounds the wait, and a wait that a slow consumer made unreadable is reported Degraded.
///
/// A late answer to a cut-off request is taken by the next one. Put a sequence number or id
/// in the request and match on it if that matters.
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
pub struct Heartbeat<F> {
    request: Message,
    matches: Arc<F>,
}

impl<F> Heartbeat<F>
where
    F: Fn(&Message) -> bool + Send + Sync + 'static,
{
    /// A heartbeat that sends `request` and is answered by a message `matches` accepts.
    pub fn new(request: Message, matches: F) -> Self {
        Heartbeat {
            request,
            matches: Arc::new(matches),
        }
    }
}

#[async_trait]
impl<F> HealthCheck for Heartbeat<F>
where
    F: Fn(&Message) -> bool + Send + Sync + 'static,
{
    async fn check(&self, ctx: &CheckContext) -> Health {
        let matches = self.matches.clone();
        let sent = Instant::now();
        // The run's own timeout is the bound; the request needs none of its own.
        match ctx
            .request(self.request.clone(), Duration::MAX, move |m| matches(m))
            .await
        {
            Ok(_) => Health::healthy("heartbeat answered").with_rtt(sent.elapsed()),
            Err(err) => Health::unhealthy(format!("heartbeat: {err}")),
        }
    }
}

impl<F> fmt::Debug for Heartbeat<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Heartbeat")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}
