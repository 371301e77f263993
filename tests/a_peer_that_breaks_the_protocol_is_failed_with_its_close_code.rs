//! A peer that breaks the protocol or a limit gets the close code RFC 6455 gives for it, as
//! Python `websockets` sends, and the end says so: 1009 for a message over the limit, 1007
//! for text that is not UTF-8, 1002 for a malformed frame (reserved bits set). tungstenite
//! alone returns an error, and the connection was dropped without a close frame and
//! reported as lost to the network. The reason says what broke the rule, as Python
//! `websockets`' does (it said only "protocol error"). Over real loopback sockets, the peer
//! written by hand.

mod support;

use support::{raw_peer, RawPeer};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use ws_health::{Initiator, Supervisor};

/// What the peer sends: one frame's bytes, masked as a client's.
fn broken(opcode: u8, payload: &[u8], rsv1: bool) -> Vec<u8> {
    let mut bytes = raw_peer::frame(true, opcode, payload, Some([9, 8, 7, 6]));
    if rsv1 {
        bytes[0] |= 0x40;
    }
    bytes
}

#[tokio::test]
async fn a_peer_that_breaks_the_protocol_is_failed_with_its_close_code() {
    support::trace();
    let cases = [
        (
            "too big",
            broken(raw_peer::BINARY, &[1; 2000], false),
            1009,
            "message too big: 2000 bytes, over 1024",
        ),
        (
            "not UTF-8",
            broken(raw_peer::TEXT, &[0xC3, 0x28], false),
            1007,
            "invalid UTF-8",
        ),
        (
            "reserved bit",
            broken(raw_peer::BINARY, b"x", true),
            1002,
            "protocol error: Reserved bits are non-zero",
        ),
    ];
    for (case, bytes, code, reason) in cases {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let config = WebSocketConfig::default().max_message_size(Some(1024));
            let ws = tokio_tungstenite::accept_async_with_config(tcp, Some(config))
                .await
                .unwrap();
            Supervisor::new().supervise(ws)
        };
        let (conn, mut peer) = tokio::join!(accept, RawPeer::connect(addr));
        // A message within the rules first: the connection works.
        peer.send(raw_peer::TEXT, b"fine").await;
        peer.write_raw(&bytes).await;
        let mut conn = conn;
        let first = support::within("the first message", conn.recv()).await;
        assert_eq!(first.unwrap().into_text().unwrap(), "fine", "{case}");

        let close = support::within("the close", peer.read_frame())
            .await
            .unwrap_or_else(|| panic!("{case}: the connection ended without a close frame"));
        assert_eq!(close.opcode, raw_peer::CLOSE, "{case}");
        assert_eq!(
            (close.close_code(), close.close_reason()),
            (code, reason.into()),
            "{case}"
        );
        let end = support::within("the end", conn.closed()).await;
        assert_eq!(
            (end.initiator, end.code, end.reason.as_str()),
            (Initiator::Protocol, code, reason),
            "{case}: {end}"
        );
        assert!(end.to_string().contains("closed by protocol"), "{end}");
        // Nothing is read after the broken frame: TCP is closed once the close is out.
        assert!(
            support::within("the end of the stream", peer.read_frame())
                .await
                .is_none(),
            "{case}"
        );
    }
}

/// The same through the runtime's server, whose connections sleep in a `LeanStream` while
/// idle: the oversized message comes to a sleeping connection.
#[tokio::test]
async fn the_server_fails_a_peer_that_sends_a_message_over_the_limit_with_1009() {
    use ws_health::config::SocketConfig;
    use ws_health::runtime::Server;

    support::trace();
    let socket = SocketConfig {
        max_message_size: Some(1024),
        ..SocketConfig::default()
    };
    let supervisor = Supervisor::builder()
        .with_max_message_size(socket.max_message_size)
        .build()
        .unwrap();
    let (ends_tx, mut ends) = tokio::sync::mpsc::unbounded_channel();
    let server = Server::builder(supervisor)
        .with_server_config(support::runtime::server_config())
        .with_socket_config(socket)
        .serve("127.0.0.1:0", move |conn: ws_health::Connection| {
            let ends = ends_tx.clone();
            async move {
                let _ = ends.send(conn.closed().await);
            }
        })
        .await
        .unwrap();
    let mut peer = RawPeer::connect(server.local_addr()).await;
    peer.write_raw(&broken(raw_peer::BINARY, &[1; 1025], false))
        .await;
    let close = support::within("the close", peer.read_frame())
        .await
        .expect("a close frame");
    assert_eq!(
        (close.close_code(), close.close_reason()),
        (1009, "message too big: 1025 bytes, over 1024".into())
    );
    let end = support::within("the end", ends.recv()).await.unwrap();
    assert_eq!(
        (end.initiator, end.code),
        (Initiator::Protocol, 1009),
        "{end}"
    );
    server.shutdown().await;
}
