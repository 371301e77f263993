//! Review guard: a `LeanStream` that is only ever read (a split reader whose writer is idle,
//! a server that never sends) answers the peer's ping, as tokio-tungstenite does: its
//! automatic pong leaves with the next read. 0da5e31 (small pings answered while asleep, the
//! pong kept in the `Tap` for the next write or flush) never sent it.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use support::loopback_pair;
use support::raw_peer::{self, RawPeer};
use ws_health::LeanStream;

#[tokio::test]
async fn lean_stream_reader_that_never_writes_answers_pings() {
    let (server, mut peer) = loopback_pair(LeanStream::accept, RawPeer::connect).await;
    let mut server = server.expect("the server's handshake");
    assert!(server.is_asleep());
    let reader = tokio::spawn(async move { while let Some(Ok(_)) = server.next().await {} });
    peer.ping(b"abcd").await;
    let pong = tokio::time::timeout(Duration::from_secs(10), peer.read_frame())
        .await
        .expect("no pong from a reader that never writes")
        .expect("the connection ended instead of a pong");
    assert_eq!(
        (pong.opcode, pong.payload),
        (raw_peer::PONG, b"abcd".to_vec())
    );
    reader.abort();
}
