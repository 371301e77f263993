//! `ClientEvent::Stopped` and `Client::stopped` agree whichever is looked at first: once
//! `stopped()` returned, the event is in the receiver (an application that awaits the stop,
//! then drains its events with `try_recv`, sees it), and once the event is read, `stopped()`
//! returns at once. On worker threads the two were apart: the event was sent after the stop
//! was recorded, and 579 of 5,000 drains in the day's review missed it.

mod support;

use std::time::Duration;

use tokio::sync::broadcast::error::TryRecvError;
use ws_health::runtime::{Client, ClientEvent, StopCause};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_stopped_event_is_there_by_the_time_stopped_returns() {
    let addr = support::runtime::closed_port();
    for round in 0..300 {
        let client = Client::builder(format!("ws://{addr}"))
            .with_client_config(support::runtime::client_config(
                Duration::from_secs(5),
                Duration::from_secs(5),
            ))
            .connect()
            .unwrap();
        let mut events = client.events();
        client.close();
        let reason = support::within("the stop", client.stopped()).await;
        assert_eq!(reason.cause, StopCause::Closed);
        let stopped = loop {
            match events.try_recv() {
                Ok(ClientEvent::Stopped { reason }) => break reason,
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(err) => panic!("round {round}: no Stopped event after stopped(): {err}"),
            }
        };
        assert_eq!(stopped, reason, "round {round}");
    }
}
