//! A check's own actions run when the check changes status even if the connection's status
//! does not move: a session check's close 1008 is not lost because a ping that only logs
//! had made the connection Unhealthy first. Before, actions ran only on the connection's
//! changes (Unhealthy to Unhealthy is none) and the connection was never closed.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use support::mock_transport::{self, close_of};
use support::ms;
use ws_health::policy::{Action, LogLevel};
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Unhealthy once the test revokes the session.
struct Session(Arc<AtomicBool>);

#[async_trait]
impl HealthCheck for Session {
    async fn check(&self, _: &CheckContext) -> Health {
        if self.0.load(Ordering::Relaxed) {
            Health::unhealthy("session revoked")
        } else {
            Health::healthy("session valid")
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_session_check_closes_a_connection_a_failing_ping_only_logged() {
    let revoked = Arc::new(AtomicBool::new(false));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            on_unhealthy: Some(vec![Action::Log {
                level: LogLevel::Warn,
            }]),
            ..CheckSettings::every(ms(100), ms(50))
        })
        .with_check(
            "session",
            Session(revoked.clone()),
            CheckSettings {
                on_unhealthy: Some(vec![Action::Close {
                    code: 1008,
                    reason: Some("session revoked".into()),
                }]),
                ..CheckSettings::every(ms(100), ms(50))
            },
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair(); // it never answers a ping
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    health.changed().await.unwrap();
    let unhealthy = health.borrow_and_update().clone();
    assert_eq!(unhealthy.status(), Status::Unhealthy);
    assert_eq!(unhealthy.reason(), "ping: keepalive ping timeout");
    assert!(matches!(peer.recv().await, Some(Message::Ping(_))));
    assert!(conn.disconnect().is_none(), "the ping only logs");

    revoked.store(true, Ordering::Relaxed);
    let close = support::within("a close frame", async {
        loop {
            match peer.recv().await.expect("dropped without a close frame") {
                Message::Ping(_) => continue,
                other => break other,
            }
        }
    })
    .await;
    assert_eq!(close_of(&close), (1008, "session revoked".into()));
    peer.close(1008, "");
    let end = support::within("the close", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1008));
}

/// A non-critical check makes the connection at most Degraded, but its own `on_unhealthy`
/// follows its own status: it runs when the check becomes Unhealthy. Before, the
/// connection's move to Degraded ran `on_degraded`, and `on_unhealthy` never ran.
#[tokio::test(start_paused = true)]
async fn a_non_critical_check_runs_its_own_on_unhealthy() {
    let revoked = Arc::new(AtomicBool::new(true));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .with_check(
            "feed",
            Session(revoked),
            CheckSettings {
                critical: false,
                on_unhealthy: Some(vec![Action::Close {
                    code: 4001,
                    reason: None,
                }]),
                ..CheckSettings::every(ms(100), ms(50))
            },
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);

    let close = support::within("a close frame", peer.recv()).await.unwrap();
    assert_eq!(close_of(&close), (4001, "session revoked".into()));
    assert_eq!(
        conn.health().status(),
        Status::Degraded,
        "{}",
        conn.health()
    );
    peer.close(4001, "");
    let end = support::within("the close", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 4001));
}
