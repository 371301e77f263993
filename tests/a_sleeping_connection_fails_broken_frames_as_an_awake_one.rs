//! A frame that breaks the protocol or a limit and comes to a connection asleep in a
//! `LeanStream` fails the connection exactly as it does one read by tungstenite all along:
//! the same close frame to the peer (RFC 6455 §7.4.1: 1002 for a malformed frame, 1007 for
//! text that is not UTF-8, 1009 for a message over the limit), then the end of TCP, and the
//! same `Disconnect`. Control frames above all, since a sleeping stream reads a lone pong
//! itself: a ping or a pong with reserved bits, too long, fragmented or unmasked, among
//! others. Three paths per frame, over real loopback sockets, the peer written by hand: a
//! plain tokio-tungstenite stream, a `LeanStream` supervised by hand and watched to be asleep
//! when the frame comes, and the runtime's `Server`. Each path first goes through a ping of
//! the server's and its pong, which a sleeping stream reads without waking.

mod support;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use support::raw_peer::{self, BINARY, CLOSE, PING, PONG, TEXT};
use support::{ms, within, RawPeer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{error::Elapsed, timeout};
use ws_health::config::SocketConfig;
use ws_health::runtime::Server;
use ws_health::tungstenite::handshake::server::NoCallback;
use ws_health::tungstenite::{Error, Message};
use ws_health::{CheckSettings, Connection, Initiator, LeanStream, Supervisor};

const MASK: Option<[u8; 4]> = Some([9, 8, 7, 6]);

/// One frame as a client sends it (masked), with `rsv` or'ed into its first byte.
fn masked(fin: bool, opcode: u8, payload: &[u8], rsv: u8) -> Vec<u8> {
    let mut bytes = raw_peer::frame(fin, opcode, payload, MASK);
    bytes[0] |= rsv;
    bytes
}

/// A broken frame, and the close code it must be failed with and its reason's start (the rule
/// broken; what broke it follows).
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    code: u16,
    reason: &'static str,
}

fn cases() -> Vec<Case> {
    let protocol = |name, bytes| Case {
        name,
        bytes,
        code: 1002,
        reason: "protocol error",
    };
    vec![
        protocol("a ping with RSV1", masked(true, PING, b"p", 0x40)),
        protocol("a ping of 126 bytes", masked(true, PING, &[7; 126], 0)),
        protocol("a fragmented ping", masked(false, PING, b"p", 0)),
        protocol("a pong with RSV1", masked(true, PONG, b"p", 0x40)),
        protocol("a pong with RSV2 and RSV3", masked(true, PONG, b"p", 0x30)),
        protocol("a pong of 126 bytes", masked(true, PONG, &[7; 126], 0)),
        protocol("a fragmented pong", masked(false, PONG, b"p", 0)),
        protocol("data opcode 0x3", masked(true, 0x3, b"x", 0)),
        protocol("control opcode 0xB", masked(true, 0xB, b"x", 0)),
        protocol("an unmasked text", raw_peer::frame(true, TEXT, b"x", None)),
        protocol("an unmasked ping", raw_peer::frame(true, PING, b"p", None)),
        protocol("an unmasked pong", raw_peer::frame(true, PONG, b"p", None)),
        protocol("a close of 1 byte", masked(true, CLOSE, &[3], 0)),
        Case {
            name: "a text that is not UTF-8",
            bytes: masked(true, TEXT, &[0xC3, 0x28], 0),
            code: 1007,
            reason: "invalid UTF-8",
        },
        Case {
            name: "a close reason that is not UTF-8",
            bytes: masked(true, CLOSE, &[0x03, 0xE8, 0xC3, 0x28], 0),
            code: 1007,
            reason: "invalid UTF-8",
        },
        Case {
            name: "a binary over the limit",
            bytes: masked(true, BINARY, &[1; 1025], 0),
            code: 1009,
            reason: "message too big",
        },
    ]
}

/// What the peer and the application see of a connection failed for a broken frame.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    /// The close frame's code and reason, if one came.
    close: Option<(u16, String)>,
    /// The opcode of a frame after the close; `None`: TCP ended.
    after: Option<u8>,
    initiator: Initiator,
    code: u16,
    reason: String,
    clean: bool,
}

