//! A business check composed with the default ping runs its own policy action: a "session"
//! check whose `on_unhealthy` closes with 1008 "session expired" makes the peer see exactly
//! that close frame, while until then the ping check kept the connection open and Healthy.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{ms, policy_closing_within, raw_peer, supervised_server, RawPeer};
use ws_health::policy::Action;
use ws_health::supervisor::Initiator;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Healthy until the test expires the session.
struct Session(Arc<AtomicBool>);

#[async_trait]
impl HealthCheck for Session {
    async fn check(&self, _: &CheckContext) -> Health {
        if self.0.load(Ordering::SeqCst) {
            Health::unhealthy("session token no longer valid")
        } else {
            Health::healthy("session valid")
        }
    }
}

#[tokio::test]
async fn failing_business_check_runs_its_own_close_action() {
    support::trace();
    let expired = Arc::new(AtomicBool::new(false));
    let session_settings = CheckSettings {
        on_unhealthy: Some(vec![Action::Close {
            code: 1008,
            reason: Some("session expired".into()),
        }]),
        ..CheckSettings::every(ms(30), Duration::from_secs(2))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(20), Duration::from_secs(2)))
        .with_check("session", Session(expired.clone()), session_settings)
        .with_policy(policy_closing_within(ms(200)))
        .build()
        .unwrap();
    let (addr, mut conns) = supervised_server(supervisor).await;
    let mut peer = RawPeer::connect(addr).await;
    let conn = conns.recv().await.unwrap();

    // The ping check keeps the connection alive while the session is valid.
    for _ in 0..5 {
        let ping = peer.read_frame().await.unwrap();
        assert_eq!(ping.opcode, raw_peer::PING, "{ping:?}");
        peer.pong(&ping.payload).await;
    }
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());
    assert_eq!(conn.disconnect(), None);

    expired.store(true, Ordering::SeqCst);
    let close = peer
        .next_answering_pings()
        .await
        .expect("dropped without a close frame");
    assert_eq!(close.opcode, raw_peer::CLOSE, "{close:?}");
    assert_eq!(close.close_code(), 1008);
    assert_eq!(close.close_reason(), "session expired");
    peer.close(1008, "").await;

    let end = conn.closed().await;
    assert_eq!(end.initiator, Initiator::Policy);
    assert_eq!((end.code, end.reason.as_str()), (1008, "session expired"));
    assert!(!end.reconnect);
    let stats = conn.stats();
    assert!(stats.pongs_received >= 5, "{stats:?}");
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    let health = conn.health();
    assert_eq!(health.status(), Status::Unhealthy);
    assert_eq!(health.reason(), "session: session token no longer valid");
}
