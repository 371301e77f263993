//! An application-level heartbeat that goes unanswered fails its check when its own
//! request timeout passes, and the default policy closes with 1011 and the check's reason.

mod support;

use std::time::Duration;

use support::{close_of, mock_transport, ms};
use tokio::time::Instant;
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

const PING: &str = r#"{"op":"ping"}"#;
const PONG: &str = r#"{"op":"pong"}"#;

struct Heartbeat;

#[async_trait]
impl HealthCheck for Heartbeat {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let answer = ctx
            .request(
                Message::text(PING),
                ms(400),
                |m| matches!(m, Message::Text(t) if t.as_str() == PONG),
            )
            .await;
        match answer {
            Ok(_) => Health::healthy("heartbeat answered"),
            Err(err) => Health::unhealthy(format!("heartbeat: {err}")),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn app_heartbeat_check_closes_a_peer_that_stops_answering() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(300), ms(100)))
        .with_check(
            "heartbeat",
            Heartbeat,
            CheckSettings::every(ms(1000), ms(2000)),
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let start = Instant::now();
    let conn = supervisor.supervise(transport);

    // Two heartbeats answered, the third not.
    for _ in 0..2 {
        assert_eq!(peer.recv().await, Some(Message::text(PING)));
        peer.send_after(ms(5), Message::text(PONG));
    }
    assert_eq!(peer.recv().await, Some(Message::text(PING)));
    let close = peer.recv().await.unwrap();
    assert_eq!(Instant::now() - start, Duration::from_secs(3) + ms(400));
    let reason = "heartbeat: no answer within 400ms";
    assert_eq!(close_of(&close), (1011, reason.to_owned()));
    let end = conn.closed().await;
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str()),
        (Initiator::Policy, 1011, reason)
    );
    // The ping check was never the one to fail.
    assert_eq!(conn.stats().pings_missed, 0);
}
