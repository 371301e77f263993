//! A ping queued behind our own large message cannot leave before it: over a slow link that
//! takes longer than the ping timeout, while the peer reads every byte (python-websockets
//! #1005). The runtime's server and client give the supervisor their socket's write progress,
//! so a ping waiting behind data that keeps draining is not missed: the peer gets the whole
//! message, no ping is missed and the connection stays open; one test per side. Real TCP through a
//! virtual cable narrowed to 1 Mbit/s (`support::cable`). Without the write progress this closes
//! with 1011 after about 1.5 s; without `socket.notsent_lowat` (the kernel then holds more than a
//! second of the message ahead of a flushed ping) in about one run in four.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::config::{ClientConfig, Proxy};
use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::tungstenite::Message;
use ws_health::Connection;

const TIMEOUT: Duration = Duration::from_secs(1);
const MESSAGE: usize = 512 * 1024;

#[tokio::test]
async fn peer_draining_a_large_message_over_a_slow_link_is_not_closed() {
    // 512 KiB take over 4 s.
    let Some(cable) = support::cable::Cable::lay(3).and_then(|cable| cable.narrowed(1000)) else {
        return;
    };
    let (opened, mut connections) = mpsc::unbounded_channel();
    let supervisor = support::runtime::supervisor(Duration::from_millis(200), TIMEOUT);
    let server = Server::builder(supervisor)
        .with_server_config(support::runtime::server_config())
        .serve(
            std::net::SocketAddr::from((cable.near, 0)),
            move |mut conn: Connection| {
                let _ = opened.send(conn.sender());
                async move {
                    let _ = conn.send(Message::binary(vec![7; MESSAGE])).await;
                    while conn.recv().await.is_some() {}
                }
            },
        )
        .await
        .expect("serve on the near end");
    let addr = server.local_addr();

    // The peer, at the far end, reads everything (and so answers every ping it gets).
    let mut peer = cable.websocket_from_far_end(addr).await;
    let opened_at = Instant::now();
    let conn = support::within("the connection", connections.recv())
        .await
        .expect("the server's connection");

    let got = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match peer.next().await {
                Some(Ok(Message::Binary(bytes))) => return bytes.len(),
                Some(Ok(_)) => {}
                other => panic!("the peer's stream ended before the message: {other:?}"),
            }
        }
    })
    .await
    .expect("the message never arrived");
    let took = opened_at.elapsed();
    assert_eq!(got, MESSAGE);
    assert!(
        took > 2 * TIMEOUT,
        "the message took {took:?}: too fast to hold a ping past its timeout"
    );

    // Pings flow again once the message is out; none was missed, nothing closed.
    let answered = conn.stats().pongs_received;
    let _reader = tokio::spawn(async move { while let Some(Ok(_)) = peer.next().await {} });
    support::within("two more answered pings", async {
        while conn.stats().pongs_received < answered + 2 {
            assert!(conn.disconnect().is_none(), "{:?}", conn.disconnect());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let stats = conn.stats();
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    assert!(conn.disconnect().is_none(), "{:?}", conn.disconnect());
}

/// The same from the runtime's client: its large message to a server at the far end of the
/// narrowed cable, which reads everything.
#[tokio::test]
async fn client_whose_server_drains_a_large_message_over_a_slow_link_is_not_closed() {
    let Some(cable) = support::cable::Cable::lay(4).and_then(|cable| cable.narrowed(1000)) else {
        return;
    };
    let listener = cable.listen_at_far_end();
    let (received, mut sizes) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .listen(listener, move |mut conn: Connection| {
            let received = received.clone();
            async move {
                while let Some(message) = conn.recv().await {
                    let _ = received.send(message.len());
                }
            }
        })
        .expect("serve at the far end");

    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::supervisor(
            Duration::from_millis(200),
            TIMEOUT,
        ))
        // The far end is not a loopback address: a proxy in the environment must not take it.
        .with_client_config(ClientConfig {
            proxy: Proxy::None,
            ..ClientConfig::default()
        })
        .connect()
        .unwrap();
    let mut events = client.events();
    let sent_at = Instant::now();
    client
        .send(Message::binary(vec![7; MESSAGE]))
        .await
        .expect("queue the message");
    let got = tokio::time::timeout(Duration::from_secs(30), sizes.recv())
        .await
        .expect("the message never arrived");
    let took = sent_at.elapsed();
    assert_eq!(got, Some(MESSAGE));
    assert!(took > 2 * TIMEOUT, "the message took {took:?}: too fast");
    while let Ok(event) = events.try_recv() {
        assert!(
            !matches!(event, ClientEvent::Disconnected { .. }),
            "{event:?}"
        );
    }
    let stats = client.stats().expect("connected");
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    client.close();
    server.shutdown().await;
}
