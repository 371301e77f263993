//! A `ServerHandle` asks the server to shut down from another task (a signal's, an admin
//! endpoint's) while the `Server`'s owner waits with `stopped`: every connection is closed
//! with 1001 "going away", the listener closes, and `stopped` returns; asking again after
//! the end does nothing.

mod support;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn server_handle_shuts_the_server_down_from_another_task() {
    let server = support::runtime::echo_server().await;
    let url = format!("ws://{}", server.local_addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    ws.send(Message::text("hi")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hi"));
    let addr = server.local_addr();

    let handle = server.handle();
    let again = handle.clone();
    let owner = tokio::spawn(server.stopped());
    for _ in 0..10 {
        tokio::task::yield_now().await; // the owner's task runs, and waits
    }
    assert!(!owner.is_finished(), "stopped returned before anyone asked");
    tokio::spawn(async move { handle.shutdown() });

    let (code, reason) = support::next_close(&mut ws, "the client").await;
    assert_eq!((code, reason.as_str()), (1001, "going away"));
    support::within("stopped", owner).await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting after the handle's shutdown"
    );
    again.shutdown(); // after the end: nothing to do, no panic
}
