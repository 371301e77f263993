//! A connection on one of the server's worker threads needs nothing from the runtime that
//! accepted it: its socket was moved to the worker's reactor. Here that runtime's only thread
//! is blocked while a client talks to the server, which would hang if the socket's readiness
//! were still reported there.

mod support;

use std::time::Duration;

use tokio_tungstenite::tungstenite;
use ws_health::config::ServerConfig;
use ws_health::runtime::Server;

#[tokio::test]
async fn server_worker_serves_while_the_accepting_runtime_is_blocked() {
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(ServerConfig {
            workers: 1,
            ..support::runtime::server_config()
        })
        .serve("127.0.0.1:0", support::runtime::thread_name)
        .await
        .unwrap();
    let addr = server.local_addr();
    let (opened, open) = tokio::sync::oneshot::channel();
    let (go, start) = std::sync::mpsc::channel::<()>();
    let client = std::thread::spawn(move || -> Result<String, String> {
        let tcp = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let (mut ws, _) =
            tungstenite::client(format!("ws://{addr}/"), tcp).map_err(|e| e.to_string())?;
        let _ = opened.send(());
        start.recv().map_err(|e| e.to_string())?;
        ws.send(tungstenite::Message::text("which thread?"))
            .map_err(|e| e.to_string())?;
        match ws.read().map_err(|e| format!("no answer: {e}"))? {
            tungstenite::Message::Text(name) => Ok(name.to_string()),
            other => Err(format!("expected the thread's name, got {other:?}")),
        }
    });
    open.await.expect("the client's handshake");
    // From here this runtime's one thread is blocked until the client is done.
    go.send(()).unwrap();
    let answer = client.join().unwrap();
    assert_eq!(answer.as_deref(), Ok("ws-health-worker-0"));
    server.shutdown().await;
}
