//! An application-level heartbeat check (`{"op":"ping"}` → `{"op":"pong"}` through
//! `CheckContext::request`) works against a peer that answers it, and takes only its answer:
//! application messages interleaved around it reach the application complete and in order,
//! and the heartbeat's answer never does.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::tungstenite::Message;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

const PING: &str = r#"{"op":"ping"}"#;
const PONG: &str = r#"{"op":"pong"}"#;

/// The heartbeat: healthy when the peer answers within 1 s; records each round trip.
struct Heartbeat(Arc<Mutex<Vec<Duration>>>);

#[async_trait]
impl HealthCheck for Heartbeat {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let sent = Instant::now();
        let answer = ctx
            .request(
                Message::text(PING),
                Duration::from_secs(1),
                |m| matches!(m, Message::Text(t) if t.as_str() == PONG),
            )
            .await;
        match answer {
            Ok(_) => {
                self.0.lock().unwrap().push(sent.elapsed());
                Health::healthy("heartbeat answered")
            }
            Err(err) => Health::unhealthy(format!("heartbeat: {err}")),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn app_heartbeat_check_does_not_steal_application_messages() {
    let answered = Arc::new(Mutex::new(Vec::new()));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(700), ms(300)))
        .with_check(
            "heartbeat",
            Heartbeat(answered.clone()),
            CheckSettings::every(ms(1000), ms(2000)),
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let mut conn = supervisor.supervise(transport);

    let mut expected = Vec::new();
    for round in 0..5 {
        let request = peer.recv().await.unwrap();
        assert_eq!(request, Message::text(PING), "round {round}");
        // Application messages just before the answer, one that looks alike but is not
        // it, and more after; the answer itself arrives 20 ms later than the first.
        let before = [
            Message::text(format!("before {round}")),
            Message::binary(format!("binary {round}").into_bytes()),
            Message::text(r#"{"op":"pong","from":"app"}"#),
        ];
        for m in &before {
            peer.send_after(ms(10), m.clone());
        }
        peer.send_after(ms(20), Message::text(PONG));
        let after = Message::text(format!("after {round}"));
        peer.send_after(ms(20), after.clone());
        expected.extend(before);
        expected.push(after);
        // The application's own {"op":"pong"}, sent while no heartbeat is waiting, is its.
        if round == 2 {
            peer.send_after(ms(500), Message::text(PONG));
            expected.push(Message::text(PONG));
        }
    }

    let mut received = Vec::new();
    while received.len() < expected.len() {
        let next = tokio::time::timeout(Duration::from_secs(5), conn.recv()).await;
        received.push(next.expect("a message went missing").unwrap());
    }
    assert_eq!(received, expected);
    // Nothing more arrives before the next heartbeat (which the peer will not answer).
    let extra = tokio::time::timeout(ms(900), conn.recv()).await;
    assert!(extra.is_err(), "the application got {extra:?}");

    assert_eq!(*answered.lock().unwrap(), [ms(20); 5]);
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());
    assert_eq!(conn.disconnect(), None);
    assert_eq!(conn.stats().messages_received, expected.len() as u64);
}
