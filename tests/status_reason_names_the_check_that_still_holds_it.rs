//! When a check recovers but another still holds the connection down, the published reason
//! says both: what changed, and which check the connection is still Degraded for. Before, it
//! read "ping: pong received" on a Degraded connection, naming only the check that was fine.
//! The reason follows such a change even where the status stays: it used to keep naming a
//! check that had recovered, for as long as another held the connection there.

mod support;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use support::mock_transport;
use support::{ms, Scripted};
use ws_health::policy::{Action, LogLevel};
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Always stale.
struct Feed;

#[async_trait]
impl HealthCheck for Feed {
    async fn check(&self, _: &CheckContext) -> Health {
        Health::unhealthy("feed stale")
    }
}

#[tokio::test(start_paused = true)]
async fn status_reason_names_the_check_that_still_holds_it() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            // It only logs, so that the connection stays open to recover.
            on_unhealthy: Some(vec![Action::Log {
                level: LogLevel::Warn,
            }]),
            ..CheckSettings::every(ms(100), ms(50))
        })
        .with_check(
            "feed",
            Feed,
            CheckSettings {
                critical: false,
                ..CheckSettings::every(ms(100), ms(50))
            },
        )
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair(); // no pongs yet
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    support::within("Unhealthy", async {
        while health.borrow_and_update().status() != Status::Unhealthy {
            health.changed().await.unwrap();
        }
    })
    .await;
    peer.answer_pings_after(ms(1));
    health.changed().await.unwrap();
    let now = health.borrow_and_update().clone();
    assert_eq!(now.status(), Status::Degraded, "{now}");
    assert_eq!(now.reason(), "ping: pong received; feed still degraded");
}

#[tokio::test(start_paused = true)]
async fn the_reason_follows_the_check_that_holds_the_status_though_it_stays() {
    let (a, b) = (Arc::new(AtomicU8::new(0)), Arc::new(AtomicU8::new(0)));
    let lenient = CheckSettings {
        critical: false, // Unhealthy weighs Degraded
        ..CheckSettings::every(ms(100), ms(50))
    };
    let supervisor = Supervisor::builder()
        .with_check(
            "a",
            Scripted(a.clone()),
            CheckSettings::every(ms(100), ms(50)),
        )
        .with_check("b", Scripted(b.clone()), lenient)
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let after_two_runs = || tokio::time::sleep(ms(250));

    a.store(1, Ordering::Relaxed);
    after_two_runs().await;
    assert_eq!(conn.health().to_string(), "degraded: a: slow");

    b.store(2, Ordering::Relaxed);
    after_two_runs().await;
    let health = conn.health();
    assert_eq!(health.status(), Status::Degraded);
    assert_eq!(health.reason(), "b: stale; a still degraded");

    a.store(0, Ordering::Relaxed);
    after_two_runs().await;
    let health = conn.health();
    assert_eq!(health.status(), Status::Degraded);
    assert_eq!(
        health.reason(),
        "a: fine; b still degraded",
        "names the check that holds it"
    );
    assert_eq!(conn.disconnect(), None);
}
