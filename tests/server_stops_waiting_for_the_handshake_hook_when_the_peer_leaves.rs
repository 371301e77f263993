//! A peer that leaves while the `with_handshake_async` hook still decides on its upgrade (an
//! auth backend slower than the client's patience) is not waited for: once its socket shows
//! the close or the reset, the hook's future is dropped and the connection's slot freed, not
//! at the handshake timeout. Counted as `peer_left`. Over TLS too, for a client that drops
//! its connection without a `close_notify`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};
use ws_health::config::ServerConfig;
use ws_health::runtime::{Server, ServerBuilder};

const UPGRADE: &str = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
                       Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

/// A server whose hook never answers: it hands out a receiver that ends when the hook's
/// future is dropped. Its handshake timeout outlasts any test.
async fn server(
    with: impl FnOnce(ServerBuilder) -> ServerBuilder,
) -> (Server, mpsc::UnboundedReceiver<oneshot::Receiver<()>>) {
    let (started, hooks) = mpsc::unbounded_channel();
    let server = with(Server::builder(support::runtime::quiet_supervisor()))
        .with_server_config(ServerConfig {
            handshake_timeout: Duration::from_secs(3600),
            ..support::runtime::server_config()
        })
        .with_handshake_async(move |handshake| {
            let (alive, dropped) = oneshot::channel::<()>();
            let _ = started.send(dropped);
            async move {
                let _alive = alive;
                std::future::pending::<()>().await;
                Ok(handshake.accept(Arc::new(())))
            }
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    (server, hooks)
}

async fn leaves_while_the_hook_decides(reset: bool) {
    let (server, mut hooks) = server(|builder| builder).await;
    let mut peer = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    peer.write_all(UPGRADE.as_bytes()).await.unwrap();
    let mut hook = support::within("the hook", hooks.recv()).await.unwrap();
    // Still deciding: the peer has not left yet.
    assert_eq!(hook.try_recv(), Err(oneshot::error::TryRecvError::Empty));
    assert_eq!(server.connections(), 1);
    if reset {
        let socket = socket2::SockRef::from(&peer);
        socket.set_linger(Some(Duration::ZERO)).unwrap();
    }
    drop(peer);
    let ended = support::within("the hook to be dropped", hook).await;
    assert!(ended.is_err(), "the hook answered: {ended:?}");
    // Freed in the same poll of the connection's task that dropped the hook (one thread).
    assert_eq!(server.connections(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn the_hook_is_dropped_when_the_peer_closes() {
    leaves_while_the_hook_decides(false).await;
}

#[tokio::test]
async fn the_hook_is_dropped_when_the_peer_resets() {
    leaves_while_the_hook_decides(true).await;
}

#[cfg(feature = "rustls")]
#[tokio::test]
async fn the_hook_is_dropped_when_a_tls_peer_drops_its_connection() {
    use ws_health::runtime::tls;
    let (dir, cert, key) = support::self_signed_pem("peer-left");
    let acceptor = tls::acceptor_from_pem(&cert, &key).unwrap();
    let (server, mut hooks) = server(|builder| builder.with_tls(acceptor)).await;
    let tcp = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let connector = tokio_rustls::TlsConnector::from(tls::client_config_with_roots(&cert).unwrap());
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut peer = connector.connect(name, tcp).await.unwrap();
    peer.write_all(UPGRADE.as_bytes()).await.unwrap();
    peer.flush().await.unwrap();
    let mut hook = support::within("the hook", hooks.recv()).await.unwrap();
    assert_eq!(hook.try_recv(), Err(oneshot::error::TryRecvError::Empty));
    // Dropped, not shut down: a FIN with no `close_notify` before it.
    drop(peer);
    let ended = support::within("the hook to be dropped", hook).await;
    assert!(ended.is_err(), "the hook answered: {ended:?}");
    assert_eq!(server.connections(), 0);
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "metrics")]
#[test]
fn a_peer_that_left_is_counted_as_such() {
    let recorded = support::metrics::recorded(false, || leaves_while_the_hook_decides(false));
    let left = support::metrics::total(
        &recorded,
        "ws_health_connections_dropped_total",
        &[("reason", "peer_left")],
    );
    assert_eq!(left, 1.0);
}
