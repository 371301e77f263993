//! An application that drops its connection with the inbound queue full (a handler that
//! returned early on an error while the peer kept sending) gets a clean close: reading goes
//! on once no handle is left to drain the queue, so the peer's close reply is read at once
//! instead of the connection hanging until the close timeout.

mod support;

use support::mock_transport::{self, close_of};
use support::ms;
use tokio::time::Instant;
use ws_health::config::Queues;
use ws_health::policy::Policy;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Initiator, Supervisor};

#[tokio::test(start_paused = true)]
async fn abandoned_connection_with_a_full_queue_still_completes_its_close() {
    let close_timeout = ms(10_000);
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(400)))
        .with_policy(Policy {
            close_timeout,
            ..Policy::default()
        })
        .with_queues(Queues {
            inbound: 2,
            outbound: 16,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(5));
    let (conn, driver) = supervisor.attach(transport, None);
    let driver = tokio::spawn(driver);

    // Two messages fill the queue; eight more wait behind, never to be read by the
    // application, which drops its handle.
    for i in 0..10u8 {
        peer.send(Message::binary(vec![i; 100]));
    }
    // Sleeps, not yields, so that the paused clock moves and `within` can fire.
    support::within("the queue filled", async {
        while conn.stats().messages_received < 2 {
            tokio::time::sleep(ms(1)).await;
        }
    })
    .await;
    let dropped = Instant::now();
    drop(conn);

    // The supervisor closes with 1000; the peer's reply waits behind the eight messages.
    let close = peer.next_answering_pings().await.expect("a close frame");
    assert_eq!(close_of(&close), (1000, String::new()));
    peer.close(1000, "");
    let end = driver.await.unwrap();
    assert_eq!(end.initiator, Initiator::Application);
    assert!(end.clean, "the peer's close reply was not read: {end}");
    assert!(
        Instant::now() - dropped < ms(100),
        "the close took {:?}, its timeout is {close_timeout:?}",
        Instant::now() - dropped
    );
}
