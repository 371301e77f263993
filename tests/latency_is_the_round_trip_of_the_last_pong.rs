//! `Sender::latency` is Python `websockets`' figure: zero before the first pong, then the
//! round-trip time of the last answered ping, measured exactly; the smoothed RTT follows
//! RFC 6298.

mod support;

use support::{mock_transport, ms};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn latency_is_the_round_trip_of_the_last_pong() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);
    assert_eq!(conn.latency(), ms(0));

    for (rtt, smoothed) in [(ms(7), 7_000_000), (ms(3), 6_500_000), (ms(43), 11_062_500)] {
        let Some(Message::Ping(payload)) = peer.recv().await else {
            panic!("expected a ping")
        };
        assert_eq!(
            conn.latency() == ms(0),
            rtt == ms(7),
            "zero only before the first pong"
        );
        peer.send_after(rtt, Message::Pong(payload));
        tokio::time::sleep(rtt + ms(1)).await;
        assert_eq!(conn.latency(), rtt);
        assert_eq!(conn.stats().smoothed_rtt.as_nanos(), smoothed);
    }
    assert_eq!(conn.stats().pongs_received, 3);
}
