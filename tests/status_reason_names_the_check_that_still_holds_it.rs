//! When a check recovers but another still holds the connection down, the published reason
//! says both: what changed, and which check the connection is still Degraded for. Before, it
//! read "ping: pong received" on a Degraded connection, naming only the check that was fine.

mod support;

use support::mock_transport;
use support::ms;
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
