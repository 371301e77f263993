//! A ping that waits behind a backed-up socket has not left yet: its round-trip time and
//! its pong deadline run from the moment its flush completed, not from when it was queued.
//! A ping that never leaves is reported unanswered.

mod support;

use support::{mock_transport, ms, policy_closing_within};
use tokio::time::{sleep_until, Instant};
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn pong_deadline_and_rtt_run_from_the_flush() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .with_policy(policy_closing_within(ms(250)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let start = Instant::now();
    let conn = supervisor.supervise(transport);

    // 1. The ping is queued at 1 s but flushed at 1.3 s, answered 10 ms after that.
    peer.hold_flushes();
    sleep_until(start + ms(1300)).await;
    assert_eq!(peer.try_recv(), None, "flushed while held");
    peer.release_flushes();
    let Some(Message::Ping(payload)) = peer.recv().await else {
        panic!("expected a ping")
    };
    assert_eq!(Instant::now() - start, ms(1300));
    peer.send_after(ms(10), Message::Pong(payload));
    sleep_until(start + ms(1400)).await;
    assert_eq!(
        conn.latency(),
        ms(10),
        "RTT counted from the queue, not the flush"
    );

    // 2. Queued at 2 s, flushed at 2.4 s, answered at 2.8 s: past 2 s + timeout, within
    //    flush + timeout. Not a timeout.
    peer.hold_flushes();
    sleep_until(start + ms(2400)).await;
    peer.release_flushes();
    let Some(Message::Ping(payload)) = peer.recv().await else {
        panic!("expected a ping")
    };
    peer.send_after(ms(400), Message::Pong(payload));
    sleep_until(start + ms(2900)).await;
    assert_eq!(conn.latency(), ms(400));
    assert_eq!(conn.disconnect(), None);
    assert!(conn.health().is_healthy(), "{}", conn.health());
    assert_eq!(conn.stats().pings_missed, 0);

    // 3. Queued at 3 s and never flushed: unanswered at 3.5 s; the close frame cannot leave
    //    either, so TCP is dropped at the close timeout.
    peer.hold_flushes();
    let end = conn.closed().await;
    assert_eq!(Instant::now() - start, ms(3500 + 250));
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    assert_eq!(end.reason, "keepalive ping timeout");
    assert!(!end.clean);
    assert_eq!(conn.stats().pings_missed, 1);
    assert_eq!(peer.recv().await, None);
}
