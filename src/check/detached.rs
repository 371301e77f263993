//! A [`CheckContext`] on no connection, so that a check can be unit-tested.

use std::any::Any;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Message;

use super::{CheckContext, Matcher, Probe, ProbeError, Ticket};
use crate::Stats;

impl CheckContext {
    /// A context on no connection, to unit-test a check without a supervisor or a socket:
    /// [`stats`](CheckContext::stats) and [`state`](CheckContext::state) return what is
    /// given here, and every probe ([`ping`](CheckContext::ping),
    /// [`request`](CheckContext::request), [`send`](CheckContext::send)) fails with
    /// [`ProbeError::Closed`], as on a connection that has ended; a message no connection
    /// may send (a Pong, a Close, a Ping over 125 bytes) gets [`ProbeError::Invalid`] first,
    /// as there.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// use ws_health::{async_trait, CheckContext, Health, HealthCheck, Stats, Status};
    ///
    /// struct SessionValid;
    ///
    /// #[async_trait]
    /// impl HealthCheck for SessionValid {
    ///     async fn check(&self, ctx: &CheckContext) -> Health {
    ///         match ctx.state::<AtomicBool>() {
    ///             Some(valid) if valid.load(Ordering::Relaxed) => Health::healthy("valid"),
    ///             _ => Health::unhealthy("session revoked"),
    ///         }
    ///     }
    /// }
    ///
    /// # tokio_test_block_on(async {
    /// let session = Arc::new(AtomicBool::new(true));
    /// let ctx = CheckContext::detached("session", Stats::default(), Some(session.clone()));
    /// assert_eq!(SessionValid.check(&ctx).await.status(), Status::Healthy);
    /// session.store(false, Ordering::Relaxed);
    /// assert_eq!(SessionValid.check(&ctx).await.status(), Status::Unhealthy);
    /// # });
    /// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    /// # }
    /// ```
    pub fn detached(
        check_name: &str,
        stats: Stats,
        state: Option<Arc<dyn Any + Send + Sync>>,
    ) -> Self {
        CheckContext::new(Arc::new(Detached { stats, state }), check_name.into())
    }
}

/// The probe of a detached context: stats and state as given, no wire.
struct Detached {
    stats: Stats,
    state: Option<Arc<dyn Any + Send + Sync>>,
}

impl Probe for Detached {
    fn connection_id(&self) -> u64 {
        0
    }

    fn stats(&self) -> Stats {
        self.stats
    }

    fn state(&self) -> Option<&(dyn Any + Send + Sync)> {
        self.state.as_deref()
    }

    fn submit_ping(&self, _: Bytes) -> Result<Ticket, ProbeError> {
        Err(ProbeError::Closed)
    }

    fn poll_pong(&self, _: Ticket, _: &mut Context<'_>) -> Poll<Result<Duration, ProbeError>> {
        Poll::Ready(Err(ProbeError::Closed))
    }

    fn submit_expect(&self, _: Matcher) -> Result<Ticket, ProbeError> {
        Err(ProbeError::Closed)
    }

    fn poll_expect(&self, _: Ticket, _: &mut Context<'_>) -> Poll<Result<Message, ProbeError>> {
        Poll::Ready(Err(ProbeError::Closed))
    }

    fn reading_paused(&self) -> bool {
        false
    }

    fn send(&self, message: Message) -> Result<(), ProbeError> {
        // What a live connection refuses before it looks at its state (a Pong, a raw Frame, a
        // Close, a Ping over 125 bytes) is refused here too, so that a test sees it.
        crate::frame::check_queueable(&message).map_err(ProbeError::Invalid)?;
        Err(ProbeError::Closed)
    }

    fn cancel(&self, _: Ticket) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{ping_pong, PingCheck};
    use crate::Status;

    #[tokio::test]
    async fn a_detached_context_gives_its_stats_and_fails_every_probe() {
        let stats = Stats {
            outbound_queued: 7,
            ..Stats::default()
        };
        let ctx = CheckContext::detached("backlog", stats, None);
        assert_eq!(ctx.stats().outbound_queued, 7);
        assert_eq!(ctx.check_name(), "backlog");
        assert!(ctx.state::<u8>().is_none());
        let health = ping_pong(&PingCheck, &ctx).await;
        assert_eq!(health.status(), Status::Unhealthy);
        assert_eq!(health.reason(), "connection closed");
        let request = ctx.request(Message::text("ping"), Duration::from_secs(1), |_| true);
        assert!(matches!(request.await, Err(ProbeError::Closed)));
        assert!(matches!(
            ctx.send(Message::text("x")),
            Err(ProbeError::Closed)
        ));
    }

    /// What a live connection refuses as invalid, ended or not, a detached context refuses
    /// the same way: a check's test that takes `Closed` for harmless must not pass where the
    /// real connection says `Invalid` at every run.
    #[test]
    fn a_detached_context_refuses_what_a_connection_refuses() {
        let ctx = CheckContext::detached("sender", Stats::default(), None);
        for message in [
            Message::Pong(Default::default()),
            Message::Ping(vec![0; 126].into()),
            Message::Close(None),
        ] {
            let sent = ctx.send(message.clone());
            assert!(
                matches!(sent, Err(ProbeError::Invalid(_))),
                "{message:?}: {sent:?}"
            );
        }
    }
}
