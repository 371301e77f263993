//! A non-critical check that fails makes the connection Degraded (visible through
//! `watch_health`) but never closes it; when it passes again the connection recovers.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Fails while the flag is set.
struct Feed(Arc<AtomicBool>);

#[async_trait]
impl HealthCheck for Feed {
    async fn check(&self, _: &CheckContext) -> Health {
        if self.0.load(Ordering::SeqCst) {
            Health::unhealthy("feed stale")
        } else {
            Health::healthy("feed flowing")
        }
    }
}

#[tokio::test(start_paused = true)]
async fn failing_non_critical_check_degrades_without_closing() {
    let stale = Arc::new(AtomicBool::new(true));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(500), ms(200)))
        .with_check(
            "feed",
            Feed(stale.clone()),
            CheckSettings {
                critical: false,
                ..CheckSettings::every(ms(1000), ms(200))
            },
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let start = Instant::now();
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    health.changed().await.unwrap();
    let degraded = health.borrow_and_update().clone();
    assert_eq!(
        Instant::now() - start,
        ms(1000),
        "at the feed check's first run"
    );
    assert_eq!(degraded.status(), Status::Degraded);
    assert_eq!(degraded.reason(), "feed: feed stale");

    // Ten more failing runs: still open, still Degraded, nothing sent but pings.
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(!health.has_changed().unwrap());
    assert_eq!(conn.health().status(), Status::Degraded);
    assert_eq!(conn.disconnect(), None);
    assert_eq!(peer.try_recv(), None, "the peer was sent something");
    assert!(peer.pings_answered() >= 20);
    assert_eq!(conn.stats().pings_missed, 0);

    stale.store(false, Ordering::SeqCst);
    health.changed().await.unwrap();
    assert_eq!(health.borrow().status(), Status::Healthy);
    assert_eq!(health.borrow().reason(), "feed: feed flowing");
    assert_eq!(conn.disconnect(), None);
}
