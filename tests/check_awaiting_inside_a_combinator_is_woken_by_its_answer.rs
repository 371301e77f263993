//! A check that awaits its pong or its application answer inside a combinator that polls
//! only what was woken (`FuturesUnordered`, `buffer_unordered`, `join_all` over more than 30
//! futures) gets its answer: the probe wakes the waker it was polled with. Before, it relied
//! on the driver re-polling the whole check, the child was never polled again, and the
//! healthy peer was closed with 1011 "keepalive ping timeout".

mod support;

use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use support::{mock_transport, ms};
use ws_health::tungstenite::Message;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Pings through a `FuturesUnordered` of one.
struct PingInside;

#[async_trait]
impl HealthCheck for PingInside {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let mut pings: FuturesUnordered<_> = [ctx.ping(Bytes::from_static(b"inside"))]
            .into_iter()
            .collect();
        match pings.next().await {
            Some(Ok(rtt)) => ws_health::check::judge_rtt(rtt),
            other => Health::unhealthy(format!("{other:?}")),
        }
    }
}

/// Asks `{"op":"ping"}` through a `FuturesUnordered` of one.
struct RequestInside;

#[async_trait]
impl HealthCheck for RequestInside {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let request = ctx.request(Message::text("ping"), ms(1000), |m| {
            m.to_text().is_ok_and(|t| t == "pong")
        });
        let mut requests: FuturesUnordered<_> = [request].into_iter().collect();
        match requests.next().await {
            Some(Ok(_)) => Health::healthy("answered"),
            other => Health::unhealthy(format!("{other:?}")),
        }
    }
}

fn without_the_ping() -> CheckSettings {
    CheckSettings {
        enabled: false,
        ..CheckSettings::default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_ping_awaited_inside_futures_unordered_gets_its_pong() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(without_the_ping())
        .with_check("inside", PingInside, CheckSettings::every(ms(100), ms(50)))
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);

    tokio::time::sleep(ms(1000)).await;
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());
    assert_eq!(conn.stats().pings_missed, 0);
    assert!(conn.stats().pongs_received >= 9, "{:?}", conn.stats());
    assert!(conn.disconnect().is_none());
}

#[tokio::test(start_paused = true)]
async fn a_request_awaited_inside_futures_unordered_gets_its_answer() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(without_the_ping())
        .with_check(
            "inside",
            RequestInside,
            CheckSettings::every(ms(100), ms(50)),
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    for _ in 0..5 {
        let asked = support::within("the request", peer.recv()).await;
        assert_eq!(asked, Some(Message::text("ping")));
        peer.text("pong");
    }
    tokio::time::sleep(ms(50)).await;
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());
    assert!(conn.disconnect().is_none());
}
