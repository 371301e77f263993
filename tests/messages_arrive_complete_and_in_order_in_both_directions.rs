//! Application messages interleaved with pings, pongs and a check's own messages arrive
//! complete and in order, none lost and none extra, in both directions, over a real
//! loopback socket: 50 randomized cases (sizes 0..64 KiB, text or binary, random pacing,
//! a 5 ms ping interval, the peer pinging too, an app-level heartbeat check).
//!
//! The base seed is printed on failure; rerun one case with `WS_HEALTH_SEED=<seed>`.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::distr::Alphanumeric;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::{ms, supervised_server};
use tokio::sync::{mpsc, oneshot};
use ws_health::check::Heartbeat;
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::protocol::CloseFrame;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Supervisor};

const CASES: u64 = 50;
const HB_PING: &str = r#"{"op":"ping"}"#;
const HB_PONG: &str = r#"{"op":"pong"}"#;

/// Prints the seed if the test panics while it is alive.
struct SeedOnPanic(u64);

impl Drop for SeedOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "failing case: rerun it alone with WS_HEALTH_SEED={}",
                self.0
            );
        }
    }
}

fn random_messages(rng: &mut StdRng) -> Vec<Message> {
    let count = rng.random_range(0..=24);
    (0..count)
        .map(|_| {
            // Mostly small, a quarter anywhere up to 64 KiB.
            let len = if rng.random_bool(0.25) {
                rng.random_range(0..=64 * 1024)
            } else {
                rng.random_range(0..=300)
            };
            if rng.random_bool(0.5) {
                let text: String = rng
                    .sample_iter(Alphanumeric)
                    .take(len)
                    .map(char::from)
                    .collect();
                Message::text(text)
            } else {
                let mut bytes = vec![0u8; len];
                rng.fill(&mut bytes[..]);
                Message::binary(bytes)
            }
        })
        .collect()
}

async fn pace(rng: &mut StdRng) {
    match rng.random_range(0..10) {
        0..=5 => {}
        6 | 7 => tokio::task::yield_now().await,
        8 => tokio::time::sleep(Duration::from_micros(rng.random_range(0..2000))).await,
        _ => tokio::time::sleep(Duration::from_micros(rng.random_range(2000..5000))).await,
    }
}

fn describe(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| match m {
            Message::Text(t) => format!("text[{}]", t.len()),
            Message::Binary(b) => format!("binary[{}]", b.len()),
            other => format!("{other:?}"),
        })
        .collect()
}

/// Asserts `got == want` with a readable diff (messages can be 64 KiB long).
fn assert_same(direction: &str, got: &[Message], want: &[Message]) {
    if got != want {
        let first = got.iter().zip(want).position(|(g, w)| g != w);
        panic!(
            "{direction}: got {} messages, want {}; first difference at {first:?}\n got: {:?}\nwant: {:?}",
            got.len(),
            want.len(),
            describe(got),
            describe(want)
        );
    }
}

