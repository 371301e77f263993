//! The baseline: the keepalive loop a user would write instead of using ws-health.
//!
//! One task per connection, `tokio::select!` over the stream, a `tokio::time::interval`
//! ping timer and the pong deadline; close 1011 "keepalive ping timeout" when no pong came
//! within the timeout; echo for data. Same runtime, listener and 4 KiB tungstenite buffers
//! as `server_ws_health` (see `server_common.rs`).

#[path = "server_common.rs"]
mod common;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::{interval_at, sleep, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

fn main() {
    let args = common::args("server_handwritten");
    common::run(args, move |ws| keepalive(ws, args.interval, args.timeout));
}

async fn keepalive(mut ws: WebSocketStream<TcpStream>, interval: Duration, timeout: Duration) {
    let mut ticker = interval_at(Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let deadline = sleep(Duration::ZERO);
    tokio::pin!(deadline);
    let mut seq: u32 = 0;
    let mut awaiting = false;
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Pong(payload))) => {
                    if awaiting && payload[..] == seq.to_be_bytes() {
                        awaiting = false;
                    }
                }
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    if ws.send(message).await.is_err() {
                        return;
                    }
                }
                // tungstenite answers pings and close frames itself; the stream ends after
                // the close handshake.
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            _ = ticker.tick(), if !awaiting => {
                seq = seq.wrapping_add(1);
                if ws.send(Message::Ping(Bytes::copy_from_slice(&seq.to_be_bytes()))).await.is_err() {
                    return;
                }
                awaiting = true;
                deadline.as_mut().reset(Instant::now() + timeout);
            }
            () = &mut deadline, if awaiting => {
                let frame = CloseFrame {
                    code: CloseCode::Error,
                    reason: "keepalive ping timeout".into(),
                };
                // A dead peer never answers the close: bound the handshake.
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    ws.close(Some(frame)).await.ok();
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
                return;
            }
        }
    }
}
