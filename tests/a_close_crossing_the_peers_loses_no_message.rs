//! Our close and the peer's cross: the peer's close arrives while our close still waits
//! behind queued data. RFC 6455 lets no data follow a received close, and tungstenite
//! refuses it; every queued message is then reported unsent, none vanishes (the driver
//! handed one to tungstenite, which dropped it uncounted), and the handshake is clean.

mod support;

use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use ws_health::tungstenite::Message;
use ws_health::{Initiator, Supervisor};

#[tokio::test]
async fn a_close_crossing_the_peers_loses_no_message() {
    let (ours, mut theirs) = tokio::io::duplex(64 << 10);
    // The server's close (1000), already on the wire, then the server drops TCP.
    theirs.write_all(&[0x88, 0x02, 0x03, 0xE8]).await.unwrap();
    let ws = WebSocketStream::from_raw_socket(ours, Role::Client, None).await;
    let (conn, driver) = Supervisor::new().attach(ws, None);
    conn.try_send(Message::text("a")).unwrap();
    conn.try_send(Message::text("b")).unwrap();
    conn.close(1000, "").unwrap();
    let driver = tokio::spawn(driver);
    // Whatever the client writes is read and dropped; then the server goes.
    let mut sink = Vec::new();
    let _ = support::within("our close", async {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 1024];
        loop {
            let n = theirs.read(&mut buf).await.unwrap();
            sink.extend_from_slice(&buf[..n]);
            // Our close frame: opcode 0x8, masked (client).
            if n == 0 || sink.contains(&0x88) {
                break;
            }
        }
    })
    .await;
    drop(theirs);
    let end = support::within("the end", driver).await.unwrap();
    let sent = conn.stats().messages_sent;
    // Ours never left: the peer's close ends it.
    assert_eq!((end.initiator, end.code), (Initiator::Peer, 1000), "{end}");
    assert_eq!(end.unsent as u64 + sent, 2, "{end}, {sent} sent");
    assert!(end.clean, "{end}");
}