/// What the peer sees: the close frame's code and reason, and the opcode of a frame after it
/// (`None`: TCP ended).
type Seen = (Option<(u16, String)>, Option<u8>);

/// The server's side of one path.
enum Path {
    Awake(TcpListener),
    Lean(TcpListener),
    /// With the signals of its handler: a pong read, and the end.
    Server(
        Server,
        mpsc::UnboundedReceiver<()>,
        mpsc::UnboundedReceiver<ws_health::Disconnect>,
    ),
}

fn socket() -> SocketConfig {
    SocketConfig {
        max_message_size: Some(1024),
        ..SocketConfig::default()
    }
}

/// Pings every 50 ms, so that each connection goes through a ping and its pong first.
fn supervisor() -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(50), ms(10_000)))
        .with_max_message_size(socket().max_message_size)
        .build()
        .unwrap()
}

/// The frame after pings, which the peer leaves unanswered once it has answered the first;
/// `None` at the end of the stream. A bound, not a means of synchronisation: `Err` if none
/// comes within 10 s.
async fn next_not_ping(peer: &mut RawPeer) -> Result<Option<raw_peer::Frame>, Elapsed> {
    timeout(Duration::from_secs(10), async {
        loop {
            match peer.read_frame().await {
                Some(frame) if frame.opcode == PING => continue,
                other => return other,
            }
        }
    })
    .await
}

/// The peer answers the server's first ping.
async fn answer_the_first_ping(peer: &mut RawPeer) {
    let ping = within("the first ping", peer.read_frame())
        .await
        .expect("a ping before the end");
    assert_eq!(ping.opcode, PING, "{ping:?}");
    peer.pong(&ping.payload).await;
}

/// Once the connection has read the peer's pong: the broken frame sent after it comes alone,
/// to a stream that has just read a pong itself.
async fn pong_read(conn: &Connection) {
    while conn.stats().pongs_received == 0 {
        tokio::task::yield_now().await;
    }
}

/// What the peer sees after sending `bytes`: the close, and what follows it. No close
/// within the bound is seen as none, and the peer then drops its end, so that the connection
/// ends and its `Disconnect` shows what became of the frame.
async fn break_the_rules(mut peer: RawPeer, bytes: &[u8]) -> Seen {
    peer.write_raw(bytes).await;
    let Ok(Some(close)) = next_not_ping(&mut peer).await else {
        return (None, None);
    };
    assert_eq!(close.opcode, CLOSE, "{close:?}");
    let after = next_not_ping(&mut peer)
        .await
        .expect("nothing after the close, or the end of TCP, within 10 s");
    let close = (close.close_code(), close.close_reason());
    (Some(close), after.map(|frame| frame.opcode))
}

/// A `LeanStream` that notes whether it was asleep when a read first woke it (or failed).
struct Watched {
    ws: LeanStream<TcpStream>,
    woken_asleep: Arc<Mutex<Option<bool>>>,
}

impl Stream for Watched {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let before = this.ws.is_asleep();
        let read = this.ws.poll_next_unpin(cx);
        let mut woken = this.woken_asleep.lock().unwrap();
        if woken.is_none() && (!this.ws.is_asleep() || matches!(read, Poll::Ready(Some(Err(_))))) {
            *woken = Some(before);
        }
        read
    }
}

