//! A `LeanStream` sleeps only where tungstenite holds nothing. Fed one byte at a time (each
//! read by the server before the next is written; a long payload's middle in one piece), it
//! is awake after every byte that does not end a frame, and awake all through a fragmented
//! message, control frames between its fragments included; at the end of a frame outside
//! any message it is asleep exactly when a whole ping interval went by without data. Frames
//! with 7, 16 and 64-bit lengths.

mod support;

use bytes::Bytes;
use futures_util::SinkExt;
use support::fed_lean::FedLean;
use support::raw_peer::{frame, BINARY, CONTINUATION, PING, PONG, TEXT};
use support::within;
use ws_health::tungstenite::Message;

/// A client's frame, masked.
fn masked(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame(fin, opcode, payload, Some([0x37, 0xfa, 0x21, 0x3d]))
}

/// Feeds `bytes` one at a time (past the first 64, all but the last in one piece): no
/// message and awake until the last byte, then `message`, and asleep iff `asleep`.
async fn feed(
    lean: &mut FedLean,
    what: &str,
    bytes: &[u8],
    message: Option<Message>,
    asleep: bool,
) {
    let mut at = 0;
    while at < bytes.len() {
        let piece = if at < 64 || at + 1 == bytes.len() {
            1
        } else {
            bytes.len() - 1 - at
        };
        let got = lean.feed(&bytes[at..at + piece]).await;
        at += piece;
        if at < bytes.len() {
            assert_eq!(
                got,
                [],
                "{what}: a message after {at} of {} bytes",
                bytes.len()
            );
            assert!(
                !lean.ws.is_asleep(),
                "{what}: asleep after {at} of {} bytes",
                bytes.len()
            );
        } else {
            assert_eq!(got, Vec::from_iter(message.clone()), "{what}: the message");
            assert_eq!(lean.ws.is_asleep(), asleep, "{what}: asleep at its end");
        }
    }
    if let Some(Message::Ping(payload)) = message {
        let pong = within(what, lean.peer.read_frame()).await.expect("a pong");
        assert_eq!(
            (pong.opcode, &pong.payload[..]),
            (PONG, &payload[..]),
            "{what}: the pong"
        );
    }
}

/// The server pings (`asleep` after it or not), and the peer's pong is fed byte by byte.
async fn ping_round(lean: &mut FedLean, payload: &'static [u8], asleep: bool) {
    let ping = Bytes::from_static(payload);
    within("server ping", lean.ws.send(Message::Ping(ping.clone())))
        .await
        .unwrap();
    assert_eq!(
        lean.ws.is_asleep(),
        asleep,
        "asleep after sending ping {payload:?}"
    );
    let read = within("the ping", lean.peer.read_frame())
        .await
        .expect("the ping");
    assert_eq!((read.opcode, &read.payload[..]), (PING, payload));
    let what = format!("the pong to {payload:?}");
    feed(
        lean,
        &what,
        &masked(true, PONG, payload),
        Some(Message::Pong(ping)),
        asleep,
    )
    .await;
}

#[tokio::test]
async fn lean_stream_sleeps_only_between_messages_when_fed_byte_by_byte() {
    let mut lean = FedLean::connect().await;
    assert!(lean.ws.is_asleep(), "not asleep right after the handshake");
    let pong = |payload: &'static [u8]| Some(Message::Pong(Bytes::from_static(payload)));
    let ping = |payload: &'static [u8]| Some(Message::Ping(Bytes::from_static(payload)));

    // Control frames outside any message, no data yet: asleep at each end.
    feed(
        &mut lean,
        "a pong",
        &masked(true, PONG, b"abcd"),
        pong(b"abcd"),
        true,
    )
    .await;
    feed(
        &mut lean,
        "an empty ping",
        &masked(true, PING, b""),
        ping(b""),
        true,
    )
    .await;
    let long = [0x7e; 125];
    let long_pong = Some(Message::Pong(Bytes::copy_from_slice(&long)));
    feed(
        &mut lean,
        "a pong of 125 bytes",
        &masked(true, PONG, &long),
        long_pong,
        true,
    )
    .await;

    // A text in four fragments (the second 16-bit long, the third empty), control frames
    // between them, and "é" split across the first two.
    let mut second = vec![0xa9];
    second.extend([b'a'; 199]);
    feed(
        &mut lean,
        "fragment 1",
        &masked(false, TEXT, b"h\xc3"),
        None,
        false,
    )
    .await;
    feed(
        &mut lean,
        "a ping in the text",
        &masked(true, PING, b"in"),
        ping(b"in"),
        false,
    )
    .await;
    feed(
        &mut lean,
        "fragment 2",
        &masked(false, CONTINUATION, &second),
        None,
        false,
    )
    .await;
    feed(
        &mut lean,
        "a pong in the text",
        &masked(true, PONG, b""),
        pong(b""),
        false,
    )
    .await;
    feed(
        &mut lean,
        "fragment 3",
        &masked(false, CONTINUATION, b""),
        None,
        false,
    )
    .await;
    let text = Some(Message::text(format!("hé{}!", "a".repeat(199))));
    feed(
        &mut lean,
        "fragment 4",
        &masked(true, CONTINUATION, b"!"),
        text,
        false,
    )
    .await;

    // The interval that saw the text, then a quiet one.
    ping_round(&mut lean, b"p1\0\0", false).await;
    ping_round(&mut lean, b"p2\0\0", true).await;

    // Binaries with 16 and 64-bit lengths, then two intervals: asleep again.
    let (mid, big) = (vec![1; 130], vec![2; 65_536]);
    let message = Some(Message::binary(mid.clone()));
    feed(
        &mut lean,
        "a binary of 130 bytes",
        &masked(true, BINARY, &mid),
        message,
        false,
    )
    .await;
    let message = Some(Message::binary(big.clone()));
    feed(
        &mut lean,
        "a binary of 64 KiB",
        &masked(true, BINARY, &big),
        message,
        false,
    )
    .await;
    ping_round(&mut lean, b"p3\0\0", false).await;
    ping_round(&mut lean, b"p4\0\0", true).await;
}
