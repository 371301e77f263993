//! `Sender::request` sends a message and takes the first inbound message its predicate
//! accepts, out of the application's stream: a subscription's acknowledgement awaited in a
//! client's on-connect hook. Other messages reach `recv` in order; a request that times out
//! or is cancelled leaves later messages to `recv`; one whose connection ends says so.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use support::logs::Captured;
use support::{mock_transport, ms};
use ws_health::tungstenite::Message;
use ws_health::{Error, Supervisor};

fn is(text: &'static str) -> impl Fn(&Message) -> bool + Send + Sync + 'static {
    move |m: &Message| m.to_text().is_ok_and(|t| t == text)
}

#[tokio::test(start_paused = true)]
async fn the_answer_goes_to_the_request_and_the_rest_to_recv() {
    let (transport, mut peer) = mock_transport::pair();
    let mut conn = Supervisor::new().supervise(transport);
    let sender = conn.sender();
    let request = tokio::spawn(async move {
        sender
            .request(Message::text("subscribe"), ms(5000), is("ack"))
            .await
    });
    assert_eq!(peer.recv().await, Some(Message::text("subscribe")));
    peer.text("tick 1");
    peer.text("ack");
    peer.text("tick 2");
    let answer = support::within("the answer", request).await.unwrap();
    assert_eq!(answer.unwrap(), Message::text("ack"));
    assert_eq!(conn.recv().await, Some(Message::text("tick 1")));
    assert_eq!(conn.recv().await, Some(Message::text("tick 2")));
    // The answer was taken once: a second "ack" is the application's.
    peer.text("ack");
    assert_eq!(conn.recv().await, Some(Message::text("ack")));
}

#[tokio::test(start_paused = true)]
async fn a_request_that_times_out_or_is_cancelled_leaves_later_messages_to_recv() {
    let (transport, mut peer) = mock_transport::pair();
    let mut conn = Supervisor::new().supervise(transport);
    let sender = conn.sender();

    let err = sender
        .request(Message::text("subscribe"), ms(1000), is("ack"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.to_string(), "no answer within 1s");
    assert_eq!(peer.recv().await, Some(Message::text("subscribe")));

    let cancelled = sender.request(Message::text("again"), ms(1000), is("ack"));
    let _ = tokio::time::timeout(ms(10), cancelled).await;
    assert_eq!(peer.recv().await, Some(Message::text("again")));

    peer.text("ack");
    let next = support::within("the ack, for recv", conn.recv()).await;
    assert_eq!(next, Some(Message::text("ack")));
}

#[tokio::test(start_paused = true)]
async fn a_request_on_a_connection_that_ends_fails_as_closed() {
    let (transport, peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    let sender = conn.sender();
    let request = tokio::spawn(async move {
        sender
            .request(Message::text("subscribe"), ms(5000), is("ack"))
            .await
    });
    peer.close(1001, "going away");
    let err = support::within("the request to fail", request)
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    // And one made after the end fails at once.
    let err = conn
        .sender()
        .request(Message::text("x"), ms(5000), is("ack"))
        .await;
    assert!(err.unwrap_err().is_closed());
}

/// The peer's answer and its close in one read: the answer is still the request's, not lost
/// to the end that follows it (an error reply before a close, say).
#[tokio::test(start_paused = true)]
async fn an_answer_read_together_with_the_close_still_reaches_the_request() {
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    let sender = conn.sender();
    let request = tokio::spawn(async move {
        let is_error = |m: &Message| m.to_text().is_ok_and(|t| t.starts_with("error"));
        sender
            .request(Message::text("subscribe"), ms(5000), is_error)
            .await
    });
    assert_eq!(peer.recv().await, Some(Message::text("subscribe")));
    peer.text("error: no such feed");
    peer.close(1008, "bad request");
    peer.end();
    let answer = support::within("the answer", request).await.unwrap();
    assert_eq!(answer.unwrap(), Message::text("error: no such feed"));
}

/// A message that arrives while a request waits for room in the outbound queue is not its
/// answer: the request's message has not gone out yet.
#[tokio::test(start_paused = true)]
async fn a_message_before_the_request_went_out_is_not_its_answer() {
    let (transport, mut peer) = mock_transport::pair();
    let mut conn = Supervisor::new().supervise(transport);
    // A transport that takes nothing: the outbound queue (64) stays full.
    peer.hold_writes();
    let sender = conn.sender();
    while sender.try_send(Message::text("filler")).is_ok() {}
    tokio::task::yield_now().await;
    assert!(
        sender.try_send(Message::text("filler")).is_err(),
        "the queue has room"
    );
    let waiting = conn.sender();
    let request = tokio::spawn(async move {
        waiting
            .request(Message::text("subscribe"), ms(5000), is("ack"))
            .await
    });
    // The request waits for room; an "ack" now is the application's.
    tokio::task::yield_now().await;
    assert!(!request.is_finished());
    peer.text("ack");
    let early = support::within("the early ack, for recv", conn.recv()).await;
    assert_eq!(early, Some(Message::text("ack")));
    peer.release_writes();
    loop {
        match support::within("the request's message", peer.recv()).await {
            Some(m) if m == Message::text("subscribe") => break,
            Some(_) => {}
            None => panic!("the connection ended"),
        }
    }
    peer.text("ack");
    let answer = support::within("the answer", request).await.unwrap();
    assert_eq!(answer.unwrap(), Message::text("ack"));
}

/// The timeout covers the wait for room in the outbound queue too: a peer that stopped
/// reading does not hold the request past it.
#[tokio::test(start_paused = true)]
async fn the_timeout_covers_the_wait_for_room() {
    let (transport, peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    peer.hold_writes();
    let sender = conn.sender();
    while sender.try_send(Message::text("filler")).is_ok() {}
    let started = tokio::time::Instant::now();
    let err = sender
        .request(Message::text("subscribe"), ms(1000), is("ack"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(started.elapsed(), ms(1000));
}

/// A matcher that panics on a message (one it cannot parse) takes it as no match, which goes
/// to `recv`; it still takes its answer after. Its panic is logged at error once, at the
/// first, not at each such message: a peer that keeps sending them must not flood the log.
#[tokio::test(start_paused = true)]
async fn a_matcher_that_panics_on_a_message_takes_it_as_no_match() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=error");
    let (transport, mut peer) = mock_transport::pair();
    let mut conn = Supervisor::new().supervise(transport);
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
    for _ in 0..3 {
        peer.text("boom");
    }
    peer.text("ack");
    let answer = support::within("the request", request).await.unwrap();
    assert_eq!(answer.unwrap(), Message::text("ack"));
    for _ in 0..3 {
        assert_eq!(conn.recv().await, Some(Message::text("boom")));
    }
    let text = captured.text();
    let logged = text.matches("a request's matcher panicked").count();
    assert_eq!(logged, 1, "{text}");
    assert!(text.contains("not JSON"), "{text}");
}

/// A handler that shares the driver's task (`with_handler_in_driver_task`) is woken by its
/// answer: the driver does not poll it, as it does its checks.
#[tokio::test]
async fn a_request_from_a_handler_on_the_drivers_task_is_woken_by_its_answer() {
    support::trace();
    let (answer_tx, mut answered) = tokio::sync::mpsc::unbounded_channel();
    let server = ws_health::runtime::Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handler_in_driver_task(true)
        .serve("127.0.0.1:0", move |conn: ws_health::Connection| {
            let answer_tx = answer_tx.clone();
            async move {
                // Far longer than the test waits: only the wake-up can end it in time.
                let answer = conn
                    .sender()
                    .request(
                        Message::text("ping?"),
                        Duration::from_secs(600),
                        is("pong!"),
                    )
                    .await;
                let _ = answer_tx.send(answer);
            }
        })
        .await
        .unwrap();
    let url = format!("ws://{}", server.local_addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let asked = support::within("the question", ws.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(asked, Message::text("ping?"));
    ws.send(Message::text("pong!")).await.unwrap();
    let answer = support::within("the handler's answer", answered.recv())
        .await
        .unwrap();
    assert_eq!(answer.unwrap(), Message::text("pong!"));
    server.shutdown().await;
}

/// The use it was made for: a client's on-connect hook subscribes and waits for the ack (an
/// echo server's echo here), which the application never sees.
#[tokio::test]
async fn a_clients_on_connect_hook_awaits_its_acknowledgement() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let mut client = support::runtime::quick_client(&server)
        .with_on_connect(|sender| async move {
            let ack = sender
                .request(
                    Message::text("subscribe"),
                    Duration::from_secs(5),
                    is("subscribe"),
                )
                .await?;
            if ack != Message::text("subscribe") {
                return Err(Error::other(format!("unexpected ack {ack:?}")));
            }
            Ok(())
        })
        .connect()
        .unwrap();
    support::within("the connection", client.connected())
        .await
        .unwrap();
    client.send(Message::text("hello")).await.unwrap();
    let first = support::within("the echo", client.recv()).await.unwrap();
    assert_eq!(
        first,
        Message::text("hello"),
        "the ack reached the application"
    );
    client.close();
    client.stopped().await;
    server.shutdown().await;
}
