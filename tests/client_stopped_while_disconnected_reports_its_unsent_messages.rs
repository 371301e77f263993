//! A client closed while disconnected cannot send what waits in its queue: it says how many
//! messages it dropped in its `Stopped` reason, and refuses later sends.

mod support;

use std::time::Duration;

use ws_health::runtime::{Client, StopCause};
use ws_health::tungstenite::Message;

#[tokio::test]
async fn client_stopped_while_disconnected_reports_its_unsent_messages() {
    support::trace();
    let addr = support::runtime::closed_port();
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(support::runtime::client_config(
            Duration::from_secs(5),
            Duration::from_secs(5),
        ))
        .connect()
        .unwrap();
    client.send(Message::text("a")).await.unwrap();
    client.send(Message::text("b")).await.unwrap();
    client.close();

    let reason = support::within("the client to stop", client.stopped()).await;
    assert_eq!((&reason.cause, reason.unsent), (&StopCause::Closed, 2));
    assert_eq!(
        reason.to_string(),
        "closed by the application; 2 message(s) accepted and never sent"
    );
    let err = client.send(Message::text("late")).await.unwrap_err();
    assert!(err.is_closed(), "{err}");
}
