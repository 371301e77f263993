//! `ServerBuilder::with_handler_in_driver_task`: one task per connection instead of two,
//! and the connection behaves the same: it echoes, and a shutdown closes it with 1001.

mod support;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::Server;

/// Tasks alive per connection while three echo connections are open, and the close code a
/// shutdown sends each.
async fn tasks_per_connection(joined: bool) -> (usize, Vec<u16>) {
    let metrics = tokio::runtime::Handle::current().metrics();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handler_in_driver_task(joined)
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let before = metrics.num_alive_tasks();
    let url = format!("ws://{}", server.local_addr());
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        ws.send(Message::text("hi")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hi"));
        clients.push(ws);
    }
    let per_connection = (metrics.num_alive_tasks() - before) / 3;

    let shutdown = tokio::spawn(server.shutdown());
    let mut codes = Vec::new();
    for mut ws in clients {
        codes.push(support::next_close(&mut ws, "a client").await.0);
        while ws.next().await.is_some() {}
    }
    shutdown.await.unwrap();
    (per_connection, codes)
}

#[tokio::test]
async fn server_runs_handlers_in_the_driver_task_when_asked() {
    support::trace();
    assert_eq!(tasks_per_connection(false).await, (2, vec![1001; 3]));
    assert_eq!(tasks_per_connection(true).await, (1, vec![1001; 3]));
}
