//! A check made from a closure (`check::from_fn`) runs beside the default ping like any other:
//! it reads the connection's state each run, keeps the connection Healthy while the session
//! holds, and once it fails the policy closes the connection with 1011 and the check's reason.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{ms, policy_closing_within, raw_peer, RawPeer};
use tokio::net::TcpListener;
use ws_health::check::{self, CheckContext};
use ws_health::supervisor::Initiator;
use ws_health::{CheckSettings, Health, Status, Supervisor};

/// The connection's session, as a handshake would store it.
struct Session {
    revoked: AtomicBool,
}

fn session_check(ctx: &CheckContext) -> Health {
    match ctx.state::<Session>() {
        Some(s) if s.revoked.load(Ordering::SeqCst) => Health::unhealthy("session revoked"),
        Some(_) => Health::healthy("session valid"),
        None => Health::degraded("no session"),
    }
}

#[tokio::test]
async fn a_closure_check_reads_the_connections_state_and_closes_it() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(20), Duration::from_secs(2)))
        .with_check(
            "session",
            check::from_fn(session_check),
            CheckSettings::every(ms(30), Duration::from_secs(2)),
        )
        .with_policy(policy_closing_within(ms(200)))
        .build()
        .unwrap();
    let session = Arc::new(Session {
        revoked: AtomicBool::new(false),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = async {
        let (tcp, _) = listener.accept().await.unwrap();
        tokio_tungstenite::accept_async(tcp).await.unwrap()
    };
    let (mut peer, ws) = tokio::join!(RawPeer::connect(addr), accept);
    let conn = supervisor.supervise_with_state(ws, session.clone());

    // Healthy while the session holds and the pings are answered.
    for _ in 0..5 {
        let ping = peer.read_frame().await.unwrap();
        assert_eq!(ping.opcode, raw_peer::PING, "{ping:?}");
        peer.pong(&ping.payload).await;
    }
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());

    session.revoked.store(true, Ordering::SeqCst);
    let close = peer
        .next_answering_pings()
        .await
        .expect("dropped without a close frame");
    assert_eq!(close.opcode, raw_peer::CLOSE, "{close:?}");
    assert_eq!(close.close_code(), 1011);
    assert_eq!(close.close_reason(), "session revoked");
    peer.close(1011, "").await;

    let end = conn.closed().await;
    assert_eq!(end.initiator, Initiator::Policy);
    assert_eq!(conn.health().reason(), "session: session revoked");
}
