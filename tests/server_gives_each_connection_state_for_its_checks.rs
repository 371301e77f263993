//! `ServerBuilder::with_connection_state`: each accepted connection gets state of its own,
//! which its checks read with `CheckContext::state` and its handler with `Sender::state` — a
//! session cell the handler fills once the peer has logged in, read by a session check.
//! Without it a check on a runtime-served connection could never see per-connection state.

mod support;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::{HubEvent, Server};
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

/// The peer's address, and its user once logged in.
struct Session {
    peer: SocketAddr,
    user: Mutex<Option<String>>,
}

struct LoggedIn;

#[async_trait]
impl HealthCheck for LoggedIn {
    async fn check(&self, ctx: &CheckContext) -> Health {
        match ctx
            .state::<Session>()
            .and_then(|s| s.user.lock().unwrap().clone())
        {
            Some(user) => Health::healthy(format!("logged in as {user}")),
            None => Health::degraded("not logged in yet"),
        }
    }
}

#[tokio::test]
async fn server_gives_each_connection_state_for_its_checks() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(30),
            Duration::from_secs(30),
        ))
        .with_check(
            "session",
            LoggedIn,
            CheckSettings {
                initial_delay: Some(Duration::ZERO),
                ..CheckSettings::every(Duration::from_millis(20), Duration::from_secs(1))
            },
        )
        .build()
        .unwrap();
    let server = Server::builder(supervisor)
        .with_server_config(support::runtime::server_config())
        .with_connection_state(|peer| {
            std::sync::Arc::new(Session {
                peer,
                user: Mutex::new(None),
            })
        })
        .serve(
            "127.0.0.1:0",
            |mut conn: ws_health::Connection| async move {
                let session = conn.state::<Session>().expect("the connection's state");
                assert_eq!(Some(session.peer), conn.peer_addr());
                while let Some(message) = conn.recv().await {
                    if let Ok(user) = message.to_text() {
                        *session.user.lock().unwrap() = Some(user.to_owned());
                        let _ = conn.send(Message::text("welcome")).await;
                    }
                }
            },
        )
        .await
        .unwrap();
    // Subscribed before the connect, so that no status change can be missed.
    let mut events = server.hub().subscribe();
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", server.local_addr()))
        .await
        .unwrap();
    ws.send(Message::text("ada")).await.unwrap();
    let welcome = support::within("the welcome", ws.next()).await;
    assert_eq!(welcome.unwrap().unwrap(), Message::text("welcome"));
    // The connection goes Degraded (not logged in yet), then Healthy with the login's reason.
    support::within("the session check to see the login", async {
        loop {
            if let HubEvent::StatusChanged { reason, .. } = events.recv().await.unwrap() {
                if reason.contains("logged in as ada") {
                    break;
                }
            }
        }
    })
    .await;
    drop(ws);
    server.shutdown().await;
}
