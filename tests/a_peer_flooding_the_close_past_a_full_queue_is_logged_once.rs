//! While a close is under way, the connection reads on past a full inbound queue and drops what
//! does not fit. That is logged once per connection at debug, and the warning at its end counts
//! the messages: it used to write a debug line per message dropped, for as long as the close may
//! take (`policy.close_timeout`, 10 s), so that a peer that floods small frames during the close
//! wrote a line per frame. Found by a churn run in which 1,000 peers that flood and never read
//! wrote 55,898 such lines before their closes timed out.

mod support;

use std::time::Duration;

use support::logs::Captured;
use support::raw_peer::{frame, BINARY, CLOSE};
use support::RawPeer;
use ws_health::config::Queues;
use ws_health::{CheckSettings, Supervisor};

const DROPPED: usize = 50;

#[tokio::test]
async fn a_peer_flooding_the_close_past_a_full_queue_is_logged_once() {
    let logs = Captured::default();
    let _guard = logs.install("ws_health=debug");
    let supervisor = Supervisor::builder()
        // No ping during the test.
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(3600),
            Duration::from_secs(60),
        ))
        .with_queues(Queues {
            inbound: 2,
            outbound: 4,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (addr, mut conns) = support::supervised_server(supervisor).await;
    let mut peer = RawPeer::connect(addr).await;
    let conn = conns.recv().await.unwrap();

    // The application never reads, and closes; the peer reads our close, then sends two
    // messages the queue takes, fifty that it cannot, and its close reply, in one write.
    conn.close(1000, "done").unwrap();
    let close = peer.read_frame().await.expect("our close frame");
    assert_eq!(close.close_code(), 1000);
    let mask = Some([1, 2, 3, 4]);
    let mut flood = Vec::new();
    for i in 0..2 + DROPPED {
        flood.extend(frame(true, BINARY, &[i as u8], mask));
    }
    flood.extend(frame(true, CLOSE, &1000u16.to_be_bytes(), mask));
    peer.write_raw(&flood).await;

    let end = conn.closed().await;
    assert_eq!(end.undelivered, DROPPED, "{end}");
    let text = logs.text();
    let lines = text
        .lines()
        .filter(|line| line.contains("the inbound queue was full while closing"))
        .count();
    assert_eq!(
        lines, 1,
        "one line for the connection, not one per message:\n{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.contains("received messages dropped")
                && line.contains(&format!("undelivered={DROPPED}"))),
        "the warning at the end counts them:\n{text}"
    );
}
