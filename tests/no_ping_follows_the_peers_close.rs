//! Nothing may follow a close frame (RFC 6455 §5.5.1): an application ping queued as the
//! peer's close arrives is not written after tungstenite's reply. Before, the driver wrote
//! it, tungstenite refused it, and the close the peer had started ended unclean. A client's
//! connection, over an in-memory duplex with a hand-written server, on a paused clock.

mod support;

use std::future::{poll_fn, Future};
use std::task::Poll;
use std::time::Duration;

use support::raw_peer::{self, frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use ws_health::{CheckSettings, Initiator, Supervisor};

#[tokio::test(start_paused = true)]
async fn no_ping_follows_the_peers_close() {
    // The client's side: a server's stream ends as it reads the close (it replies and drops
    // TCP at once), a client's waits for the server to drop TCP, writing on meanwhile.
    let (client_io, mut peer) = tokio::io::duplex(1 << 16);
    let client = WebSocketStream::from_raw_socket(client_io, Role::Client, None).await;
    // Its own pings far apart: only the application's is in play.
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(3600),
            Duration::from_secs(60),
        ))
        .build()
        .unwrap();
    let conn = supervisor.supervise(client);

    // The ping is queued, then the peer's close arrives, before the driver runs again.
    let mut ping = Box::pin(conn.ping());
    poll_fn(|cx| {
        assert!(ping.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    let mut close = 1000u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"bye");
    peer.write_all(&frame(true, raw_peer::CLOSE, &close, None))
        .await
        .unwrap();

    // The reply to the close (masked: 2 bytes of header, 4 of mask, the payload).
    let mut head = [0u8; 2];
    support::within("the close reply", peer.read_exact(&mut head))
        .await
        .unwrap();
    assert_eq!(head[0] & 0x0F, raw_peer::CLOSE, "{head:?}");
    let mut rest = vec![0; 4 + usize::from(head[1] & 0x7F)];
    peer.read_exact(&mut rest).await.unwrap();
    // The server drops TCP; nothing came after the reply.
    peer.shutdown().await.unwrap();
    let mut after = Vec::new();
    support::within("the end of the stream", peer.read_to_end(&mut after))
        .await
        .unwrap();
    assert_eq!(after, b"", "written after the close reply");

    assert!(ping.await.unwrap_err().is_closed());
    let end = conn.closed().await;
    assert_eq!((end.initiator, end.code), (Initiator::Peer, 1000), "{end}");
    assert!(end.clean, "{end}");
}
