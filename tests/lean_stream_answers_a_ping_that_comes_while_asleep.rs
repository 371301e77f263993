//! A ping from the peer while a `LeanStream` sleeps wakes it: the ping is handed out,
//! tungstenite's pong carries the same payload once the stream is read until nothing is left
//! and flushed (as the supervisor's driver does after a ping), and the stream sleeps again
//! after that flush.

mod support;

use bytes::Bytes;
use futures_util::{FutureExt, SinkExt, StreamExt};
use support::raw_peer::{self, RawPeer};
use support::{loopback_pair, next_message, within};
use ws_health::tungstenite::Message;
use ws_health::LeanStream;

#[tokio::test]
async fn lean_stream_answers_a_ping_that_comes_while_asleep() {
    let (server, mut peer) = loopback_pair(LeanStream::accept, RawPeer::connect).await;
    let mut server = server.expect("the server's handshake");
    assert!(server.is_asleep(), "not asleep right after the handshake");

    // Empty, ws-health's own size, over the size a sleeping stream writes itself, the largest.
    let payloads = [vec![], b"abcd".to_vec(), vec![0x5a; 9], vec![0xff; 125]];
    for payload in payloads {
        let len = payload.len();
        peer.ping(&payload).await;
        assert_eq!(
            next_message(&mut server, "server").await,
            Message::Ping(Bytes::from(payload.clone())),
            "the ping of {len} bytes"
        );
        // As the driver: read on until nothing is left, then flush.
        assert!(
            server.next().now_or_never().is_none(),
            "something after the ping of {len} bytes"
        );
        within("server flush", server.flush())
            .await
            .expect("the pong is flushed");
        let pong = within("the pong", peer.read_frame())
            .await
            .expect("the connection ended instead of a pong");
        assert_eq!(
            (pong.opcode, pong.payload),
            (raw_peer::PONG, payload),
            "the answer to the ping of {len} bytes"
        );
        assert!(
            server.is_asleep(),
            "awake after the pong to a ping of {len} bytes was flushed"
        );
    }

    // Asleep again, it still reads a text.
    peer.text("still here").await;
    assert_eq!(
        next_message(&mut server, "server").await,
        Message::text("still here")
    );
}
