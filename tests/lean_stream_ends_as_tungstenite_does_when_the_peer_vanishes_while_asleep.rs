//! A peer that vanishes while a `LeanStream` sleeps (its socket dropped, its writing side
//! shut, or the connection reset) ends the stream exactly as it ends a plain
//! tokio-tungstenite stream: the same items, errors and end, poll after poll, and the same
//! `FusedStream::is_terminated` after each; also when the server first pings into the dead
//! connection until a ping fails.

mod support;

use bytes::Bytes;
use futures_util::stream::FusedStream;
use futures_util::{Sink, SinkExt, StreamExt};
use support::{loopback_pair, within, RawPeer};
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

#[derive(Debug, Clone, Copy)]
enum Vanish {
    /// The socket dropped: a FIN.
    Drop,
    /// The writing side shut (a FIN), the peer still there to read.
    ShutdownWrite,
    /// The socket dropped with `SO_LINGER` 0: a reset.
    Reset,
}

/// Makes the peer vanish `how`; if `ping`, sends 4-byte pings until one fails (when the
/// peer's end reached the server); then polls `ws` four times: what each gave, and whether
/// the stream then said it was terminated, as text.
async fn vanish_and_poll<W>(ws: &mut W, mut peer: RawPeer, how: Vanish, ping: bool) -> Vec<String>
where
    W: FusedStream<Item = Result<Message, Error>> + Sink<Message, Error = Error> + Unpin,
{
    let _kept = match how {
        Vanish::Drop => {
            drop(peer);
            None
        }
        Vanish::ShutdownWrite => {
            peer.shutdown_write().await;
            Some(peer)
        }
        Vanish::Reset => {
            peer.reset();
            None
        }
    };
    let mut seen = Vec::new();
    if ping {
        let failed = async {
            loop {
                match ws.send(Message::Ping(Bytes::from_static(b"ping"))).await {
                    Ok(()) => tokio::task::yield_now().await,
                    Err(err) => return err,
                }
            }
        };
        seen.push(format!(
            "a ping failed: {:?}",
            within("a failed ping", failed).await
        ));
    }
    for poll in 0..4 {
        let item = match within(&format!("poll {poll} after {how:?}"), ws.next()).await {
            None => "end".to_owned(),
            Some(Ok(message)) => format!("message {message:?}"),
            Some(Err(err)) => format!("error {err:?}"),
        };
        seen.push(format!("{item}, terminated: {}", ws.is_terminated()));
    }
    seen
}

#[tokio::test]
async fn lean_stream_ends_as_tungstenite_does_when_the_peer_vanishes_while_asleep() {
    let mut failures = Vec::new();
    for (how, ping) in [
        (Vanish::Drop, false),
        (Vanish::ShutdownWrite, false),
        (Vanish::Reset, false),
        (Vanish::Drop, true),
        (Vanish::Reset, true),
    ] {
        let (plain, peer) = loopback_pair(tokio_tungstenite::accept_async, RawPeer::connect).await;
        let mut plain = plain.expect("the plain server's handshake");
        let expected = vanish_and_poll(&mut plain, peer, how, ping).await;

        let (lean, peer) = loopback_pair(LeanStream::accept, RawPeer::connect).await;
        let mut lean = lean.expect("the lean server's handshake");
        assert!(lean.is_asleep(), "not asleep right after the handshake");
        let seen = vanish_and_poll(&mut lean, peer, how, ping).await;

        if seen != expected {
            failures.push(format!(
                "after {how:?}{}:\n  lean:  {seen:?}\n  plain: {expected:?}",
                if ping { " and pings" } else { "" }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
