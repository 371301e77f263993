//! Helpers shared by the integration tests.
#![allow(dead_code, unused_imports)]

#[cfg(target_os = "linux")]
pub mod cable;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod connect_proxy;
pub mod fed_lean;
pub mod heap;
pub mod logs;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod mock_transport;
pub mod process;
#[cfg(unix)]
pub mod python;
pub mod raw_peer;
pub mod runtime;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::policy::{Action, ActionEvent, Policy};
use ws_health::{async_trait, CheckContext, CheckSettings, Connection, Health, HealthCheck};
use ws_health::{Status, Supervisor};

pub use mock_transport::{close_of, MockPeer, MockTransport};
pub use raw_peer::RawPeer;

/// A loopback server on port 0 that supervises every connection it accepts and hands the
/// [`Connection`]s to the test.
pub async fn supervised_server(
    supervisor: Supervisor,
) -> (SocketAddr, mpsc::UnboundedReceiver<Connection>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let supervisor = supervisor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                    let _ = tx.send(supervisor.supervise(ws));
                }
            });
        }
    });
    (addr, rx)
}

/// One connection over loopback: `accept` runs on the accepted socket while `connect` opens
/// it to the listener's address (port 0), both in the calling task; their outputs, in order.
pub async fn loopback_pair<A, C>(
    accept: impl FnOnce(tokio::net::TcpStream) -> A,
    connect: impl FnOnce(SocketAddr) -> C,
) -> (A::Output, C::Output)
where
    A: std::future::Future,
    C: std::future::Future,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = async {
        let (tcp, _) = listener.accept().await.unwrap();
        accept(tcp).await
    };
    tokio::join!(server, connect(addr))
}

/// `f`, or a panic naming `what` if it takes over 10 s: a safety net against a hang, never
/// a means of synchronisation.
pub async fn within<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// Runs `test` on a thread of its own, on a current-thread runtime with a paused clock, and
/// fails if it has not finished within 20 s: for a test whose regression is a deadlock,
/// which would otherwise hang the test run instead of failing it.
pub fn on_a_watched_thread<F>(test: impl FnOnce() -> F + Send + 'static)
where
    F: std::future::Future<Output = ()>,
{
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(test());
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(20))
        .expect("deadlocked (or panicked: see the output above)");
}

/// The next message of a WebSocket stream, or a panic naming `who` if the stream ends,
/// fails or hangs.
pub async fn next_message<S>(ws: &mut S, who: &str) -> ws_health::tungstenite::Message
where
    S: futures_util::Stream<
            Item = Result<ws_health::tungstenite::Message, ws_health::tungstenite::Error>,
        > + Unpin,
{
    use futures_util::StreamExt;
    within(who, ws.next())
        .await
        .unwrap_or_else(|| panic!("{who}: the stream ended"))
        .unwrap_or_else(|err| panic!("{who}: {err}"))
}

/// The code and reason of the next close frame of a WebSocket stream, skipping other
/// messages; a panic naming `who` if the stream ends, fails or hangs first.
pub async fn next_close<S>(ws: &mut S, who: &str) -> (u16, String)
where
    S: futures_util::Stream<
            Item = Result<ws_health::tungstenite::Message, ws_health::tungstenite::Error>,
        > + Unpin,
{
    loop {
        if let ws_health::tungstenite::Message::Close(frame) = next_message(ws, who).await {
            return frame.map_or((1005, String::new()), |f| {
                (u16::from(f.code), f.reason.to_string())
            });
        }
    }
}

/// Installs a test subscriber once (RUST_LOG controls it).
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Milliseconds, for short settings.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Check settings with this interval and timeout whose Unhealthy result only runs the
/// custom action "record" (see [`Recorder`]) instead of closing.
pub fn recorded(interval: Duration, timeout: Duration) -> CheckSettings {
    CheckSettings {
        on_unhealthy: Some(vec![Action::Custom {
            name: "record".into(),
        }]),
        on_degraded: Some(vec![Action::Custom {
            name: "record".into(),
        }]),
        on_recovered: Some(vec![Action::Custom {
            name: "record".into(),
        }]),
        ..CheckSettings::every(interval, timeout)
    }
}