async fn run_case(
    addr: std::net::SocketAddr,
    conns: &mut mpsc::UnboundedReceiver<Connection>,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let to_server = random_messages(&mut rng);
    let to_client = random_messages(&mut rng);
    let mut client_rng = StdRng::seed_from_u64(rng.random());
    let mut server_rng = StdRng::seed_from_u64(rng.random());

    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}"))
        .await
        .unwrap();
    let mut conn = conns.recv().await.unwrap();
    let (mut sink, mut stream) = ws.split();

    // Client reader: answers heartbeats through the writer, collects everything else.
    let (reply_tx, mut reply_rx) = mpsc::unbounded_channel();
    let (done_tx, mut done_rx) = oneshot::channel();
    let expected_by_client = to_client.len();
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut done = Some(done_tx);
        let mut heartbeats = 0;
        while let Some(message) = stream.next().await {
            match message.expect("client read failed") {
                Message::Text(t) if t.as_str() == HB_PING => {
                    heartbeats += 1;
                    let _ = reply_tx.send(Message::text(HB_PONG));
                }
                Message::Ping(_) | Message::Pong(_) | Message::Close(_) => {}
                other => got.push(other),
            }
            // Every case lasts at least two heartbeats, so pings and checks interleave.
            if got.len() >= expected_by_client && heartbeats >= 2 {
                if let Some(done) = done.take() {
                    let _ = done.send(());
                }
            }
        }
        if let Some(done) = done.take() {
            let _ = done.send(());
        }
        got
    });

    // Client writer: its messages, its own pings and heartbeat answers, randomly paced;
    // closes once it has sent everything and received everything.
    let writer = tokio::spawn({
        let to_server = to_server.clone();
        async move {
            for message in to_server {
                while let Ok(reply) = reply_rx.try_recv() {
                    sink.send(reply).await.unwrap();
                }
                if client_rng.random_bool(0.2) {
                    let payload: [u8; 8] = client_rng.random();
                    sink.send(Message::Ping(payload.to_vec().into()))
                        .await
                        .unwrap();
                }
                sink.send(message).await.unwrap();
                pace(&mut client_rng).await;
            }
            loop {
                tokio::select! {
                    reply = reply_rx.recv() => match reply {
                        Some(reply) => sink.send(reply).await.unwrap(),
                        None => break,
                    },
                    _ = &mut done_rx => break,
                }
            }
            let close = CloseFrame {
                code: 1000.into(),
                reason: "done".into(),
            };
            sink.send(Message::Close(Some(close))).await.unwrap();
        }
    });

    // Server: sends its messages from another task while the application reads.
    let sender = conn.sender();
    let server_sends = tokio::spawn({
        let to_client = to_client.clone();
        async move {
            for message in to_client {
                sender.send(message).await.unwrap();
                pace(&mut server_rng).await;
            }
        }
    });
    let mut server_got = Vec::new();
    while let Some(message) = conn.recv().await {
        server_got.push(message);
    }
    server_sends.await.unwrap();
    writer.await.unwrap();
    let client_got = reader.await.unwrap();

    assert_same("client to server", &server_got, &to_server);
    assert_same("server to client", &client_got, &to_client);
    let end = conn.closed().await;
    assert_eq!((end.initiator, end.code), (Initiator::Peer, 1000), "{end}");
    let stats = conn.stats();
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    assert_eq!(stats.messages_received, to_server.len() as u64, "{stats:?}");
    assert!(stats.messages_sent >= to_client.len() as u64, "{stats:?}");
    // The first ping (5 ms) precedes the second heartbeat (14 ms or later) on the wire, and
    // the client flushed its pong before it saw that heartbeat and closed.
    assert!(
        stats.pings_sent >= 1 && stats.pongs_received >= 1,
        "{stats:?}"
    );
}

#[tokio::test]
async fn messages_arrive_complete_and_in_order_in_both_directions() {
    support::trace();
    let base = std::env::var("WS_HEALTH_SEED")
        .ok()
        .map(|s| s.parse::<u64>().expect("WS_HEALTH_SEED must be a u64"));
    let cases = if base.is_some() { 1 } else { CASES };
    let base = base.unwrap_or_else(rand::random);
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(5), Duration::from_secs(2)))
        .with_check(
            "heartbeat",
            Heartbeat::new(
                Message::text(HB_PING),
                |m: &Message| matches!(m, Message::Text(t) if t.as_str() == HB_PONG),
            ),
            CheckSettings::every(ms(7), Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    let (addr, mut conns) = supervised_server(supervisor).await;
    for case in 0..cases {
        let seed = base.wrapping_add(case);
        let _guard = SeedOnPanic(seed);
        tokio::time::timeout(Duration::from_secs(20), run_case(addr, &mut conns, seed))
            .await
            .expect("case timed out");
    }
}
