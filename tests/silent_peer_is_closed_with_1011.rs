//! A peer that stops answering pings is closed with 1011 "keepalive ping timeout" between
//! `timeout` and `interval + timeout` after it went silent.

mod support;

use std::time::Duration;

use support::{raw_peer, supervised_server, RawPeer};
use tokio::time::Instant;
use ws_health::policy::Policy;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test]
async fn silent_peer_is_closed_with_1011() {
    support::trace();
    let interval = Duration::from_millis(200);
    let timeout = Duration::from_millis(300);
    let policy = Policy {
        close_timeout: Duration::from_millis(100),
        ..Policy::default()
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(interval, timeout))
        .with_policy(policy)
        .build()
        .unwrap();
    let (addr, mut conns) = supervised_server(supervisor).await;
    let mut peer = RawPeer::connect(addr).await;
    let conn = conns.recv().await.unwrap();

    // Answer three pings, then go silent right after the third pong.
    for _ in 0..3 {
        let ping = peer.read_frame().await.unwrap();
        assert_eq!(ping.opcode, raw_peer::PING);
        peer.pong(&ping.payload).await;
    }
    let silent_since = Instant::now();
    let close = loop {
        let frame = peer
            .read_frame()
            .await
            .expect("server closed without a close frame");
        if frame.opcode == raw_peer::CLOSE {
            break frame;
        }
        assert_eq!(frame.opcode, raw_peer::PING, "unexpected {frame:?}");
    };
    let detected = silent_since.elapsed();
    assert_eq!(close.close_code(), 1011);
    assert_eq!(close.close_reason(), "keepalive ping timeout");
    assert!(
        detected >= timeout,
        "closed after {detected:?}, before the timeout"
    );
    // Generous upper tolerance for a loaded 2-core machine (the exact timing is tested on a
    // paused clock, in silent_peer_is_closed_between_timeout_and_interval_plus_timeout); the
    // lower bound is exact.
    assert!(
        detected <= interval + timeout + Duration::from_secs(2),
        "closed after {detected:?}"
    );

    let end = conn.closed().await;
    assert_eq!(end.code, 1011);
    assert!(conn.stats().pings_missed >= 1);
    assert!(conn.stats().pongs_received >= 3);
}
