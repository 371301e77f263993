//! tokio gives a task 128 I/O operations per poll (its cooperative budget); past them a
//! socket reads `Pending` even with bytes waiting. A driver that runs late (a busy runtime)
//! and finds more data than that ahead of the pong must read on before it judges the pong
//! deadline that passed meanwhile: the pong was in the socket in time; so must a request
//! whose timeout passed while reading was paused, and a close whose reply came in time. Only
//! a passed deadline is put off: a ping that falls due during a flood leaves at once. Over an
//! in-memory duplex (which spends the budget as a socket does) with the default 4 KiB read
//! buffer, so that one poll reads at most 512 KiB; on a paused clock.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::raw_peer::{self, frame};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use ws_health::config::SocketConfig;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Initiator, Supervisor};

const INTERVAL: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(1);
/// Eight messages of 96 KiB: 192 reads of 4 KiB, half as many again as one poll may make,
/// and few enough for the inbound queue (64 messages).
const MESSAGES: usize = 8;
const MESSAGE: usize = 96 * 1024;

#[tokio::test(start_paused = true)]
async fn pong_behind_a_spent_coop_budget_is_not_missed() {
    // Room for all the peer writes at once: one write, and the driver takes none of it
    // until the test yields.
    let (conn, mut peer) = supervised(4 << 20).await;

    // The first ping; the clock stands at the instant it was flushed.
    let ping = read_frame(&mut peer).await;
    assert_eq!(ping.opcode, raw_peer::PING, "{ping:?}");

    // While the driver does not run: the data, then the pong right behind it, in the
    // socket well before the deadline.
    peer.write_all(&data_then(raw_peer::PONG, &ping.payload))
        .await
        .unwrap();

    // The driver runs only now, late: past the pong deadline (a busy runtime).
    tokio::time::advance(TIMEOUT + Duration::from_millis(1)).await;

    // The next frame the peer gets is the next ping, not a close 1011.
    let next = read_frame(&mut peer).await;
    assert_eq!(
        next.opcode,
        raw_peer::PING,
        "expected the next ping, got {next:?} (close code {:?}); {:?}",
        (next.opcode == raw_peer::CLOSE).then(|| next.close_code()),
        conn.disconnect(),
    );
    assert!(conn.disconnect().is_none(), "{:?}", conn.disconnect());
    let stats = conn.stats();
    assert_eq!(stats.pongs_received, 1, "{stats:?}");
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    // Its round trip is the time the driver took to come round to it.
    assert_eq!(conn.latency(), TIMEOUT + Duration::from_millis(1));
    assert_eq!(stats.messages_received, MESSAGES as u64, "{stats:?}");
}

/// Reading on past a spent budget is bounded: a peer that floods faster than one poll
/// reads, and never answers, still misses its ping soon after the deadline, not only once
/// the flood stops (under an endless one, never); and the close 1011 reaches it while it
/// floods, though every poll's budget goes on reading.
#[tokio::test(start_paused = true)]
async fn flood_without_a_pong_is_closed_while_it_floods() {
    // 2 MiB messages: the 32 of the flood fit in the inbound queue, nobody reading it.
    const FLOOD: usize = 64 << 20;
    const CHUNK: usize = 2 << 20;
    // Twice what one poll reads: refilled by the flood between two polls of the driver.
    let (conn, peer) = supervised(1 << 20).await;
    let (mut from_driver, mut to_driver) = tokio::io::split(peer);
    let ping = read_frame(&mut from_driver).await;
    assert_eq!(ping.opcode, raw_peer::PING, "{ping:?}");

    // The peer's reader: every frame until the close.
    let closed = Arc::new(AtomicBool::new(false));
    let reader = tokio::spawn({
        let closed = closed.clone();
        async move {
            loop {
                let frame = read_frame(&mut from_driver).await;
                if frame.opcode == raw_peer::CLOSE {
                    closed.store(true, Ordering::Release);
                    return frame;
                }
            }
        }
    });
    // Floods until the close comes (or the flood is spent).
    let flood = tokio::spawn({
        let chunk = frame(true, raw_peer::BINARY, &[7; CHUNK], Some([1, 2, 3, 4]));
        async move {
            let mut written = 0;
            while written < FLOOD && !closed.load(Ordering::Acquire) {
                to_driver.write_all(&chunk).await.unwrap();
                written += chunk.len();
            }
            written
        }
    });
    tokio::time::advance(TIMEOUT + Duration::from_millis(1)).await;
    let written = support::within("the flood", flood).await.unwrap();
    // Judged after at most 16 polls of 512 KiB past the deadline, and the close written
    // at once: not after the flood.
    assert!(
        written < FLOOD / 2,
        "closed after {written} bytes of the flood"
    );
    assert_eq!(conn.stats().pings_missed, 1);
    let close = support::within("the close", reader).await.unwrap();
    assert_eq!(close.close_code(), 1011);
}

