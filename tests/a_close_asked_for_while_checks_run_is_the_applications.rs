//! The application's close, asked for while the driver is running checks (from another
//! thread, or as here from a custom action on the driver's own task), is the one that goes
//! out. A check run after it whose message was refused (the connection is closing) is not
//! the peer's failure: it used to make the connection Unhealthy and close it with the
//! policy's 1011, dropping the application's close and what it had queued before it.

mod support;

use std::sync::{Arc, Mutex};

use support::mock_transport::{self, close_of};
use support::ms;
use ws_health::check::Heartbeat;
use ws_health::policy::{Action, ActionEvent, CustomAction};
use ws_health::tungstenite::Message;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Initiator, Sender, Supervisor,
};

/// Degraded at once.
struct Slow;

#[async_trait]
impl HealthCheck for Slow {
    async fn check(&self, _: &CheckContext) -> Health {
        Health::degraded("feed slow")
    }
}

/// A custom action that closes the connection in `slot` with 4000, as its application would.
fn closes_with_4000(slot: &Arc<Mutex<Option<Sender>>>) -> impl CustomAction {
    let slot = slot.clone();
    move |_: &ActionEvent<'_>| {
        if let Some(sender) = slot.lock().unwrap().as_ref() {
            sender.close(4000, "feed too slow").unwrap();
        }
    }
}

/// The first close frame the peer gets.
async fn first_close(peer: &mut mock_transport::MockPeer) -> Message {
    loop {
        match peer.recv().await.expect("a close frame") {
            m if m.is_close() => return m,
            _ => {}
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_close_asked_for_while_checks_run_is_the_applications() {
    let slot: Arc<Mutex<Option<Sender>>> = Arc::default();
    let every = |settings: CheckSettings| CheckSettings {
        slack: ms(0),
        ..settings
    };
    let feed = CheckSettings {
        on_degraded: Some(vec![Action::Custom {
            name: "close".into(),
        }]),
        ..every(CheckSettings::every(ms(1000), ms(500)))
    };
    let heartbeat = Heartbeat::new(Message::text("ping?"), |m: &Message| m.is_text());
    let supervisor = Supervisor::builder()
        .with_check("feed", Slow, feed)
        .with_check(
            "heartbeat",
            heartbeat,
            every(CheckSettings::every(ms(1000), ms(500))),
        )
        .with_custom_action("close", closes_with_4000(&slot))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    *slot.lock().unwrap() = Some(conn.sender());

    assert_eq!(
        close_of(&first_close(&mut peer).await),
        (4000, "feed too slow".into())
    );
    peer.close(4000, "");
    let end = conn.closed().await;
    assert_eq!(end.initiator, Initiator::Application, "{end}");
    assert_eq!(end.code, 4000, "{end}");
}

/// So does one asked for by an action of the list that then closes by policy: the policy's
/// close no longer takes its place (the application's `close` had returned Ok), and the
/// list's other actions still run.
#[tokio::test(start_paused = true)]
async fn a_close_asked_for_by_an_earlier_action_of_the_list_is_the_applications() {
    let recorder = support::Recorder::default();
    let slot: Arc<Mutex<Option<Sender>>> = Arc::default();
    let feed = CheckSettings {
        on_degraded: Some(vec![
            Action::Custom {
                name: "close".into(),
            },
            Action::Close {
                code: 1013,
                reason: None,
            },
            Action::Custom {
                name: "record".into(),
            },
        ]),
        slack: ms(0),
        ..CheckSettings::every(ms(1000), ms(500))
    };
    let supervisor = Supervisor::builder()
        .with_check("feed", Slow, feed)
        .with_custom_action("close", closes_with_4000(&slot))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    *slot.lock().unwrap() = Some(conn.sender());

    assert_eq!(
        close_of(&first_close(&mut peer).await),
        (4000, "feed too slow".into())
    );
    assert_eq!(recorder.events().len(), 1, "{:?}", recorder.events());
}
