//! A peer's close frame with a code no endpoint may send (1005 on the wire, 999) is answered
//! with 1002 "Protocol violation" (tungstenite's answer), and the connection's end reads as
//! that, from the peer, as the `Disconnect` docs say: the code the peer sent is not kept.

mod support;

use support::{raw_peer, supervised_server, RawPeer};
use ws_health::{Initiator, Supervisor};

#[tokio::test]
async fn peer_close_with_a_code_no_endpoint_may_send_reads_as_1002() {
    support::trace();
    let (addr, mut conns) = supervised_server(Supervisor::new()).await;
    for sent in [1005, 999] {
        let mut peer = RawPeer::connect(addr).await;
        let conn = conns.recv().await.unwrap();
        peer.close(sent, "whatever").await;
        let answer = support::within("the close answer", peer.read_frame())
            .await
            .expect("an answer");
        assert_eq!(answer.opcode, raw_peer::CLOSE);
        assert_eq!(answer.close_code(), 1002, "answer to {sent}");
        let end = support::within("the end", conn.closed()).await;
        assert_eq!(
            (end.initiator, end.code, end.reason.as_str()),
            (Initiator::Peer, 1002, "Protocol violation"),
            "{sent}: {end}"
        );
    }
}
