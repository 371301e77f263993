//! A request's matcher is the application's closure, and what it captures is dropped with
//! it: a guard whose `Drop` reaches the same connection (its `Sender`, to log or to close)
//! must not find the connection's lock held. Before, the matcher was dropped under it when
//! its answer came, when its request timed out and when the connection ended, and the
//! thread deadlocked against itself.

mod support;

use support::{mock_transport, ms};
use ws_health::tungstenite::Message;
use ws_health::{Sender, Supervisor};

/// Reads the connection's end when dropped, as a guard that logs it would.
struct CallsBackOnDrop(Sender);

impl Drop for CallsBackOnDrop {
    fn drop(&mut self) {
        let _ = self.0.disconnect();
    }
}

/// How the request ends.
#[derive(Clone, Copy, Debug)]
enum Ending {
    Answered,
    TimedOut,
    ConnectionEnded,
}

/// Runs one request to its `ending`, watched: a deadlock fails the test.
fn request_ending(ending: Ending) {
    support::on_a_watched_thread(move || async move {
        let (transport, mut peer) = mock_transport::pair();
        let conn = Supervisor::new().supervise(transport);
        let guard = CallsBackOnDrop(conn.sender());
        let sender = conn.sender();
        let request = tokio::spawn(async move {
            let matcher = move |m: &Message| {
                let _ = &guard;
                m.to_text().is_ok_and(|t| t == "ack")
            };
            sender
                .request(Message::text("subscribe"), ms(1000), matcher)
                .await
        });
        assert_eq!(peer.recv().await, Some(Message::text("subscribe")));
        match ending {
            Ending::Answered => peer.text("ack"),
            Ending::TimedOut => {}
            Ending::ConnectionEnded => peer.end(),
        }
        let answer = request.await.expect("the request panicked");
        match ending {
            Ending::Answered => assert_eq!(answer.unwrap(), Message::text("ack")),
            Ending::TimedOut => assert!(answer.unwrap_err().is_timeout()),
            Ending::ConnectionEnded => assert!(answer.unwrap_err().is_closed()),
        }
        drop(conn);
    });
}

#[test]
fn when_its_answer_comes() {
    request_ending(Ending::Answered);
}

#[test]
fn when_its_request_times_out() {
    request_ending(Ending::TimedOut);
}

#[test]
fn when_the_connection_ends() {
    request_ending(Ending::ConnectionEnded);
}

/// Panics when dropped.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("a capture's drop panicked");
    }
}

/// A matcher whose capture panics when the end drops it does not keep the end from the
/// connection's waiters: `closed` and the request return. Before, the panic unwound out of
/// the end before its wake-ups, and the end was not published again.
#[tokio::test(start_paused = true)]
async fn a_matcher_whose_drop_panics_at_the_end_keeps_no_waiter_waiting() {
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    let sender = conn.sender();
    let request = tokio::spawn(async move {
        let capture = PanicsOnDrop;
        let matcher = move |m: &Message| {
            let _ = &capture;
            m.to_text().is_ok_and(|t| t == "ack")
        };
        sender
            .request(Message::text("subscribe"), ms(60_000), matcher)
            .await
    });
    assert_eq!(peer.recv().await, Some(Message::text("subscribe")));
    peer.end();

    let end = support::within("the end", conn.closed()).await;
    assert_eq!(end.code, 1006, "{end}");
    let answer = support::within("the request", request).await.unwrap();
    assert!(answer.unwrap_err().is_closed());
}
