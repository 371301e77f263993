//! `ClientBuilder::with_connection_state`: each connection the client makes (one per
//! reconnect) gets state of its own, made from the server's address, which its checks and
//! the application (`Sender::state`, the on-connect hook included) share.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_gives_each_connection_state_for_its_checks() {
    let server = support::runtime::echo_server().await;
    let (hooked_tx, mut hooked) = tokio::sync::mpsc::unbounded_channel();
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_connection_state(|server: SocketAddr| Arc::new(server))
        .with_on_connect(move |sender| {
            let _ = hooked_tx.send(sender.state::<SocketAddr>().map(|s| *s));
            async { Ok(()) }
        })
        .connect()
        .unwrap();
    let mut events = client.events();
    support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Connected { .. })
    })
    .await;
    let seen = support::within("the hook", hooked.recv()).await.unwrap();
    assert_eq!(seen, Some(server.local_addr()));
    let sender = client.sender().expect("connected");
    assert_eq!(
        sender.state::<SocketAddr>().as_deref(),
        Some(&server.local_addr())
    );
    assert!(sender.state::<String>().is_none(), "another type is none");
    client.close();
    server.shutdown().await;
}
