//! A peer that stops answering pings is closed with 1011 "keepalive ping timeout" no sooner
//! than `timeout` and no later than `interval + timeout` after it went silent: exactly, on a
//! paused clock, for silence starting anywhere in the ping cycle.

mod support;

use std::time::Duration;

use support::{close_of, mock_transport, ms, policy_closing_within};
use tokio::time::Instant;
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

/// Runs one connection whose peer answers every ping it receives up to `silent_at` (after
/// `start`) and none after; returns when it was closed, relative to `start`.
async fn closed_after(interval: Duration, timeout: Duration, silent_at: Duration) -> Duration {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(interval, timeout))
        .with_policy(policy_closing_within(ms(100)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let start = Instant::now();
    let conn = supervisor.supervise(transport);

    let mut pings = 0u32;
    let close = loop {
        let message = peer.recv().await.expect("dropped without a close frame");
        let now = Instant::now();
        match message {
            Message::Ping(payload) => {
                pings += 1;
                // Pings go out exactly on schedule: the first one interval in.
                assert_eq!(now - start, interval * pings, "ping {pings}");
                if now - start <= silent_at {
                    peer.pong(payload);
                }
            }
            Message::Close(_) => break message,
            other => panic!("unexpected {other:?}"),
        }
    };
    let closed = Instant::now() - start;
    assert_eq!(
        close_of(&close),
        (1011, "keepalive ping timeout".to_owned())
    );
    let end = conn.closed().await;
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    let stats = conn.stats();
    assert_eq!(stats.pings_missed, 1);
    assert_eq!(u64::from(pings), stats.pongs_received + 1);
    closed
}

#[tokio::test(start_paused = true)]
async fn silent_peer_is_closed_between_timeout_and_interval_plus_timeout() {
    let timings = [
        // Python websockets' defaults.
        (Duration::from_secs(20), Duration::from_secs(20)),
        // timeout shorter than interval, and longer.
        (ms(1000), ms(300)),
        (ms(500), ms(2000)),
    ];
    for (interval, timeout) in timings {
        // Silence starts right after the third pong, 1 ms later, at quarters of the cycle,
        // and 1 ms before the fourth ping.
        let offsets = [
            Duration::ZERO,
            ms(1),
            interval / 4,
            interval / 2,
            interval * 3 / 4,
            interval - ms(1),
        ];
        for offset in offsets {
            let silent_at = interval * 3 + offset;
            let closed = closed_after(interval, timeout, silent_at).await;
            // The first ping after the silence began goes unanswered; its timeout closes.
            let first_unanswered = interval * 4;
            assert_eq!(
                closed,
                first_unanswered + timeout,
                "interval {interval:?}, timeout {timeout:?}, silent from {silent_at:?}"
            );
            let detected = closed - silent_at;
            assert!(
                timeout <= detected && detected <= interval + timeout,
                "detected after {detected:?} (interval {interval:?}, timeout {timeout:?})"
            );
            if offset.is_zero() {
                assert_eq!(detected, interval + timeout, "the worst case is reached");
            }
            if offset == interval - ms(1) {
                assert_eq!(detected, timeout + ms(1), "the best case is reached");
            }
        }
    }
}
