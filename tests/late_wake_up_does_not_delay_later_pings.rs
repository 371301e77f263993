//! A driver woken late (a busy runtime) sends that one ping late, but the pings after it keep
//! to the interval's grid: lateness does not pile up into a longer ping period.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn late_wake_up_does_not_delay_later_pings() {
    let interval = Duration::from_secs(1);
    let (server_io, client_io) = tokio::io::duplex(4096);
    let server = WebSocketStream::from_raw_socket(server_io, Role::Server, None).await;
    let mut client = WebSocketStream::from_raw_socket(client_io, Role::Client, None).await;
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(interval, Duration::from_millis(500)))
        .build()
        .unwrap();
    let start = Instant::now();
    let _conn = supervisor.supervise(server);
    // Let the driver start (and schedule its first ping at 1 s).
    tokio::task::yield_now().await;

    // Hold the runtime past the first due time, as a busy runtime would: the driver runs
    // 300 ms late.
    tokio::time::advance(interval + Duration::from_millis(300)).await;

    let mut pings = Vec::new();
    // The client answers pings itself as it reads.
    while pings.len() < 3 {
        match client.next().await {
            Some(Ok(Message::Ping(_))) => pings.push(start.elapsed()),
            Some(Ok(_)) => {}
            other => panic!("connection ended: {other:?}"),
        }
    }
    assert!(pings[0] >= Duration::from_millis(1300), "{pings:?}");
    // Due at 2 s and 3 s, not at 2.3 s and 3.3 s.
    assert!(pings[1] >= Duration::from_secs(2), "{pings:?}");
    assert!(pings[1] < Duration::from_millis(2100), "{pings:?}");
    assert!(pings[2] >= Duration::from_secs(3), "{pings:?}");
    assert!(pings[2] < Duration::from_millis(3100), "{pings:?}");
}
