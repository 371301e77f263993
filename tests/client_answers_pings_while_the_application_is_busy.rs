//! The client's supervisor answers the server's pings on its own task: an application
//! that blocks its own thread for two ping timeouts without reading does not get the
//! connection closed. (The timeout is generous, so that a loaded machine's late pong is not
//! taken for the failure under test.)

mod support;

use std::time::Duration;

use ws_health::runtime::{Client, Server};
use ws_health::Status;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_answers_pings_while_the_application_is_busy() {
    support::trace();
    let (conns_tx, mut conns) = tokio::sync::mpsc::unbounded_channel();
    let timeout = Duration::from_millis(1500);
    let server = Server::builder(support::runtime::supervisor(
        Duration::from_millis(100),
        timeout,
    ))
    .with_server_config(support::runtime::server_config())
    .serve("127.0.0.1:0", move |conn: ws_health::Connection| {
        let _ = conns_tx.send(conn.sender());
        support::runtime::echo(conn)
    })
    .await
    .unwrap();
    let _client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .connect()
        .unwrap();
    let server_side = support::within("the connection", conns.recv())
        .await
        .unwrap();

    // The application's thread is busy (blocked, not a runtime worker) for two ping timeouts:
    // thirty ping intervals.
    std::thread::sleep(timeout * 2);

    assert_eq!(server_side.health().status(), Status::Healthy);
    assert!(server_side.disconnect().is_none());
    // Pongs the server's driver has not read yet (it too may lag on a loaded machine) are
    // waited for; a client that answered none leaves the count at zero.
    let stats = support::within("three pongs", async {
        loop {
            let stats = server_side.stats();
            if stats.pongs_received >= 3 {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    server.shutdown().await;
}
