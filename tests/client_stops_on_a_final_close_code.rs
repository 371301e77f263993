//! A server close with an application code (4000-4999, final by default) stops the client:
//! no reconnect.

mod support;

use std::time::Duration;

use ws_health::runtime::{ClientEvent, Server, StopCause};
use ws_health::supervisor::TrySendError;

#[tokio::test]
async fn client_stops_on_a_final_close_code() {
    support::trace();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", |conn: ws_health::Connection| async move {
            conn.close(4003, "forbidden").unwrap();
            let _ = conn.closed().await;
        })
        .await
        .unwrap();
    let client = support::runtime::quick_client(&server).connect().unwrap();
    let mut events = client.events();
    let reason = tokio::time::timeout(Duration::from_secs(5), client.stopped())
        .await
        .expect("the client kept going");
    let final_code = StopCause::FinalCloseCode {
        code: 4003,
        reason: "forbidden".into(),
    };
    assert_eq!(reason.cause, final_code, "{reason}");
    assert_eq!(reason.to_string(), r#"final close code 4003 "forbidden""#);
    assert!(client.handle().is_closed(), "stopped without a close");
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ClientEvent::Reconnecting { .. })),
        "{seen:?}"
    );
    assert!(
        matches!(seen.last(), Some(ClientEvent::Stopped { .. })),
        "{seen:?}"
    );
    let err = client
        .try_send(tokio_tungstenite::tungstenite::Message::text("late"))
        .unwrap_err();
    assert!(matches!(err, TrySendError::Closed(_)), "{err}");
    server.shutdown().await;
}
