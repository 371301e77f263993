//! The handshake timeout runs from the accept, not from when the connection's task first
//! runs: under load (a burst of accepted connections waiting for their tasks to be polled, a
//! busy worker thread), a silent peer is dropped at `handshake_timeout` after its accept, no
//! later. A paused clock stands for the load: it moves on between the accept and the task's
//! first poll.

mod support;

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::config::ServerConfig;
use ws_health::runtime::Server;

#[tokio::test(start_paused = true)]
async fn server_handshake_timeout_runs_from_the_accept() {
    let timeout = Duration::from_secs(10);
    let (accepts, mut accepted) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(ServerConfig {
            handshake_timeout: timeout,
            ..support::runtime::server_config()
        })
        // Runs on the accept loop as the connection is accepted, before its task is spawned.
        .with_accept_filter(move |_, _| accepts.send(Instant::now()).is_ok())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    // A task, not the test's own future (which tokio polls only once its queue is empty),
    // already waiting for the filter's word when the connection is accepted: woken by it,
    // this task runs before the connection's, spawned just after, and moves the clock on
    // first, as a queue of others would.
    let late = timeout / 2;
    let waiter = tokio::spawn(async move {
        let accepted = accepted.recv().await.unwrap();
        tokio::time::advance(late).await;
        accepted
    });
    let connecting = tokio::spawn(tokio::net::TcpStream::connect(server.local_addr()));
    let accepted = waiter.await.unwrap();
    let mut silent = connecting.await.unwrap().unwrap();

    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(3 * timeout, silent.read(&mut buf))
        .await
        .expect("the silent peer was never dropped");
    assert!(matches!(read, Ok(0) | Err(_)), "read {read:?}");
    let after = accepted.elapsed();
    assert!(after >= timeout, "dropped {after:?} after the accept");
    assert!(
        after < timeout + late,
        "dropped {after:?} after the accept: the timeout ran from the task's start"
    );
    server.shutdown().await;
}
