//! A `LeanStream` that is only ever read falls asleep again once its automatic pong has left:
//! the pong tungstenite queued for the peer's ping goes out with the next read, and nothing
//! else keeps the stream awake. Before, only a flush by the application cleared it, so a
//! reader that never writes held tungstenite's buffers for the rest of the connection.

mod support;

use futures_util::{FutureExt, StreamExt};
use support::raw_peer::{self, RawPeer};
use support::{loopback_pair, within};
use tokio_tungstenite::tungstenite::Message;
use ws_health::LeanStream;

#[tokio::test]
async fn lean_stream_reader_sleeps_again_after_answering_a_ping() {
    let (server, mut peer) = loopback_pair(LeanStream::accept, RawPeer::connect).await;
    let mut server = server.expect("the server's handshake");
    assert!(server.is_asleep());

    peer.ping(b"abcd").await;
    let ping = within("the ping", server.next()).await.unwrap().unwrap();
    assert_eq!(ping, Message::Ping(b"abcd".to_vec().into()));
    assert!(!server.is_asleep(), "awake to answer it");

    // The next read sends the pong, finds nothing more, and the stream falls asleep.
    assert!(
        server.next().now_or_never().is_none(),
        "nothing more to read"
    );
    let pong = within("the pong", peer.read_frame()).await.unwrap();
    assert_eq!(
        (pong.opcode, pong.payload),
        (raw_peer::PONG, b"abcd".to_vec())
    );
    assert!(server.is_asleep(), "still awake after its pong left");

    // Asleep, it still reads what comes next.
    peer.text("after").await;
    let text = within("the text", server.next()).await.unwrap().unwrap();
    assert_eq!(text, Message::text("after"));
}
