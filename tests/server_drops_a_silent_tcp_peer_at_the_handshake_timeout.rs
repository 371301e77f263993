//! A peer that opens TCP and sends nothing is dropped at the handshake timeout (not
//! before), and does not hold a connection slot after that.

mod support;

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::Instant;
use ws_health::config::ServerConfig;
use ws_health::runtime::Server;

#[tokio::test]
async fn server_drops_a_silent_tcp_peer_at_the_handshake_timeout() {
    support::trace();
    let timeout = Duration::from_millis(300);
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(ServerConfig {
            handshake_timeout: timeout,
            ..support::runtime::server_config()
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    // Before the connect: the server may accept, and start its timer, before it returns.
    let opened = Instant::now();
    let mut silent = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf))
        .await
        .expect("the silent peer was never dropped");
    let after = opened.elapsed();
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "expected the connection to be closed, read {read:?}"
    );
    assert!(
        after >= timeout,
        "dropped after {after:?}, before the timeout"
    );
    assert!(
        after < timeout + Duration::from_secs(2),
        "dropped after {after:?}"
    );
    assert_eq!(server.connections(), 0);
    assert!(server.hub().is_empty());
    server.shutdown().await;
}
