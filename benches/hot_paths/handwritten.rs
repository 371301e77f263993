//! The hand-written keepalive loop of `benches/scale/server_handwritten.rs`, generic over
//! the transport so that it runs over the in-memory one.

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
                let _ = ws.send(Message::Close(Some(frame))).await;
                return;
            }
        }
    }
}