/// The close deadline is put off as the pong deadline is: the peer's close frame, which came
/// in time behind more data than one poll reads, completes the close though the driver comes
/// round to it only past the close timeout. The close is clean, not timed out.
#[tokio::test(start_paused = true)]
async fn a_close_reply_behind_a_spent_coop_budget_completes_the_close() {
    let (conn, mut peer) = supervised(4 << 20).await;
    conn.close(1000, "bye").unwrap();
    let close = read_frame(&mut peer).await;
    assert_eq!(close.opcode, raw_peer::CLOSE, "{close:?}");

    // While the driver does not run: the data, then the peer's close right behind it.
    peer.write_all(&data_then(raw_peer::CLOSE, &close.payload))
        .await
        .unwrap();

    // The driver runs only now, past the close deadline.
    let close_timeout = ws_health::policy::Policy::default().close_timeout;
    tokio::time::advance(close_timeout + Duration::from_millis(1)).await;

    let end = support::within("the end", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
    assert!(end.clean, "{end}");
}

/// Only a passed deadline puts judging off: a ping that falls due while the peer floods
/// faster than one poll reads leaves in the first poll past its due instant, not 16 polls
/// (8 MiB of the flood) later.
#[tokio::test(start_paused = true)]
async fn a_ping_due_during_a_flood_leaves_in_the_first_poll() {
    const CHUNK: usize = 64 * 1024;
    // The duplex holds 1 MiB; the flood's 2 MiB messages fit in the inbound queue.
    let (conn, mut peer) = supervised(1 << 20).await;
    // The driver runs, its first ping due INTERVAL from now: it sent what the application did.
    conn.send(Message::text("hello")).await.unwrap();
    assert_eq!(read_frame(&mut peer).await.payload, b"hello");
    let (mut from_driver, mut to_driver) = tokio::io::split(peer);
    let message = frame(true, raw_peer::BINARY, &[7; 2 << 20], Some([1, 2, 3, 4]));
    let flood = message.repeat(16);

    // The first MiB is in the duplex before the driver runs again; the rest follows as the
    // driver reads, counted.
    to_driver.write_all(&flood[..1 << 20]).await.unwrap();
    let written = Arc::new(AtomicUsize::new(1 << 20));
    let _flood = tokio::spawn({
        let written = written.clone();
        async move {
            for chunk in flood[1 << 20..].chunks(CHUNK) {
                to_driver.write_all(chunk).await.unwrap();
                written.fetch_add(chunk.len(), Ordering::Release);
            }
        }
    });
    // What the flood had written when the first frame from the driver came.
    let first = tokio::spawn({
        let written = written.clone();
        async move {
            let frame = read_frame(&mut from_driver).await;
            (frame, written.load(Ordering::Acquire))
        }
    });

    // The first ping falls due now, its slack included; the flood starts with it.
    tokio::time::advance(INTERVAL + Duration::from_millis(20)).await;
    let (frame, written) = support::within("the first ping", first).await.unwrap();
    assert_eq!(frame.opcode, raw_peer::PING, "{frame:?}");
    // The duplex's MiB, the 512 KiB the first poll read, and what the flood wrote before
    // the ping was read: well under the 8 MiB that 16 polls read.
    assert!(
        written < 4 << 20,
        "the ping left after {written} bytes of the flood"
    );
}

/// `MESSAGES` data frames of `MESSAGE` bytes, more than one poll reads, then a control frame
/// (`opcode`, `payload`) right behind them, as a peer writes them.
fn data_then(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for i in 0..MESSAGES {
        let data = vec![i as u8; MESSAGE];
        bytes.extend(frame(true, raw_peer::BINARY, &data, Some([1, 2, 3, 4])));
    }
    bytes.extend(frame(true, opcode, payload, Some([5, 6, 7, 8])));
    bytes
}

/// A supervised server connection over a duplex of `capacity` bytes, with the default socket
/// settings (a 4 KiB read buffer), and the peer's end.
async fn supervised(capacity: usize) -> (Connection, DuplexStream) {
    support::trace();
    let socket = SocketConfig::default();
    assert_eq!(socket.read_buffer_size, 4 * 1024);
    let (server_io, peer) = tokio::io::duplex(capacity);
    let server =
        WebSocketStream::from_raw_socket(server_io, Role::Server, Some(socket.websocket_config()))
            .await;
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(INTERVAL, TIMEOUT))
        // Room for the flood's 32 messages of 2 MiB, over the default 8 MiB.
        .with_queues(ws_health::config::Queues {
            inbound_bytes: 64 << 20,
            ..Default::default()
        })
        .build()
        .unwrap();
    (supervisor.supervise(server), peer)
}

