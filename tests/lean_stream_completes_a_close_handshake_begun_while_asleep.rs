//! A close frame that comes while a `LeanStream` sleeps is handed out with its code and
//! reason, and the close handshake completes as with a plain tokio-tungstenite stream: the
//! peer reads the echoed close, and the stream ends once the peer goes.

mod support;

use futures_util::{Sink, SinkExt, Stream};
use support::raw_peer::{self, RawPeer};
use support::{loopback_pair, next_message, within};
use ws_health::tungstenite::protocol::CloseFrame;
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

/// The peer closes with 4000 "bye", the server reads the close and flushes (as the
/// supervisor's driver does), the peer reads the echo and goes: each step, as text.
async fn close_handshake<W>(ws: &mut W, mut peer: RawPeer) -> Vec<String>
where
    W: Stream<Item = Result<Message, Error>> + Sink<Message, Error = Error> + Unpin,
{
    let mut seen = Vec::new();
    peer.close(4000, "bye").await;
    seen.push(format!(
        "server read {:?}",
        next_message(ws, "server").await
    ));
    let flushed = within("server flush", ws.flush()).await;
    seen.push(format!("server flush {flushed:?}"));
    let echo = within("the echo", peer.read_frame()).await;
    seen.push(match echo {
        Some(frame) if frame.opcode == raw_peer::CLOSE => format!(
            "peer read close {} {:?}",
            frame.close_code(),
            frame.close_reason()
        ),
        other => format!("peer read {other:?}"),
    });
    drop(peer);
    for poll in 0..2 {
        let item = within("server end", futures_util::StreamExt::next(ws)).await;
        seen.push(format!("server poll {poll}: {item:?}"));
    }
    seen
}

#[tokio::test]
async fn lean_stream_completes_a_close_handshake_begun_while_asleep() {
    let (plain, peer) = loopback_pair(tokio_tungstenite::accept_async, RawPeer::connect).await;
    let expected = close_handshake(&mut plain.expect("the plain handshake"), peer).await;

    let (lean, peer) = loopback_pair(LeanStream::accept, RawPeer::connect).await;
    let mut lean = lean.expect("the lean handshake");
    assert!(lean.is_asleep(), "not asleep right after the handshake");
    let seen = close_handshake(&mut lean, peer).await;

    let close = Message::Close(Some(CloseFrame {
        code: 4000.into(),
        reason: "bye".into(),
    }));
    assert_eq!(seen[0], format!("server read {close:?}"), "{seen:#?}");
    assert_eq!(seen[2], "peer read close 4000 \"bye\"", "{seen:#?}");
    assert_eq!(
        seen, expected,
        "the lean stream (left) against plain tokio-tungstenite (right)"
    );
}
