//! The `closing connection` event of a close that a policy ordered names the check whose
//! result ordered it and that result. A close action with a fixed reason ("session
//! revoked", "app heartbeat timeout") puts only that reason on the wire; the event said no
//! more, so with a check's own `on_unhealthy = [{ action = "close", ... }]` and no `log`
//! action, nothing at info told which check closed the connection, nor why it failed.

mod support;

use support::logs::Captured;
use support::mock_transport::{self, close_of};
use support::ms;
use ws_health::policy::Action;
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

/// Fails at once, with a reason the close action does not carry.
struct Session;

#[async_trait]
impl HealthCheck for Session {
    async fn check(&self, _: &CheckContext) -> Health {
        Health::unhealthy("token tok-5 is on the revocation list")
    }
}

#[tokio::test(start_paused = true)]
async fn a_policy_close_is_logged_with_the_check_and_its_result() {
    let logs = Captured::default();
    let _guard = logs.install("ws_health=info");
    let session = CheckSettings {
        initial_delay: Some(ms(10)),
        slack: ms(0),
        on_unhealthy: Some(vec![Action::close(1008, "session revoked")]),
        ..CheckSettings::every(ms(1000), ms(100))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check("session", Session, session)
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    let close = loop {
        let message = peer.recv().await.expect("a close frame");
        if message.is_close() {
            break message;
        }
    };
    assert_eq!(close_of(&close), (1008, "session revoked".into()));
    peer.close(1008, "");
    conn.closed().await;

    let text = logs.text();
    let closing: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("closing connection"))
        .collect();
    assert_eq!(closing.len(), 1, "{text}");
    assert!(closing[0].contains(r#"check="session""#), "{text}");
    assert!(
        closing[0].contains("token tok-5 is on the revocation list"),
        "{text}"
    );
}
