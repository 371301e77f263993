//! A close that the peer began and we answered is clean, even when a frame follows the
//! peer's close. A tungstenite server that read a ping and then closes writes the pong it
//! owes behind its close frame; our tungstenite writes our reply itself, in the read that
//! then refuses that pong, before our own flush could say the reply went. `ws-health probe`
//! printed such a server's 1001 as "closed by peer with 1001 \"going away\" (unclean)".

mod support;

use support::raw_peer::{frame, RawPeer, CLOSE, PONG};
use ws_health::runtime::Client;
use ws_health::Initiator;

#[tokio::test]
async fn a_pong_behind_the_peers_close_leaves_the_close_clean() {
    support::trace();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    // Closes with 1001 and a pong behind it in one write, reads the client's reply, then
    // drops TCP.
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut peer = RawPeer::accept_sending(tcp, b"").await;
        let mut bytes = frame(true, CLOSE, b"\x03\xe9going away", None);
        bytes.extend(frame(true, PONG, b"late", None));
        peer.write_raw(&bytes).await;
        let reply = peer.read_frame().await.expect("the client's reply");
        (reply.close_code(), reply.close_reason())
    });
    let client = Client::builder(url)
        .with_supervisor(support::runtime::quiet_supervisor())
        .connect()
        .unwrap();
    let mut events = client.events();
    let disconnect = support::runtime::next_disconnect(&mut events).await;
    let reply = support::within("the server", server).await.unwrap();
    assert_eq!(reply, (1001, "going away".to_owned()));
    assert_eq!(
        (
            disconnect.initiator,
            disconnect.code,
            disconnect.reason.as_str()
        ),
        (Initiator::Peer, 1001, "going away")
    );
    assert!(disconnect.clean, "{disconnect}");
    client.close();
}
