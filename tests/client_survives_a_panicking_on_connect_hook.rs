//! An on-connect hook that panics, in its call or in its future, fails the attempt as a hook
//! error does: the connection is closed with 1011 naming the panic, and the client retries
//! (it died with its task, and `stopped()` said only "the client task ended").

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ws_health::runtime::ClientEvent;
use ws_health::Initiator;

#[tokio::test]
async fn client_survives_a_panicking_on_connect_hook() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let client = support::runtime::quick_client(&server)
        .with_on_connect(move |_| {
            let call = counted.fetch_add(1, Ordering::SeqCst);
            assert!(call != 0, "the hook's call panicked");
            async move {
                assert!(call != 1, "the hook's future panicked");
                Ok(())
            }
        })
        .connect()
        .unwrap();
    let mut events = client.events();
    for panic in ["the hook's call panicked", "the hook's future panicked"] {
        let event = support::runtime::next_client_event(&mut events, |e| {
            matches!(
                e,
                ClientEvent::Disconnected { .. } | ClientEvent::Stopped { .. }
            )
        })
        .await;
        let ClientEvent::Disconnected { disconnect, .. } = event else {
            panic!("{event:?}");
        };
        assert_eq!(
            (disconnect.initiator, disconnect.code),
            (Initiator::Application, 1011),
            "{disconnect}"
        );
        assert_eq!(
            disconnect.reason,
            format!("on-connect hook panicked: {panic}")
        );
    }
    // The third attempt's hook succeeds: connected, and it stays so.
    support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Connected { .. })
    })
    .await;
    support::within("the hook to have succeeded", async {
        while !client.is_connected() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}
