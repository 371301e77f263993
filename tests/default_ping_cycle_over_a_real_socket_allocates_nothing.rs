//! Over a real socket, a connection whose `LeanStream` sleeps makes no heap allocation in a
//! steady ping cycle: the ping is written from inline bytes, the pong read into the stack and
//! handed out as the ping's own payload. Awake, through tungstenite, neither. A check that
//! runs as a boxed future does allocate, and this counter sees it. The server's socket counts
//! the reads tungstenite makes (into its 4 KiB buffer), so the asleep case is seen to be
//! asleep.

#[allow(dead_code)]
#[path = "../benches/hot_paths/counting_alloc.rs"]
mod counting_alloc;
mod support;

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use support::runtime::echo;
use support::OwnJudgement;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use ws_health::{CheckSettings, LeanStream, Supervisor};

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

const WARM_UP: u32 = 50;
const CYCLES: u32 = 500;

/// A socket that counts the reads made into a buffer larger than a sleeping stream's 256
/// bytes: tungstenite's.
struct CountingReads {
    tcp: TcpStream,
    tungstenite_reads: Arc<AtomicUsize>,
}

impl AsyncRead for CountingReads {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() > 256 {
            self.tungstenite_reads.fetch_add(1, Ordering::Relaxed);
        }
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountingReads {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// Answers every ping with a masked pong, from fixed buffers: the peer allocates nothing.
async fn answer(tcp: &mut TcpStream) -> std::io::Result<()> {
    let mut ping = [0u8; 6];
    tcp.read_exact(&mut ping).await?;
    assert_eq!(&ping[..2], &[0x89, 4], "a 4-byte ping from the server");
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut pong = [0x8a, 0x84, mask[0], mask[1], mask[2], mask[3], 0, 0, 0, 0];
    for i in 0..4 {
        pong[6 + i] = ping[2 + i] ^ mask[i];
    }
    tcp.write_all(&pong).await
}

/// Allocations on this thread per ping cycle, server and peer on one current-thread runtime,
/// and tungstenite's reads over the same cycles.
fn allocations_per_cycle(own_judgement: bool, sleep_when_idle: bool) -> (f64, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let mut supervisor = Supervisor::builder().with_ping_settings(CheckSettings::every(
            Duration::from_millis(2),
            Duration::from_secs(5),
        ));
        if own_judgement {
            supervisor = supervisor.with_ping(OwnJudgement);
        }
        let supervisor = supervisor.build().unwrap();
        let tungstenite_reads = Arc::new(AtomicUsize::new(0));
        let reads = tungstenite_reads.clone();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let tcp = CountingReads {
                tcp,
                tungstenite_reads: reads,
            };
            let mut ws = LeanStream::accept(tcp).await.unwrap();
            ws.set_sleep_when_idle(sleep_when_idle);
            let (conn, driver) = supervisor.attach(ws, None);
            futures_util::future::join(driver, echo(conn)).await;
        });
        // The server says nothing after its 101 until the first ping, so the client's
        // stream holds no byte past the handshake.
        let tcp = TcpStream::connect(url.trim_start_matches("ws://"))
            .await
            .unwrap();
        let (ws, _) = tokio_tungstenite::client_async(url.as_str(), tcp)
            .await
            .unwrap();
        let mut tcp = ws.into_inner();
        for _ in 0..WARM_UP {
            answer(&mut tcp).await.unwrap();
        }
        let before = counting_alloc::allocations();
        let reads_before = tungstenite_reads.load(Ordering::Relaxed);
        for _ in 0..CYCLES {
            answer(&mut tcp).await.unwrap();
        }
        let allocations = counting_alloc::allocations() - before;
        let reads = tungstenite_reads.load(Ordering::Relaxed) - reads_before;
        (allocations as f64 / f64::from(CYCLES), reads)
    })
}

#[test]
fn default_ping_cycle_over_a_real_socket_allocates_nothing() {
    let (asleep, tungstenite_reads) = allocations_per_cycle(false, true);
    assert_eq!(tungstenite_reads, 0, "asleep, tungstenite reads nothing");
    assert_eq!(asleep, 0.0, "asleep");
    let (awake, tungstenite_reads) = allocations_per_cycle(false, false);
    assert!(
        tungstenite_reads >= CYCLES as usize,
        "awake, tungstenite reads each pong"
    );
    assert_eq!(awake, 0.0, "awake");
    let (boxed, _) = allocations_per_cycle(true, true);
    assert!(
        boxed >= 2.0,
        "a check's boxed future allocates, and the counter must see it: {boxed}"
    );
}