impl Sink<Message> for Watched {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().ws.poll_ready_unpin(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.get_mut().ws.start_send_unpin(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().ws.poll_flush_unpin(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().ws.poll_close_unpin(cx)
    }
}

/// One connection from a peer to `conn`: the first ping answered, its pong read, `bytes`.
async fn through(
    conn: Connection,
    mut peer: RawPeer,
    bytes: &[u8],
) -> (Seen, ws_health::Disconnect) {
    answer_the_first_ping(&mut peer).await;
    within("the pong read", pong_read(&conn)).await;
    let seen = break_the_rules(peer, bytes).await;
    (seen, within("the end", conn.closed()).await)
}

impl Path {
    async fn run(&mut self, case: &Case) -> Outcome {
        let config = Some(socket().websocket_config());
        let ((close, after), end) = match self {
            Path::Awake(listener) => {
                let addr = listener.local_addr().unwrap();
                let accept = async {
                    let (tcp, _) = listener.accept().await.unwrap();
                    let ws = tokio_tungstenite::accept_async_with_config(tcp, config).await;
                    supervisor().supervise(ws.unwrap())
                };
                let (conn, peer) = tokio::join!(accept, RawPeer::connect(addr));
                through(conn, peer, &case.bytes).await
            }
            Path::Lean(listener) => {
                let addr = listener.local_addr().unwrap();
                let woken_asleep = Arc::new(Mutex::new(None));
                let accept = async {
                    let (tcp, _) = listener.accept().await.unwrap();
                    let ws = LeanStream::accept_hdr_with_config(tcp, NoCallback, config).await;
                    let ws = ws.unwrap();
                    assert!(
                        ws.is_asleep(),
                        "{}: not asleep after the handshake",
                        case.name
                    );
                    let woken_asleep = woken_asleep.clone();
                    supervisor().supervise(Watched { ws, woken_asleep })
                };
                let (conn, peer) = tokio::join!(accept, RawPeer::connect(addr));
                let outcome = through(conn, peer, &case.bytes).await;
                assert_eq!(
                    *woken_asleep.lock().unwrap(),
                    Some(true),
                    "{}: the broken frame did not come to a sleeping stream",
                    case.name
                );
                outcome
            }
            Path::Server(server, pongs, ends) => {
                let mut peer = RawPeer::connect(server.local_addr()).await;
                answer_the_first_ping(&mut peer).await;
                within("the pong read", pongs.recv()).await.unwrap();
                let seen = break_the_rules(peer, &case.bytes).await;
                (seen, within("the end", ends.recv()).await.unwrap())
            }
        };
        Outcome {
            close,
            after,
            initiator: end.initiator,
            code: end.code,
            reason: end.reason,
            clean: end.clean,
        }
    }
}

#[tokio::test]
async fn a_sleeping_connection_fails_broken_frames_as_an_awake_one() {
    support::trace();
    let (pongs_tx, pongs) = mpsc::unbounded_channel();
    let (ends_tx, ends) = mpsc::unbounded_channel();
    let server = Server::builder(supervisor())
        .with_server_config(support::runtime::server_config())
        .with_socket_config(socket())
        .serve("127.0.0.1:0", move |conn: Connection| {
            let (pongs, ends) = (pongs_tx.clone(), ends_tx.clone());
            async move {
                pong_read(&conn).await;
                let _ = pongs.send(());
                let _ = ends.send(conn.closed().await);
            }
        })
        .await
        .unwrap();
    let bind = || TcpListener::bind("127.0.0.1:0");
    let mut awake = Path::Awake(bind().await.unwrap());
    let mut lean = Path::Lean(bind().await.unwrap());
    let mut runtime = Path::Server(server, pongs, ends);

    let mut wrong = Vec::new();
    for case in cases() {
        let closed_so = |close: &Option<(u16, String)>| {
            close
                .as_ref()
                .is_some_and(|(code, reason)| *code == case.code && reason.starts_with(case.reason))
        };
        let outcomes = [
            ("awake", awake.run(&case).await),
            ("lean", lean.run(&case).await),
            ("server", runtime.run(&case).await),
        ];
        println!("{}:", case.name);
        for (path, outcome) in &outcomes {
            println!("  {path:6} {outcome:?}");
            let ended = (outcome.after, outcome.initiator) == (None, Initiator::Protocol);
            let agrees = *outcome == outcomes[0].1;
            if !closed_so(&outcome.close) || !ended || outcome.code != case.code || !agrees {
                wrong.push(format!("{} / {path}: {outcome:?}", case.name));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "failed otherwise than RFC 6455 §7.4.1 or than an awake stream:\n{}",
        wrong.join("\n")
    );
    if let Path::Server(server, ..) = runtime {
        server.shutdown().await;
    }
}
