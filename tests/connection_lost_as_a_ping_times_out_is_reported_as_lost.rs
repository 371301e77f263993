//! A connection whose stream ends in the same pass as a ping's deadline is reported as lost
//! (network, 1006), not as closed by the policy with a close frame that could never be sent:
//! the wrong end misleads logs and metrics, and a client would treat the policy's code as
//! final.

mod support;

use support::{mock_transport, ms};
use tokio_tungstenite::tungstenite::Message;
use ws_health::supervisor::Initiator;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn connection_lost_as_a_ping_times_out_is_reported_as_lost() {
    let settings = CheckSettings {
        slack: std::time::Duration::ZERO,
        ..CheckSettings::every(ms(100), ms(50))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(settings)
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);
    // The ping leaves at 100 ms and is never answered; the stream ends at 150 ms, the
    // ping's deadline, behind a message that wakes the reader at that instant.
    peer.send_after(ms(150), Message::text("last words"));
    peer.end();

    let end = support::within("the end", conn.closed()).await;
    assert_eq!(
        (end.initiator, end.code),
        (Initiator::Network, 1006),
        "{end}"
    );
    assert!(matches!(peer.recv().await, Some(Message::Ping(_))));
    assert!(peer.try_recv().is_none(), "a frame written after the end");
}
