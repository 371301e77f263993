//! A pong answers its ping and every earlier one (RFC 6455 §5.5.3 lets a peer answer only
//! the latest ping): two pings in flight, one pong for the second, both resolve.

mod support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::tungstenite::Message;
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

type Results = Arc<
    Mutex<
        Vec<(
            Result<std::time::Duration, String>,
            Result<std::time::Duration, String>,
        )>,
    >,
>;

/// Sends two pings at once and records what each returned.
struct TwoPings(Results);

#[async_trait]
impl HealthCheck for TwoPings {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let (first, second) = tokio::join!(
            ctx.ping(Bytes::from_static(b"first")),
            ctx.ping(Bytes::from_static(b"second"))
        );
        let ok = first.is_ok() && second.is_ok();
        self.0.lock().unwrap().push((
            first.map_err(|e| e.to_string()),
            second.map_err(|e| e.to_string()),
        ));
        if ok {
            Health::healthy("both answered")
        } else {
            Health::unhealthy("unanswered")
        }
    }
}

#[tokio::test(start_paused = true)]
async fn pong_for_a_later_ping_acknowledges_earlier_ones() {
    let results = Results::default();
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check(
            "two",
            TwoPings(results.clone()),
            CheckSettings::every(ms(1000), ms(500)),
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let start = Instant::now();
    let conn = supervisor.supervise(transport);

    assert_eq!(
        peer.recv().await,
        Some(Message::Ping(Bytes::from_static(b"first")))
    );
    assert_eq!(
        peer.recv().await,
        Some(Message::Ping(Bytes::from_static(b"second")))
    );
    assert_eq!(Instant::now() - start, ms(1000));
    // Only the second ping is answered, 7 ms later.
    peer.send_after(ms(7), Message::Pong(Bytes::from_static(b"second")));
    // The late pong of the first ping, after it was acknowledged, is ignored.
    peer.send_after(ms(10), Message::Pong(Bytes::from_static(b"first")));
    tokio::time::sleep(ms(600)).await;

    assert_eq!(*results.lock().unwrap(), [(Ok(ms(7)), Ok(ms(7)))]);
    let stats = conn.stats();
    assert_eq!(stats.latency, ms(7));
    assert_eq!(stats.pings_sent, 2);
    assert_eq!(stats.pings_missed, 0);
    assert!(conn.health().is_healthy(), "{}", conn.health());
    assert_eq!(conn.disconnect(), None);
}
