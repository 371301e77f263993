//! A `tracing` subscriber may call back into the connection an event is about (a layer
//! that ships logs over it, or reads its stats): the supervisor emits no event while it
//! holds the connection's lock. Before, a request's matcher that panicked was logged under
//! it, and such a layer deadlocked the driver's thread.

mod support;

use std::sync::{Arc, Mutex};

use support::{mock_transport, ms};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;
use ws_health::tungstenite::Message;
use ws_health::{Sender, Supervisor};

/// Reads the connection's end on every event, as a layer that looks a connection up would.
struct CallsBack(Arc<Mutex<Option<Sender>>>);

impl<S: Subscriber> Layer<S> for CallsBack {
    fn on_event(&self, _: &Event<'_>, _: Context<'_, S>) {
        let sender = self.0.lock().unwrap().clone();
        if let Some(sender) = sender {
            let _ = sender.disconnect();
        }
    }
}

#[test]
fn a_subscriber_that_calls_back_into_the_connection_does_not_deadlock() {
    support::on_a_watched_thread(|| async {
        let slot = Arc::new(Mutex::new(None));
        let subscriber = tracing_subscriber::registry().with(CallsBack(slot.clone()));
        let _guard = tracing::subscriber::set_default(subscriber);
        let (transport, mut peer) = mock_transport::pair();
        let mut conn = Supervisor::new().supervise(transport);
        *slot.lock().unwrap() = Some(conn.sender());
        let sender = conn.sender();
        let request = tokio::spawn(async move {
            let panics_on_boom = |m: &Message| {
                assert!(m.to_text().is_ok_and(|t| t != "boom"), "not JSON");
                m.to_text().is_ok_and(|t| t == "ack")
            };
            sender
                .request(Message::text("subscribe"), ms(1000), panics_on_boom)
                .await
        });
        assert_eq!(peer.recv().await, Some(Message::text("subscribe")));
        peer.text("boom");
        peer.text("ack");
        let answer = request.await.unwrap();
        assert_eq!(answer.unwrap(), Message::text("ack"));
        assert_eq!(conn.recv().await, Some(Message::text("boom")));
    });
}
