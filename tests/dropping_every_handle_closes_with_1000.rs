//! When the application drops the `Connection` and every `Sender`, the supervisor sends what
//! was queued, closes with 1000, and the driver ends; a `Sender` still held keeps the
//! connection open.

mod support;

use std::time::Duration;

use support::{close_of, mock_transport, ms};
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn dropping_every_handle_closes_with_1000() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let (conn, driver) = supervisor.attach(transport, None);
    let driver = tokio::spawn(driver);

    let sender = conn.sender();
    drop(conn);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(peer.try_recv(), None, "closed while a Sender was alive");
    assert!(!driver.is_finished());

    sender.send(Message::text("goodbye")).await.unwrap();
    drop(sender);
    assert_eq!(peer.recv().await, Some(Message::text("goodbye")));
    let close = peer.recv().await.unwrap();
    assert_eq!(close_of(&close), (1000, String::new()));
    peer.close(1000, "");
    let end = tokio::time::timeout(ms(10), driver).await.unwrap().unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
    assert!(end.clean);
    assert_eq!(end.unsent, 0);
    assert_eq!(peer.recv().await, None, "the transport was dropped");
}
