//! A `with_connection_state` factory that panics fails the attempt, named, as a panicking
//! on-connect hook does, and the client retries: it used to unwind the client's one task,
//! which then never retried nor sent `Stopped`.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ws_health::runtime::ClientEvent;

#[tokio::test]
async fn client_survives_a_panicking_connection_state_factory() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let client = support::runtime::quick_client(&server)
        .with_connection_state(move |peer: SocketAddr| {
            let call = counted.fetch_add(1, Ordering::SeqCst);
            assert!(call != 0, "the factory panicked");
            Arc::new(peer)
        })
        .connect()
        .unwrap();
    let mut events = client.events();

    support::within("the retry to connect", client.connected())
        .await
        .expect("the client stopped");
    let event = support::runtime::next_client_event(&mut events, |e| {
        matches!(
            e,
            ClientEvent::ConnectFailed { .. } | ClientEvent::Connected { .. }
        )
    })
    .await;
    let ClientEvent::ConnectFailed { error } = event else {
        panic!("connected before the failed attempt: {event:?}");
    };
    assert_eq!(
        error,
        "connection state factory panicked: the factory panicked"
    );
    assert!(
        matches!(
            support::runtime::next_client_event(&mut events, |_| true).await,
            ClientEvent::Reconnecting { attempt: 1, .. }
        ),
        "no retry after the factory panicked"
    );
    let sender = client.sender().expect("connected");
    assert_eq!(
        sender.state::<SocketAddr>().as_deref(),
        Some(&server.local_addr())
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    client.close();
    server.shutdown().await;
}
