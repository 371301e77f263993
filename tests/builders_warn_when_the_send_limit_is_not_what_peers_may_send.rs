//! `SupervisorBuilder::with_max_message_size` bounds what we send; what a peer may send is
//! `socket.max_message_size`. A limit set on the supervisor alone left peers at the 16 MiB
//! default without a word (a gateway that meant 64 KiB accepted a subscriber's 100 KB): the
//! server and client builders now warn when the two differ.

mod support;

use support::logs::Captured;
use ws_health::config::SocketConfig;
use ws_health::runtime::{Client, Server};
use ws_health::Supervisor;

fn limited(max: usize) -> Supervisor {
    Supervisor::builder()
        .with_max_message_size(Some(max))
        .build()
        .unwrap()
}

const WARNING: &str = "the supervisor's send limit is not `socket.max_message_size`";

#[tokio::test(flavor = "current_thread")]
async fn builders_warn_when_the_send_limit_is_not_what_peers_may_send() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=warn");

    let server = Server::builder(limited(64 << 10))
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let text = captured.text();
    assert!(text.contains(WARNING), "{text}");
    assert!(text.contains("send=65536 receive=16777216"), "{text}");

    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(limited(64 << 10))
        .connect()
        .unwrap();
    assert_eq!(captured.text().matches(WARNING).count(), 2);
    client.close();

    // Both set alike: no warning.
    let socket = SocketConfig {
        max_message_size: Some(64 << 10),
        ..SocketConfig::default()
    };
    let matched = Server::builder(limited(64 << 10))
        .with_socket_config(socket)
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    assert_eq!(captured.text().matches(WARNING).count(), 2);
    matched.shutdown().await;
    server.shutdown().await;
}
