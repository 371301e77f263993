//! A peer that ends TCP without a close frame is reported as such, in the driver's own words
//! ("stream ended without a close frame", 1006), not as tungstenite's "Connection reset
//! without closing handshake": no reset took place, and a real one reads "Connection reset by
//! peer" (found by a chaos run of `probe`, where a wss:// server's lone close_notify was
//! reported as a reset).

mod support;

use ws_health::runtime::Client;
use ws_health::Initiator;

#[tokio::test]
async fn a_stream_ended_without_a_close_frame_is_named_so() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Upgrades, then drops TCP (a FIN) without a close frame.
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        drop(ws);
    });
    let client = Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .connect()
        .unwrap();
    let mut events = client.events();
    let disconnect = support::runtime::next_disconnect(&mut events).await;
    support::within("the server", server).await.unwrap();
    assert_eq!(
        (
            disconnect.initiator,
            disconnect.code,
            disconnect.reason.as_str()
        ),
        (
            Initiator::Network,
            1006,
            "stream ended without a close frame"
        )
    );
    assert!(!disconnect.clean, "{disconnect}");
    client.close();
}
