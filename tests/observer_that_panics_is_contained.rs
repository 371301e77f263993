//! An application's observer that panics, in any of its three calls, is logged and let be:
//! the connection is attached, supervised and closed as usual, and the observer still hears
//! of the end after a panic in `opened` (the panic ended the attach before, and one in
//! `status_changed` ended the driver and its connection).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use support::{mock_transport, ms};
use ws_health::supervisor::{ConnectionInfo, Disconnect, Observer};
use ws_health::{CheckSettings, Health, Initiator, Sender, Status, Supervisor};

#[derive(Default)]
struct Panicking {
    calls: AtomicUsize,
}

impl Observer for Panicking {
    fn opened(&self, _: &Sender, _: Option<std::net::SocketAddr>) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        panic!("opened panicked");
    }

    fn status_changed(&self, _: u64, _: Status, _: &Health) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        panic!("status_changed panicked");
    }

    fn closed(&self, _: u64, _: &Disconnect) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        panic!("closed panicked");
    }
}

#[tokio::test(start_paused = true)]
async fn observer_that_panics_is_contained() {
    support::trace();
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            critical: false, // Degraded on a missed pong: a status change, no close
            ..CheckSettings::every(ms(1000), ms(200))
        })
        .build()
        .unwrap();
    let observer = Arc::new(Panicking::default());
    let (transport, peer) = mock_transport::pair();
    peer.stop_answering_pings();
    let info = ConnectionInfo::new().with_observer(observer.clone());
    let (conn, driver) = supervisor.attach_with(transport, info);
    tokio::spawn(driver);

    let mut health = conn.watch_health();
    support::within("Degraded", health.changed()).await.unwrap();
    assert_eq!(health.borrow().status(), Status::Degraded);
    // The driver lives on after the observer's panic: it still talks to the peer.
    peer.text("still there?");
    let mut conn = conn;
    let message = support::within("a message", conn.recv()).await;
    assert_eq!(
        message.unwrap().into_text().unwrap().as_str(),
        "still there?"
    );

    conn.close(1000, "done").unwrap();
    // The peer answers our close once it has it.
    let mut peer = peer;
    support::within("our close", peer.next_answering_pings())
        .await
        .expect("a close frame");
    peer.close(1000, "done");
    let end = support::within("the end", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
    assert_eq!(
        observer.calls.load(Ordering::SeqCst),
        3,
        "opened, status_changed, closed"
    );
}
