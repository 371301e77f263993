//! With `Heartbeat::numbered`, an answer that comes after its run was cut off does not
//! count for the next run: that run still fails, the late answer reaches the application,
//! and the run after it recovers on its own answer.

mod support;

use support::{mock_transport, ms, recorded, Recorder};
use ws_health::check::Heartbeat;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Status, Supervisor};

fn answer(id: u64) -> Message {
    Message::text(format!("pong {id}"))
}

#[tokio::test(start_paused = true)]
async fn numbered_heartbeat_does_not_take_a_late_answer_as_fresh() {
    let recorder = Recorder::default();
    let heartbeat = Heartbeat::numbered(
        |id| Message::text(format!("ping {id}")),
        |id, m| *m == answer(id),
    );
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(300), ms(100)))
        .with_check("heartbeat", heartbeat, recorded(ms(1000), ms(400)))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let mut conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    // Run 1 goes unanswered and fails at its timeout.
    assert_eq!(peer.recv().await, Some(Message::text("ping 1")));
    // Run 2's request is out: only now does the answer to run 1 arrive.
    assert_eq!(peer.recv().await, Some(Message::text("ping 2")));
    peer.send_after(ms(5), answer(1));
    // It is not run 2's answer: it goes to the application.
    let delivered = tokio::time::timeout(ms(500), conn.recv()).await;
    assert_eq!(delivered, Ok(Some(answer(1))), "run 2 took the late answer");
    // Run 3 is answered and the check recovers.
    assert_eq!(peer.recv().await, Some(Message::text("ping 3")));
    peer.send_after(ms(5), answer(3));
    health
        .wait_for(|h| h.status() == Status::Healthy)
        .await
        .unwrap();

    let events = recorder.events();
    let transitions: Vec<_> = events.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(
        transitions,
        [
            (Status::Healthy, Status::Unhealthy),
            (Status::Unhealthy, Status::Healthy)
        ],
        "{events:?}"
    );
    // Run 2 failed too, at its own timeout: recovery came only with run 3 (at 3 s + 5 ms).
    let first = events[0].at;
    assert_eq!(events[1].at - first, ms(2000) + ms(5) - ms(400));
}
