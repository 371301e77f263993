//! `ServerBuilder::with_handler_in_driver_task`: one task per connection instead of two,
//! and the connection behaves the same: it echoes, and a shutdown closes it with 1001.

mod support;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::Server;

/// Tasks alive for three echo connections while they are open, and the close code a
/// shutdown sends each. Every task the server spawned has ended once it returns.
async fn tasks_for_three_connections(joined: bool) -> (usize, Vec<u16>) {
    let metrics = tokio::runtime::Handle::current().metrics();
    let idle = metrics.num_alive_tasks();
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
    let tasks = metrics.num_alive_tasks() - before;

    let shutdown = tokio::spawn(server.shutdown());
    let mut codes = Vec::new();
    for mut ws in clients {
        codes.push(support::next_close(&mut ws, "a client").await.0);
        while ws.next().await.is_some() {}
    }
    shutdown.await.unwrap();
    // A task's count drops just after it ends, which may be after the shutdown returns.
    support::within("the server's tasks to end", async {
        while metrics.num_alive_tasks() > idle {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    (tasks, codes)
}

#[tokio::test]
async fn server_runs_handlers_in_the_driver_task_when_asked() {
    support::trace();
    assert_eq!(tasks_for_three_connections(false).await, (6, vec![1001; 3]));
    assert_eq!(tasks_for_three_connections(true).await, (3, vec![1001; 3]));
}
