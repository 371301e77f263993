//! A pong answers its ping and every earlier one (RFC 6455 §5.5.3: a peer may answer only
//! the latest), also when the later ping's own check was cut off meanwhile: a quick latency
//! check timed out at 50 ms, the peer's pong for its ping at 100 ms still answers the
//! keepalive's earlier ping. The cut-off ping was forgotten, the pong taken for unsolicited,
//! and the keepalive closed a healthy peer with 1011.

mod support;

use std::time::Duration;

use support::{mock_transport, ms, policy_closing_within};
use tokio::time::{sleep_until, Instant};
use ws_health::check::PingCheck;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

fn every(interval: u64, timeout: u64) -> CheckSettings {
    CheckSettings {
        slack: Duration::ZERO,
        ..CheckSettings::every(ms(interval), ms(timeout))
    }
}

#[tokio::test(start_paused = true)]
async fn a_pong_for_a_cut_off_later_ping_still_answers_the_earlier() {
    let quick = CheckSettings {
        critical: false,
        ..every(1000, 50)
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(every(1000, 800))
        .with_check("quick", PingCheck, quick)
        .with_policy(policy_closing_within(ms(250)))
        .build()
        .unwrap();
    let start = Instant::now();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    // Both pings at 1 s: the keepalive's, then the quick check's.
    let mut payloads = Vec::new();
    for _ in 0..2 {
        match peer.recv().await {
            Some(Message::Ping(payload)) => payloads.push(payload),
            other => panic!("expected a ping, got {other:?}"),
        }
    }
    // The quick check gives up at 1.05 s; the peer answers only the latest ping at 1.1 s.
    sleep_until(start + ms(1100)).await;
    peer.pong(payloads[1].clone());
    // Past the keepalive's deadline (1.8 s), before the next runs (2 s).
    sleep_until(start + ms(1900)).await;

    let stats = conn.stats();
    assert_eq!(stats.pings_missed, 1, "only the quick check's: {stats:?}");
    assert_eq!(stats.latency, ms(100), "the keepalive's round trip");
    // The quick check's ping, counted missed, is not also counted answered.
    assert_eq!(stats.pongs_received, 1, "only the keepalive's: {stats:?}");
    // The quick check is not critical: Degraded, not Unhealthy, and no close.
    assert_eq!(
        conn.health().status(),
        ws_health::Status::Degraded,
        "{}",
        conn.health()
    );
    assert_eq!(conn.disconnect(), None);
}
