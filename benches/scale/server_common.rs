//! What both bench servers share, so that they differ only in how they supervise: argument
//! parsing, the runtime, the listener, the handshake with tungstenite's buffers, and the
//! rules that keep a server bounded (it exits when its stdin closes or its time is up).

use std::future::Future;
use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;

/// What a bench server is told on its command line.
#[derive(Debug, Clone, Copy)]
pub struct Args {
    pub port: u16,
    pub interval: Duration,
    pub timeout: Duration,
    pub max_secs: u64,
    /// Box the handshake future (`--box-handshake`), as `ws-health serve` does.
    pub box_handshake: bool,
    /// Keep ws-health's `LeanStream` awake (`--awake`): `socket.sleep_when_idle = false`.
    #[allow(dead_code)] // read by the ws-health server only
    pub awake: bool,
    /// Run on tokio's current-thread runtime (`--current-thread`) instead of the default
    /// multi-thread one with a worker per core.
    pub current_thread: bool,
}

/// Parses `--serve [--port P] [--interval-ms I] [--timeout-ms T] [--max-secs S]`. Without
/// `--serve` (as when `cargo bench` runs every bench target) it prints usage and exits.
pub fn args(name: &str) -> Args {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if !argv.iter().any(|a| a == "--serve") {
        println!(
            "{name}: a server for the scale benchmark; run it through benches/scale/run.py \
             (see docs/performance.md), or by hand with --serve [--port P] [--interval-ms I] \
             [--timeout-ms T] [--max-secs S] [--box-handshake] [--awake] [--current-thread]"
        );
        std::process::exit(0);
    }
    let value = |flag: &str, default: u64| -> u64 {
        match argv.iter().position(|a| a == flag) {
            None => default,
            Some(i) => argv
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number")),
        }
    };
    Args {
        port: u16::try_from(value("--port", 0)).expect("--port fits in u16"),
        interval: Duration::from_millis(value("--interval-ms", 10_000)),
        timeout: Duration::from_millis(value("--timeout-ms", 10_000)),
        max_secs: value("--max-secs", 900),
        box_handshake: argv.iter().any(|a| a == "--box-handshake"),
        awake: argv.iter().any(|a| a == "--awake"),
        current_thread: argv.iter().any(|a| a == "--current-thread"),
    }
}

/// The same tungstenite buffers for every Rust server: ws-health's socket defaults
/// (4 KiB read and write buffers instead of tungstenite's 128 KiB read buffer).
pub fn websocket_config() -> WebSocketConfig {
    ws_health::config::SocketConfig::default().websocket_config()
}

/// Performs the opening handshake (`accept`, with the shared buffer sizes) on every accepted
/// connection and runs `serve` on it, on tokio's default multi-thread runtime (or
/// `--current-thread`), until stdin closes or `max_secs` pass. Prints `LISTENING <port>` once
/// bound.
///
/// A connection's task is as large as its largest await. Inline (the default, as a
/// hand-written server does it), the handshake's state sizes the task for the connection's
/// whole life; with `--box-handshake` (as `ws-health serve` does) it is freed when the
/// handshake ends. The two are separate task types, so that each has its own layout.
pub fn run<W, A, Handshake, F, Fut>(args: Args, accept: A, serve: F)
where
    W: Send + 'static,
    A: Fn(TcpStream) -> Handshake + Copy + Send + Sync + 'static,
    Handshake: Future<Output = Option<W>> + Send + 'static,
    F: Fn(W) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    bounded(args.max_secs);
    let mut builder = if args.current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = builder.enable_all().build().expect("tokio runtime");
    let serve = std::sync::Arc::new(serve);
    runtime.block_on(async move {
        let listener = listen(args.port).expect("bind the listener");
        let port = listener.local_addr().expect("local address").port();
        println!("LISTENING {port}");
        loop {
            match listener.accept().await {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    let serve = serve.clone();
                    if args.box_handshake {
                        tokio::spawn(async move {
                            if let Some(ws) = Box::pin(accept(tcp)).await {
                                (*serve)(ws).await;
                            }
                        });
                    } else {
                        tokio::spawn(async move {
                            if let Some(ws) = accept(tcp).await {
                                (*serve)(ws).await;
                            }
                        });
                    }
                }
                // Out of file descriptors, most likely: back off instead of spinning.
                Err(err) => {
                    eprintln!("accept: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    });
}

/// tokio-tungstenite's opening handshake, as a hand-written server does it.
#[allow(dead_code)] // not the ws-health server
pub async fn handshake(tcp: TcpStream) -> Option<WebSocketStream<TcpStream>> {
    tokio_tungstenite::accept_async_with_config(tcp, Some(websocket_config()))
        .await
        .ok()
}

fn listen(port: u16) -> std::io::Result<TcpListener> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    // A deep backlog: the load generator opens thousands of connections at once.
    socket.listen(4096)
}

/// For the servers that judge the pong deadline when the next ping is due: exits with a
/// message unless the timeout equals the interval, where that is exact.
#[allow(dead_code)] // the floor and shared-timer servers only
pub fn require_timeout_equal_to_interval(name: &str, args: &Args) {
    if args.timeout != args.interval {
        eprintln!(
            "{name} judges the pong deadline when the next ping is due: run it with the timeout \
             equal to the interval (got {:?} and {:?})",
            args.timeout, args.interval
        );
        std::process::exit(2);
    }
}

/// Raises the file limit, and exits when the runner goes away (stdin closes) or after
/// `max_secs`, so that no server outlives its benchmark.
pub fn bounded(max_secs: u64) {
    raise_nofile();
    std::thread::spawn(|| {
        for _ in std::io::stdin().lock().lines() {}
        std::process::exit(0);
    });
    let max = Duration::from_secs(max_secs);
    std::thread::spawn(move || {
        std::thread::sleep(max);
        eprintln!("max time reached; exiting");
        std::process::exit(0);
    });
}

fn raise_nofile() {
    if let Err(err) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("could not raise RLIMIT_NOFILE: {err}");
    }
}
