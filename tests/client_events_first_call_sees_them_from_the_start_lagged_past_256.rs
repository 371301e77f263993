//! `Client::events`' first call sees the client's events from the start, however late it
//! comes; one that comes more than 256 events late gets `Lagged` with the count of those it
//! missed, then the last 256, as a subscriber that fell behind does; later calls see events
//! from then on. (The client makes its events' channel at that first call, not before.)

mod support;

use std::time::Duration;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use ws_health::config::{Backoff, ClientConfig};
use ws_health::runtime::{Client, ClientEvent, StopCause};
use ws_health::tungstenite::http::HeaderMap;

/// A client whose attempts all fail (its handshake headers hook fails, without I/O), which
/// stops after `retries` failed retries: `2 × retries + 2` events, then none, the last
/// `Stopped`, and not asked for any until it has stopped.
async fn stopped_after(retries: u32) -> Client {
    let client = Client::builder("ws://127.0.0.1:9/feed")
        .with_client_config(ClientConfig {
            backoff: Backoff {
                initial: Duration::from_millis(10),
                multiplier: 2.0,
                max: Duration::from_millis(10),
            },
            max_retries: Some(retries),
            ..ClientConfig::default()
        })
        .with_handshake_headers(|| async { Err::<HeaderMap, _>("the token service is down") })
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(matches!(reason.cause, StopCause::GaveUp { .. }), "{reason}");
    client
}

/// Whether `event` is the `index`th (from 0) of a client that `stopped_after(retries)`.
fn is_event(index: usize, event: &ClientEvent, retries: u32) -> bool {
    let last = 2 * retries as usize + 1;
    match event {
        ClientEvent::ConnectFailed { error } => {
            index < last && index % 2 == 0 && error.contains("the token service is down")
        }
        ClientEvent::Reconnecting { attempt, .. } => {
            index < last && index % 2 == 1 && *attempt as usize == index.div_ceil(2)
        }
        ClientEvent::Stopped { .. } => index == last,
        _ => false,
    }
}

#[tokio::test(start_paused = true)]
async fn the_first_call_sees_every_event_from_the_start() {
    let client = stopped_after(3).await;
    let mut first = client.events();
    let mut later = client.events();
    for index in 0..8 {
        let event = first.try_recv().expect("an event from the start");
        assert!(is_event(index, &event, 3), "event {index}: {event:?}");
    }
    assert_eq!(first.try_recv().unwrap_err(), TryRecvError::Empty);
    // From its call on: none since.
    assert_eq!(later.try_recv().unwrap_err(), TryRecvError::Empty);
    drop(client);
    assert_eq!(first.recv().await.unwrap_err(), RecvError::Closed);
    assert_eq!(later.recv().await.unwrap_err(), RecvError::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_first_call_over_256_events_late_is_lagged_by_the_ones_it_missed() {
    // 402 events: the first 146 missed.
    let client = stopped_after(200).await;
    let mut first = client.events();
    assert_eq!(first.recv().await.unwrap_err(), RecvError::Lagged(146));
    for index in 146..402 {
        let event = first.try_recv().expect("one of the last 256 events");
        assert!(is_event(index, &event, 200), "event {index}: {event:?}");
    }
    assert_eq!(first.try_recv().unwrap_err(), TryRecvError::Empty);
}

#[tokio::test(start_paused = true)]
async fn a_first_call_256_events_late_misses_none() {
    let client = stopped_after(127).await;
    let mut first = client.events();
    for index in 0..256 {
        let event = first.try_recv().expect("an event from the start");
        assert!(is_event(index, &event, 127), "event {index}: {event:?}");
    }
    assert_eq!(first.try_recv().unwrap_err(), TryRecvError::Empty);
}