/// The next frame the supervisor sent (unmasked, unfragmented).
async fn read_frame(peer: &mut (impl AsyncRead + Unpin)) -> raw_peer::Frame {
    support::within("a frame from the supervisor", async {
        let mut head = [0u8; 2];
        peer.read_exact(&mut head).await.unwrap();
        assert_eq!(head[1] & 0x80, 0, "a server's frame is unmasked");
        let len = match head[1] & 0x7F {
            126 => usize::from(peer.read_u16().await.unwrap()),
            127 => usize::try_from(peer.read_u64().await.unwrap()).unwrap(),
            n => usize::from(n),
        };
        let mut payload = vec![0; len];
        peer.read_exact(&mut payload).await.unwrap();
        raw_peer::Frame {
            opcode: head[0] & 0x0F,
            payload,
        }
    })
    .await
}

/// Asks with a 100 ms timeout of its own; records how each run ended.
struct Asks(Arc<std::sync::Mutex<Vec<&'static str>>>);

#[ws_health::async_trait]
impl ws_health::HealthCheck for Asks {
    async fn check(&self, ctx: &ws_health::CheckContext) -> ws_health::Health {
        let asked = ctx.request(Message::text("ping?"), Duration::from_millis(100), |m| {
            m.is_text()
        });
        let outcome = match asked.await {
            Ok(_) => "answered",
            Err(ws_health::check::ProbeError::Timeout(_)) => "timed out",
            Err(_) => "failed",
        };
        self.0.lock().unwrap().push(outcome);
        ws_health::Health::healthy(outcome)
    }
}

/// A request whose timeout passed while reading was paused is not judged on a read pass that
/// tokio's budget cut short after the application caught up: its answer, behind more data
/// than one poll reads, is found by the next. It used to time out at the first.
#[tokio::test(start_paused = true)]
async fn a_request_waits_for_the_read_pass_a_spent_budget_cut_short() {
    let outcomes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (server_io, mut peer) = tokio::io::duplex(4 << 20);
    let socket = SocketConfig::default();
    let server =
        WebSocketStream::from_raw_socket(server_io, Role::Server, Some(socket.websocket_config()))
            .await;
    let no_ping = CheckSettings {
        enabled: false,
        ..CheckSettings::default()
    };
    let asks = CheckSettings {
        slack: Duration::ZERO,
        ..CheckSettings::every(Duration::from_secs(1), Duration::from_millis(900))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(no_ping)
        .with_check("asks", Asks(outcomes.clone()), asks)
        .with_queues(ws_health::config::Queues {
            inbound: 16,
            outbound: 16,
            ..Default::default()
        })
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let mut conn = supervisor.supervise(server);

    // 16 messages fill the queue, nobody reading it; 8 more (192 reads of 4 KiB, more than
    // one poll's 128) and the answer wait behind them.
    let message = frame(true, raw_peer::BINARY, &[7; MESSAGE], Some([1, 2, 3, 4]));
    let mut bytes = message.repeat(24);
    bytes.extend(frame(true, raw_peer::TEXT, b"pong!", Some([1, 2, 3, 4])));
    peer.write_all(&bytes).await.unwrap();

    // The request goes out at 1 s; its timeout passes at 1.1 s with reading paused. The
    // application takes the 16 at 1.2 s.
    let request = read_frame(&mut peer).await;
    assert_eq!(request.payload, b"ping?");
    tokio::time::sleep_until(start + Duration::from_millis(1200)).await;
    for _ in 0..16 {
        assert!(conn.recv().await.is_some());
    }
    tokio::time::sleep_until(start + Duration::from_millis(1950)).await;
    assert_eq!(*outcomes.lock().unwrap(), ["answered"]);
}
