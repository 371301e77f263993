//! A ping payload over 125 bytes (the RFC 6455 limit for control frames, which tungstenite
//! checks only on receive) is refused before it is sent: a check overriding `payload()`
//! with 126 bytes reports Unhealthy "bad ping: ..." and nothing reaches the wire, while
//! 125 bytes go out and are answered.

mod support;

use bytes::Bytes;
use support::{mock_transport, ms, recorded, Recorder};
use ws_health::tungstenite::Message;
use ws_health::{HealthCheck, Status, Supervisor};

/// The default ping/pong with a payload of the given size.
struct Payload(usize);

impl HealthCheck for Payload {
    fn payload(&self) -> Bytes {
        vec![b'x'; self.0].into()
    }
}

#[tokio::test(start_paused = true)]
async fn oversized_ping_payload_is_refused() {
    let recorder = Recorder::default();
    let supervisor = |size| {
        Supervisor::builder()
            .with_ping(Payload(size))
            .with_ping_settings(recorded(ms(1000), ms(500)))
            .with_custom_action("record", recorder.clone())
            .build()
            .unwrap()
    };

    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor(126).supervise(transport);
    tokio::time::sleep(ms(1100)).await;
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].check_status, Status::Unhealthy);
    assert_eq!(
        events[0].reason,
        "bad ping: ping payload is 126 bytes; a control frame carries at most 125"
    );
    assert_eq!(peer.try_recv(), None, "an oversized ping reached the wire");
    assert_eq!(conn.stats().pings_sent, 0);
    assert_eq!(conn.stats().pings_missed, 0);

    // The limit itself is fine.
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor(125).supervise(transport);
    let ping = peer.recv().await.unwrap();
    assert_eq!(ping, Message::Ping(vec![b'x'; 125].into()));
    let Message::Ping(payload) = ping else {
        unreachable!()
    };
    peer.pong(payload);
    tokio::time::sleep(ms(10)).await;
    assert_eq!(conn.stats().pongs_received, 1);
    assert!(conn.health().is_healthy());
    assert_eq!(recorder.events().len(), 1, "the 125-byte ping failed");
}
