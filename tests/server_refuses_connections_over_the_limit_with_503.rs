//! Over `max_connections`, a new connection is answered with HTTP 503 while the existing
//! ones keep working; once one closes, a new one is accepted again.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{self, Message};

#[tokio::test]
async fn server_refuses_connections_over_the_limit_with_503() {
    support::trace();
    let server = support::runtime::echo_server_with_limit(2).await;
    let url = format!("ws://{}", server.local_addr());
    let connect = || support::within("a connection", tokio_tungstenite::connect_async(&url));
    let (mut a, _) = connect().await.unwrap();
    let (mut b, _) = connect().await.unwrap();

    match connect().await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!("expected HTTP 503, got {:?}", other.map(|_| ())),
    }

    for ws in [&mut a, &mut b] {
        ws.send(Message::text("still here")).await.unwrap();
        assert_eq!(
            support::next_message(ws, "the echo").await,
            Message::text("still here")
        );
    }

    // Room again once one leaves.
    a.close(None).await.unwrap();
    support::within("the end of the stream", async {
        while a.next().await.is_some() {}
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while server.connections() > 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot was never freed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (mut c, _) = connect().await.unwrap();
    c.send(Message::text("welcome")).await.unwrap();
    assert_eq!(
        support::next_message(&mut c, "the echo").await,
        Message::text("welcome")
    );
    server.shutdown().await;
}
