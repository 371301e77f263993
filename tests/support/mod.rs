//! Helpers shared by the integration tests.
#![allow(dead_code, unused_imports)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod raw_peer;
pub mod runtime;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use ws_health::{Connection, Supervisor};

#[allow(unused_imports)]
pub use raw_peer::RawPeer;

/// A loopback server on port 0 that supervises every connection it accepts and hands the
/// [`Connection`]s to the test.
pub async fn supervised_server(
    supervisor: Supervisor,
) -> (SocketAddr, mpsc::UnboundedReceiver<Connection>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let supervisor = supervisor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                    let _ = tx.send(supervisor.supervise(ws));
                }
            });
        }
    });
    (addr, rx)
}

/// Installs a test subscriber once (RUST_LOG controls it).
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
