//! Frames a server sends in the same write as its handshake response are read along with
//! the response, where a `LeanStream` (here a client) cannot follow them: it still delivers
//! every one, and then never sleeps, even through ping intervals without any data.
//!
//! (A server cannot meet the mirror case: tungstenite refuses bytes behind the request
//! with `JunkAfterRequest`.)

mod support;

use bytes::Bytes;
use futures_util::SinkExt;
use support::raw_peer::{self, frame, RawPeer};
use support::{loopback_pair, next_message, within};
use tokio::net::TcpStream;
use ws_health::tungstenite::Message;
use ws_health::LeanStream;

#[tokio::test]
async fn lean_stream_never_sleeps_after_frames_that_came_with_the_handshake() {
    let mut early = frame(true, raw_peer::TEXT, b"early", None);
    early.extend(frame(true, raw_peer::BINARY, &[9; 300], None));
    early.extend(frame(true, raw_peer::PING, b"hi", None));
    let (mut peer, client) = loopback_pair(
        |tcp| RawPeer::accept_sending(tcp, &early),
        |addr| async move {
            let tcp = TcpStream::connect(addr).await.unwrap();
            LeanStream::client_with_config(format!("ws://{addr}/"), tcp, None).await
        },
    )
    .await;
    let (mut client, _) = client.expect("the client's handshake");
    assert!(
        !client.is_asleep(),
        "asleep with frames read along with the handshake"
    );

    assert_eq!(
        next_message(&mut client, "client").await,
        Message::text("early")
    );
    assert_eq!(
        next_message(&mut client, "client").await,
        Message::binary(vec![9; 300])
    );
    assert_eq!(
        next_message(&mut client, "client").await,
        Message::Ping(Bytes::from_static(b"hi"))
    );
    within("client flush", client.flush()).await.unwrap();
    let pong = within("the pong", peer.read_frame()).await.unwrap();
    assert_eq!(
        (pong.opcode, &pong.payload[..]),
        (raw_peer::PONG, &b"hi"[..])
    );

    // Three ping intervals without data: a stream that could follow its bytes would sleep
    // from the second on.
    for i in 0..3u8 {
        let payload = Bytes::from(vec![b'p', i, 0, 0]);
        within("client ping", client.send(Message::Ping(payload.clone())))
            .await
            .unwrap();
        let ping = within("the ping", peer.read_frame()).await.unwrap();
        assert_eq!(
            (ping.opcode, &ping.payload[..]),
            (raw_peer::PING, &payload[..])
        );
        peer.pong(&payload).await;
        assert_eq!(
            next_message(&mut client, "client").await,
            Message::Pong(payload)
        );
        assert!(
            !client.is_asleep(),
            "asleep after quiet ping interval {i}, though it could not follow the stream"
        );
    }

    peer.text("late").await;
    assert_eq!(
        next_message(&mut client, "client").await,
        Message::text("late")
    );
}
