//! The hand-written keepalive loop a user would write instead of ws-health: one task per
//! connection, `tokio::select!` over the stream, a `tokio::time::interval` ping timer and
//! the pong deadline; close 1011 "keepalive ping timeout"; echo for data. Generic over the
//! transport, so that the scale server runs it over TCP and the micro-benchmarks over the
//! in-memory transport.

use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::time::{interval_at, sleep, Instant, MissedTickBehavior};
use ws_health::tungstenite::protocol::frame::coding::CloseCode;
use ws_health::tungstenite::protocol::CloseFrame;
use ws_health::tungstenite::{Bytes, Message};

pub async fn keepalive<S, E>(mut ws: S, interval: Duration, timeout: Duration)
where
    S: Stream<Item = Result<Message, E>> + Sink<Message, Error = E> + Unpin,
{
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
                    if ws.send(Message::Close(Some(frame))).await.is_ok() {
                        while let Some(Ok(_)) = ws.next().await {}
                    }
                })
                .await;
                return;
            }
        }
    }
}
