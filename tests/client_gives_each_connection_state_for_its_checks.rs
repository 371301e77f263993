//! `ClientBuilder::with_connection_state`: each connection the client makes (one per
//! reconnect) gets state of its own, made from the server's address, which its checks
//! (`CheckContext::state`) and the application (`Sender::state`, the on-connect hook
//! included) share.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use ws_health::runtime::{Client, ClientEvent};
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

/// One connection's state.
struct Session {
    server: SocketAddr,
}

/// Where each connection's check found its state, one per run: connection id and address.
type Seen = mpsc::UnboundedReceiver<(u64, usize)>;

struct RecordsState(mpsc::UnboundedSender<(u64, usize)>);

#[async_trait]
impl HealthCheck for RecordsState {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let Some(session) = ctx.state::<Session>() else {
            return Health::unhealthy("no state");
        };
        let at = session as *const Session as usize;
        let _ = self.0.send((ctx.connection_id(), at));
        Health::healthy("state seen")
    }
}

/// Where the check of connection `id` found its state, once it has run.
async fn seen_by_the_check(seen: &mut Seen, id: u64) -> usize {
    support::within("the check to run on the connection", async {
        loop {
            let (c, at) = seen.recv().await.expect("the check outlives the client");
            if c == id {
                return at;
            }
        }
    })
    .await
}

#[tokio::test]
async fn client_gives_each_connection_state_for_its_checks() {
    let server = support::runtime::echo_server().await;
    let (records, mut seen) = mpsc::unbounded_channel();
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(30),
            Duration::from_secs(30),
        ))
        .with_check(
            "state",
            RecordsState(records),
            CheckSettings {
                initial_delay: Some(Duration::ZERO),
                ..CheckSettings::every(Duration::from_millis(20), Duration::from_secs(1))
            },
        )
        .build()
        .unwrap();
    let (hooked_tx, mut hooked) = tokio::sync::mpsc::unbounded_channel();
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(supervisor)
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(10),
            Duration::from_millis(10),
        ))
        .with_connection_state(|server: SocketAddr| Arc::new(Session { server }))
        .with_on_connect(move |sender| {
            let _ = hooked_tx.send((sender.id(), sender.state::<Session>()));
            async { Ok(()) }
        })
        .connect()
        .unwrap();
    let mut events = client.events();
    support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Connected { .. })
    })
    .await;
    let (first_id, first) = support::within("the hook", hooked.recv()).await.unwrap();
    let first = first.expect("the hook sees the state");
    assert_eq!(first.server, server.local_addr());
    let sender = client.sender().expect("connected");
    assert!(Arc::ptr_eq(&sender.state::<Session>().unwrap(), &first));
    assert!(sender.state::<String>().is_none(), "another type is none");
    assert_eq!(
        seen_by_the_check(&mut seen, first_id).await,
        Arc::as_ptr(&first) as usize,
        "the check saw other state than the application"
    );

    // The server closes the connection; the client reconnects.
    assert_eq!(server.hub().close_all(1012, "restart").unwrap(), 1);
    let (second_id, second) = support::within("the hook again", hooked.recv())
        .await
        .unwrap();
    let second = second.expect("the hook sees the state");
    assert_ne!(second_id, first_id, "not a new connection");
    assert_eq!(second.server, server.local_addr());
    // Both are held: distinct state lives at distinct addresses.
    assert!(
        !Arc::ptr_eq(&first, &second),
        "the new connection kept the old one's state"
    );
    assert_eq!(
        seen_by_the_check(&mut seen, second_id).await,
        Arc::as_ptr(&second) as usize,
        "the new connection's check saw other state than its application"
    );
    client.close();
    server.shutdown().await;
}
