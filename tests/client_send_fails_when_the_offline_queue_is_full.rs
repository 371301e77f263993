//! While disconnected, messages wait in a bounded queue; when it is full, `send` returns a
//! queue-full error at once instead of dropping anything silently.

mod support;

use std::time::Duration;

use tokio_tungstenite::tungstenite::Message;
use ws_health::config::ClientConfig;
use ws_health::runtime::Client;

#[tokio::test]
async fn client_send_fails_when_the_offline_queue_is_full() {
    support::trace();
    let addr = support::runtime::closed_port();
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(ClientConfig {
            offline_queue: 3,
            ..support::runtime::client_config(Duration::from_secs(5), Duration::from_secs(5))
        })
        .connect()
        .unwrap();
    for i in 0..3 {
        client.send(Message::text(format!("{i}"))).await.unwrap();
    }
    let err = tokio::time::timeout(Duration::from_secs(1), client.send(Message::text("3")))
        .await
        .expect("send waited instead of failing")
        .unwrap_err();
    assert!(err.is_queue_full(), "{err}");
    // The bound it met, and the key to raise.
    assert!(
        err.to_string()
            .contains("(3 messages, client.offline_queue)"),
        "{err}"
    );
    assert!(err.to_string().contains("disconnected"), "{err}");
}
