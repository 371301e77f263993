//! What `socket.notsent_lowat` costs a bulk sender: loopback throughput of a ws-health server
//! sending 64 messages of 4 MiB to a tokio-tungstenite client, per `TCP_NOTSENT_LOWAT` value,
//! in interleaved rounds. Loopback has no link to wait for, so the figure is the CPU cost of
//! refilling the kernel in smaller steps: an upper bound on what a real path loses.
//!
//! `cargo bench --bench bulk_send` (docs/tuning.md, "TCP settings").

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ws_health::config::SocketConfig;
use ws_health::runtime::Server;
use ws_health::tungstenite::protocol::WebSocketConfig;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Supervisor};

const MESSAGES: usize = 64;
const MESSAGE: usize = 4 << 20;
const ROUNDS: usize = 5;
const LOWATS: [u32; 4] = [16 << 10, 64 << 10, 256 << 10, 0];

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`, as criterion answers it
    }
    let mut seen: Vec<Vec<f64>> = vec![Vec::new(); LOWATS.len()];
    for _ in 0..ROUNDS {
        for (i, &lowat) in LOWATS.iter().enumerate() {
            seen[i].push(throughput(lowat).await);
        }
    }
    println!("| socket.notsent_lowat | MiB/s, by round | median |");
    println!("|---|---|---|");
    for (lowat, mut rounds) in LOWATS.into_iter().zip(seen) {
        let by_round: Vec<String> = rounds.iter().map(|r| format!("{r:.0}")).collect();
        rounds.sort_by(f64::total_cmp);
        let name = if lowat == 0 {
            "0 (OS default)".to_owned()
        } else {
            format!("{} KiB", lowat >> 10)
        };
        println!(
            "| {name} | {} | {:.0} |",
            by_round.join(" / "),
            rounds[ROUNDS / 2]
        );
    }
}

/// MiB per second received by the client.
async fn throughput(notsent_lowat: u32) -> f64 {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_millis(100),
            Duration::from_secs(5),
        ))
        .build()
        .expect("supervisor");
    let server = Server::builder(supervisor)
        .with_socket_config(SocketConfig {
            notsent_lowat,
            ..SocketConfig::default()
        })
        .serve("127.0.0.1:0", |conn: Connection| async move {
            for _ in 0..MESSAGES {
                if conn.send(Message::binary(vec![7; MESSAGE])).await.is_err() {
                    return;
                }
            }
            conn.closed().await;
        })
        .await
        .expect("serve");
    let url = format!("ws://{}", server.local_addr());
    let config = WebSocketConfig::default().max_message_size(Some(2 * MESSAGE));
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(&url, Some(config), false)
        .await
        .expect("connect");
    let start = Instant::now();
    let mut bytes = 0;
    while bytes < MESSAGES * MESSAGE {
        match ws.next().await {
            Some(Ok(Message::Binary(message))) => bytes += message.len(),
            Some(Ok(_)) => {}
            other => panic!("the stream ended early: {other:?}"),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    drop(ws);
    server.shutdown().await;
    bytes as f64 / secs / f64::from(1 << 20)
}
