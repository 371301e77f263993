//! A client whose task ends without stopping (its runtime shut down, or it panicked) still
//! sends `ClientEvent::Stopped` (`StopCause::TaskEnded`), as `stopped()` returns: an
//! application that waits on `events()` for the end would otherwise wait for ever.

mod support;

use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use ws_health::runtime::{Client, ClientEvent, StopCause};

#[tokio::test]
async fn a_client_whose_runtime_shuts_down_sends_stopped_to_its_listeners() {
    support::trace();
    // The client's task runs on a runtime of its own, retrying a port nobody listens on.
    let other = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let addr = support::runtime::closed_port();
    let client = {
        let _runtime = other.enter();
        Client::builder(format!("ws://{addr}"))
            .with_client_config(support::runtime::client_config(
                Duration::from_secs(5),
                Duration::from_secs(5),
            ))
            .connect()
            .unwrap()
    };
    let mut events = client.events();
    let failed = support::within("a failed attempt", async {
        loop {
            match events.recv().await {
                Ok(ClientEvent::ConnectFailed { .. }) => break,
                Ok(_) => {}
                Err(err) => panic!("{err}"),
            }
        }
    });
    failed.await;

    other.shutdown_background();

    let stopped = support::within("the Stopped event", async {
        loop {
            match events.recv().await {
                Ok(ClientEvent::Stopped { reason }) => break reason,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => panic!("the events ended without Stopped"),
            }
        }
    })
    .await;
    assert_eq!(stopped.cause, StopCause::TaskEnded, "{stopped}");
    assert_eq!(client.stopped().await.cause, StopCause::TaskEnded);
}
