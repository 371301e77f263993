//! A check whose answer is ready when its deadline is judged gets that answer, not a
//! timeout, even if nothing polled it since the answer came: as with `tokio::time::timeout`,
//! a result ready at the deadline wins.
//!
//! Here the answer comes from another check cut off at the same instant (its future's
//! guard sends it as it is dropped). On a live server the same happens when a check's answer
//! comes from another thread while the driver is already past polling its runs.

mod support;

use std::sync::{Arc, Mutex};

use support::{mock_transport, ms, recorded, Recorder};
use tokio::sync::oneshot;
use tokio::time::Instant;
use ws_health::{async_trait, CheckContext, Health, HealthCheck, Status, Supervisor};

/// Hangs until cut off; its future's guard then answers the other check.
struct Hangs(Mutex<Option<oneshot::Sender<()>>>);

struct AnswerOnDrop(Option<oneshot::Sender<()>>);

impl Drop for AnswerOnDrop {
    fn drop(&mut self) {
        if let Some(answer) = self.0.take() {
            let _ = answer.send(());
        }
    }
}

#[async_trait]
impl HealthCheck for Hangs {
    async fn check(&self, _: &CheckContext) -> Health {
        let _guard = AnswerOnDrop(self.0.lock().unwrap().take());
        std::future::pending::<()>().await;
        unreachable!()
    }
}

/// Waits for the answer; records when it had it.
struct Waits {
    answer: Mutex<Option<oneshot::Receiver<()>>>,
    answered: Arc<Mutex<Vec<Instant>>>,
}

#[async_trait]
impl HealthCheck for Waits {
    async fn check(&self, _: &CheckContext) -> Health {
        let Some(answer) = self.answer.lock().unwrap().take() else {
            return Health::healthy("answered before");
        };
        if answer.await.is_err() {
            return Health::unhealthy("no answer will come");
        }
        self.answered.lock().unwrap().push(Instant::now());
        Health::healthy("answered")
    }
}

#[tokio::test(start_paused = true)]
async fn an_answer_ready_as_its_deadline_is_judged_is_not_a_timeout() {
    let (tx, rx) = oneshot::channel();
    let answered = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder::default();
    // Same interval and timeout: both runs start together and meet their deadline together,
    // "hangs" judged first (checks are judged in the order they were added).
    let supervisor = Supervisor::builder()
        .with_ping_settings(recorded(ms(1000), ms(500)))
        .with_check(
            "hangs",
            Hangs(Mutex::new(Some(tx))),
            recorded(ms(1000), ms(500)),
        )
        .with_check(
            "waits",
            Waits {
                answer: Mutex::new(Some(rx)),
                answered: answered.clone(),
            },
            recorded(ms(1000), ms(500)),
        )
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(3));
    let start = Instant::now();
    let conn = supervisor.supervise(transport);

    tokio::time::sleep(ms(1700)).await;

    let events = recorder.events();
    let checks: Vec<_> = events
        .iter()
        .map(|e| (e.check.as_str(), e.check_status, e.reason.as_str()))
        .collect();
    assert_eq!(
        checks,
        [("hangs", Status::Unhealthy, "timed out after 500ms")],
        "only the check that hung is timed out"
    );
    assert_eq!(events[0].at - start, ms(1500));
    let answered: Vec<_> = answered
        .lock()
        .unwrap()
        .iter()
        .map(|t| *t - start)
        .collect();
    assert_eq!(answered, [ms(1500)], "the answer was taken at the deadline");
    assert_eq!(conn.disconnect(), None);
}
