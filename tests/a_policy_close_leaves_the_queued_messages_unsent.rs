//! The policy's close frame goes at once: messages the application queued before the policy
//! decided are not sent ahead of it, and are counted in the end's `unsent`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::mock_transport;
use tokio::sync::Notify;
use ws_health::tungstenite::Message;
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Initiator};
use ws_health::{Supervisor, TrySendError};

/// Fails when told to.
struct FailsWhenTold(Arc<Notify>);

#[async_trait]
impl HealthCheck for FailsWhenTold {
    async fn check(&self, _: &CheckContext) -> Health {
        self.0.notified().await;
        Health::unhealthy("told to fail")
    }
}

#[tokio::test(start_paused = true)]
async fn a_policy_close_leaves_the_queued_messages_unsent() {
    let told = Arc::new(Notify::new());
    let no_ping = CheckSettings {
        enabled: false,
        ..CheckSettings::default()
    };
    let every_second = CheckSettings::every(Duration::from_secs(1), Duration::from_secs(10));
    let supervisor = Supervisor::builder()
        .with_ping_settings(no_ping)
        .with_check("fails", FailsWhenTold(told.clone()), every_second)
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    // The check runs from 1 s on. Three messages are queued, and the check fails, before the
    // driver runs again: it sees both in one pass.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for text in ["one", "two", "three"] {
        conn.try_send(Message::text(text))
            .unwrap_or_else(|e: TrySendError| panic!("{e}"));
    }
    told.notify_one();

    let first = support::within("the close frame", peer.recv()).await;
    assert!(
        matches!(&first, Some(Message::Close(Some(f))) if u16::from(f.code) == 1011),
        "the policy's close frame first, got {first:?}"
    );
    peer.close(1011, "");
    let end = support::within("the end", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    assert_eq!(end.unsent, 3, "{end}");
}
