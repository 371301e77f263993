//! A `Connection` or `Sender` kept after its connection ended (in a broadcast list, say)
//! keeps the connection's shared state alive, but not the driver's task: the state drops the
//! driver's waker at the end. A waker is a reference to its task, so before, each such
//! handle kept a finished task's memory, the whole driver future's size, allocated.

mod support;

use std::future::{poll_fn, Future};
use std::sync::{Arc, Weak};
use std::task::{Context, Wake, Waker};

use support::mock_transport;
use ws_health::Supervisor;

/// A waker that passes wake-ups on to the test's task, and whose life the test can see.
struct Tracked(Waker);

impl Wake for Tracked {
    fn wake(self: Arc<Self>) {
        self.0.wake_by_ref();
    }
}

#[tokio::test(start_paused = true)]
async fn a_sender_kept_after_the_end_holds_no_driver_task() {
    let (transport, peer) = mock_transport::pair();
    let (conn, driver) = Supervisor::new().attach(transport, None);
    let mut driver = Box::pin(driver);
    let mut last = Weak::new();
    let ended = poll_fn(|cx| {
        let tracked = Arc::new(Tracked(cx.waker().clone()));
        last = Arc::downgrade(&tracked);
        let waker = Waker::from(tracked);
        let poll = driver.as_mut().poll(&mut Context::from_waker(&waker));
        if poll.is_pending() && last.strong_count() > 0 {
            // Registered: end the connection from the peer's side now.
            peer.end();
        }
        poll
    })
    .await;
    drop(driver);
    assert!(conn.disconnect().is_some(), "{ended}");
    assert_eq!(
        last.strong_count(),
        0,
        "the ended connection keeps its driver's waker"
    );
}
