//! Unsolicited pongs (RFC 6455 allows them as a one-way heartbeat) and pongs whose payload
//! matches no ping in flight are ignored: no crash, no RTT recorded, and the ping they do
//! not answer still waits for its own pong.

mod support;

use bytes::Bytes;
use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn unsolicited_and_unknown_pongs_are_ignored() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let start = Instant::now();
    let mut conn = supervisor.supervise(transport);

    // Before any ping: an unsolicited pong, an empty one, and the largest allowed.
    peer.pong(Bytes::from_static(b"unsolicited"));
    peer.pong(Bytes::new());
    peer.pong(vec![0xAB; 125]);
    peer.text("after the pongs");
    assert_eq!(conn.recv().await, Some(Message::text("after the pongs")));
    assert_eq!(conn.stats().pongs_received, 0);
    assert_eq!(conn.latency(), ms(0));

    let Some(Message::Ping(payload)) = peer.recv().await else {
        panic!("expected a ping")
    };
    assert_eq!(Instant::now() - start, ms(1000));
    // Wrong payloads first — a different one, a truncated one, one byte changed — then
    // the right one 9 ms after the ping.
    let mut changed = payload.to_vec();
    changed[0] ^= 1;
    peer.send_after(ms(1), Message::Pong(Bytes::from_static(b"wrong")));
    peer.send_after(ms(1), Message::Pong(payload.slice(..2)));
    peer.send_after(ms(1), Message::Pong(changed.into()));
    peer.send_after(ms(9), Message::Pong(payload.clone()));
    // And a duplicate of the right one afterwards.
    peer.send_after(ms(20), Message::Pong(payload));
    tokio::time::sleep(ms(100)).await;

    let stats = conn.stats();
    assert_eq!(stats.pongs_received, 1, "{stats:?}");
    assert_eq!(stats.latency, ms(9), "a wrong pong was taken as the answer");
    assert_eq!(stats.pings_missed, 0);
    assert!(conn.health().is_healthy(), "{}", conn.health());
    assert_eq!(conn.disconnect(), None);
}
