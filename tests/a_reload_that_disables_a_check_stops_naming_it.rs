//! A reload that disables a check while another holds the connection's status leaves the
//! status where it is, and stops naming the disabled check as the reason: the published
//! reason names the check that holds the status, as a reload that changes the status does.

mod support;

use std::time::Duration;

use support::mock_transport;
use support::ms;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Config, Health, HealthCheck, Status, Supervisor,
};

/// Always failing, with its name in the reason.
struct Stale(&'static str);

#[async_trait]
impl HealthCheck for Stale {
    async fn check(&self, _: &CheckContext) -> Health {
        Health::unhealthy(format!("{} stale", self.0))
    }
}

fn ping() -> CheckSettings {
    CheckSettings::every(ms(500), ms(200))
}

/// Lenient, every second, first run after `delay`.
fn lenient(delay: Duration, enabled: bool) -> CheckSettings {
    CheckSettings {
        critical: false,
        enabled,
        initial_delay: Some(delay),
        ..CheckSettings::every(ms(1000), ms(200))
    }
}

#[tokio::test(start_paused = true)]
async fn a_reload_that_disables_a_check_stops_naming_it() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping())
        .with_check("feed", Stale("feed"), lenient(ms(100), true))
        .with_check("stock", Stale("stock"), lenient(ms(300), true))
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    // feed fails first and holds Degraded; stock fails after it and is named, feed beside.
    while !health.borrow_and_update().reason().starts_with("stock:") {
        health.changed().await.unwrap();
    }
    assert_eq!(
        health.borrow().reason(),
        "stock: stock stale; feed still degraded"
    );

    let mut config = Config {
        ping: ping(),
        ..Config::default()
    };
    config.checks.insert("feed".into(), lenient(ms(100), true));
    config
        .checks
        .insert("stock".into(), lenient(ms(300), false));
    supervisor.reload(&config).unwrap();

    tokio::time::timeout(ms(900), health.changed())
        .await
        .expect("the reason still names the disabled check")
        .unwrap();
    let now = health.borrow().clone();
    assert_eq!(now.status(), Status::Degraded);
    assert_eq!(now.reason(), "feed: configuration reloaded");
    assert_eq!(conn.disconnect(), None);
}
