//! A check that pings and then waits on something else (a backend) and times out has had
//! its ping answered: the timeout is the run's ("timed out after 500ms"), not a missed ping.
//! Before, the answered ping was counted in `pings_missed` and the reason was "keepalive ping
//! timeout", although its pong was counted received (found by a review of the check layer).

mod support;

use std::future::Future;
use std::task::Poll;

use support::{mock_transport, ms};
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

/// Sends a ping (polling it once) and then waits on a backend that never answers, leaving
/// the ping's pong unread.
struct PingThenBackend;

#[async_trait]
impl HealthCheck for PingThenBackend {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let mut ping = std::pin::pin!(ctx.ping(bytes::Bytes::from_static(b"p")));
        std::future::poll_fn(|cx| {
            let _ = ping.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        std::future::pending::<Health>().await
    }
}

#[tokio::test(start_paused = true)]
async fn a_ping_answered_in_a_run_that_times_out_is_not_missed() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check(
            "backend",
            PingThenBackend,
            CheckSettings::every(ms(1000), ms(500)),
        )
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(10));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    support::within("the timeout", health.changed())
        .await
        .unwrap();
    let judged = health.borrow().clone();
    assert_eq!(judged.reason(), "backend: timed out after 500ms");
    let stats = conn.stats();
    assert_eq!(
        (stats.pongs_received, stats.pings_missed),
        (1, 0),
        "{stats:?}"
    );
}
