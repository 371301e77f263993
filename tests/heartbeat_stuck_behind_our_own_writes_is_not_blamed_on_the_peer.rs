//! The write-progress rule holds for an application-level heartbeat as for a ping (python
//! websockets #1005): a heartbeat request stuck behind our own writes (a large message to a
//! peer on a slow link that keeps reading) gets another timeout at each deadline for as long
//! as the socket took bytes since the previous one, and its answer is awaited a full timeout
//! from its flush. Before, the request was judged from its run's start, and a slow but live
//! peer was closed with 1011. One connection's socket drains until 2.55 s and then stops: its
//! heartbeat, due at 1 s, is missed at 3.5 s. The other's flush goes through at 2.75 s and its
//! peer answers: not missed. The same holds while the message still waits in our queue.

mod support;

use support::mock_transport::{self, MockPeer};
use support::{ms, policy_closing_within};
use tokio::time::{sleep_until, Instant};
use ws_health::check::Heartbeat;
use ws_health::lean::WriteProgress;
use ws_health::supervisor::{ConnectionInfo, Initiator};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Supervisor};

fn supervisor() -> Supervisor {
    let heartbeat = Heartbeat::new(Message::text("ping?"), |m: &Message| {
        m.to_text().is_ok_and(|t| t == "pong!")
    });
    let exact = CheckSettings {
        slack: std::time::Duration::ZERO,
        ..CheckSettings::every(ms(1000), ms(500))
    };
    Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check("heartbeat", heartbeat, exact)
        .with_policy(policy_closing_within(ms(250)))
        .build()
        .unwrap()
}

async fn heartbeat_stuck_behind_our_own_writes(hold_writes: bool) {
    let supervisor = supervisor();
    let start = Instant::now();
    let connections = [
        stuck(&supervisor, hold_writes),
        stuck(&supervisor, hold_writes),
    ];
    for k in 0..16 {
        sleep_until(start + ms(1050 + 100 * k)).await;
        for (_, _, progress) in &connections {
            progress.add(1000);
        }
    }
    // The second one's writes then go through, and its peer answers each heartbeat at once.
    sleep_until(start + ms(2750)).await;
    let [(stuck, _stuck_peer, _), (answered, mut answered_peer, _)] = connections;
    answered_peer.release_writes();
    answered_peer.release_flushes();
    let heartbeats = tokio::spawn(async move {
        let mut answered = 0;
        while let Some(message) = answered_peer.recv().await {
            if message.is_close() {
                break;
            }
            assert_eq!(message, Message::text("ping?"));
            answered_peer.text("pong!");
            answered += 1;
        }
        answered
    });

    sleep_until(start + ms(3499)).await;
    assert_eq!(stuck.disconnect(), None, "missed while the socket drained");
    assert!(stuck.health().is_healthy(), "{}", stuck.health());
    let end = support::within("the miss", stuck.closed()).await;
    assert_eq!(
        Instant::now() - start,
        ms(3500 + 250),
        "missed at 3.5 s, dropped at the close timeout"
    );
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));

    assert_eq!(answered.disconnect(), None);
    assert!(answered.health().is_healthy(), "{}", answered.health());
    drop(answered);
    assert!(heartbeats.await.unwrap() >= 1);
}

#[tokio::test(start_paused = true)]
async fn heartbeat_written_but_not_flushed_is_not_blamed_while_the_socket_drains() {
    heartbeat_stuck_behind_our_own_writes(false).await;
}

#[tokio::test(start_paused = true)]
async fn heartbeat_still_queued_is_not_blamed_while_the_socket_drains() {
    heartbeat_stuck_behind_our_own_writes(true).await;
}

/// A connection whose flushes (and, if `hold_writes`, writes) are held, as on a full socket,
/// with the count of the bytes its socket takes.
fn stuck(supervisor: &Supervisor, hold_writes: bool) -> (Connection, MockPeer, WriteProgress) {
    let (transport, peer) = mock_transport::pair();
    let progress = WriteProgress::new();
    let info = ConnectionInfo::new().with_write_progress(progress.clone());
    let (conn, driver) = supervisor.attach_with(transport, info);
    tokio::spawn(driver);
    peer.hold_flushes();
    if hold_writes {
        peer.hold_writes();
    }
    (conn, peer, progress)
}