/// A policy with a short close handshake, the rest default.
pub fn policy_closing_within(close_timeout: Duration) -> Policy {
    Policy {
        close_timeout,
        ..Policy::default()
    }
}

/// One transition seen by the "record" custom action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub at: Instant,
    pub check: String,
    pub check_status: Status,
    pub reason: String,
    pub from: Status,
    pub to: Status,
}

/// A custom action that records every transition it is run for; register it with
/// `.with_custom_action("record", recorder.clone())`.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Recorded>>>);

impl Recorder {
    pub fn events(&self) -> Vec<Recorded> {
        self.0.lock().unwrap().clone()
    }
}

impl ws_health::policy::CustomAction for Recorder {
    fn run(&self, event: &ActionEvent<'_>) {
        self.0.lock().unwrap().push(Recorded {
            at: Instant::now(),
            check: event.check.to_owned(),
            check_status: event.health.status(),
            reason: event.health.reason().to_owned(),
            from: event.from,
            to: event.to,
        });
    }
}

/// A check that reports the status it is set to: 0 Healthy "fine", 1 Degraded "slow", any
/// other Unhealthy "stale".
pub struct Scripted(pub Arc<std::sync::atomic::AtomicU8>);

#[async_trait]
impl HealthCheck for Scripted {
    async fn check(&self, _: &CheckContext) -> Health {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            0 => Health::healthy("fine"),
            1 => Health::degraded("slow"),
            _ => Health::unhealthy("stale"),
        }
    }
}

/// A check that records when it runs; always healthy.
pub struct Steady(pub Arc<Mutex<Vec<Instant>>>);

#[async_trait]
impl HealthCheck for Steady {
    async fn check(&self, _: &CheckContext) -> Health {
        self.0.lock().unwrap().push(Instant::now());
        Health::healthy("fine")
    }
}

/// A self-signed certificate for `localhost` as PEM files in a fresh temporary folder:
/// `(folder, cert.pem, key.pem)`. The caller removes the folder.
pub fn self_signed_pem(name: &str) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir = std::env::temp_dir().join(format!("ws-health-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_pem, key_pem) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.key_pair.serialize_pem()).unwrap();
    (dir, cert_pem, key_pem)
}

/// The default ping/pong with its own judgement: no longer the built-in `PingCheck`, so it
/// runs as a boxed future (2 allocations per run) where the built-in one runs inline.
pub struct OwnJudgement;

#[async_trait]
impl HealthCheck for OwnJudgement {
    fn judge(&self, rtt: Duration) -> Health {
        ws_health::check::judge_rtt(rtt)
    }
}

/// The client's side of a handshake over an in-memory pipe, then the bare pipe: the server
/// says nothing after its 101 until it pings, so no byte is left behind in the client.
pub async fn client_handshake(io: tokio::io::DuplexStream) -> tokio::io::DuplexStream {
    let (ws, _) = tokio_tungstenite::client_async("ws://localhost/", io)
        .await
        .unwrap();
    ws.into_inner()
}

/// Sends `request` on a fresh connection to `addr` and reads the answer to the server's
/// close: its head (without the blank line) and its body.
pub async fn http_exchange(addr: SocketAddr, request: &[u8]) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    within("the answer and the close", tcp.read_to_end(&mut answer))
        .await
        .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole head");
    (head.to_owned(), body.to_owned())
}

/// Sends `request` on a fresh connection to `addr` and reads the head of the answer (with
/// its blank line), without waiting for a close: a 101 keeps the connection.
pub async fn upgrade_answer(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0];
        let read = within("the answer's head", tcp.read(&mut byte)).await;
        assert_eq!(
            read.unwrap(),
            1,
            "closed mid-head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}
