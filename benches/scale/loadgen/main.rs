//! The scale benchmark's load generator: thousands of WebSocket clients in one process,
//! speaking the wire by hand so that each controls its own pongs (answer, delay, freeze).
//!
//! ```text
//! loadgen --run --server 127.0.0.1:PORT --conns N [--first-source 2] [--sources K]
//!         [--concurrency 256] [--pong-delay-ms D] [--max-secs S]
//! ```
//!
//! Connection `i` binds source address 127.0.0.(first-source + i mod sources), so that
//! ephemeral ports never run out. RLIMIT_NOFILE is raised to the hard limit. The process
//! answers on stdout with one JSON object per line and takes commands on stdin, one per line:
//! `window_start`, `window_end`, `freeze N` (the first N open connections stop answering
//! pings), `report`, `quit`. It exits on `quit`, on end of input, or after `--max-secs`.
//! Run alone (as `cargo bench` does) it prints this usage and exits.

mod conn;
mod stats;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use conn::Freeze;
use stats::Recorder;

struct Args {
    server: SocketAddr,
    conns: usize,
    first_source: u8,
    sources: u8,
    concurrency: usize,
    pong_delay: Duration,
    max_secs: u64,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if !argv.iter().any(|a| a == "--run") {
        println!(
            "loadgen: the scale benchmark's load generator; run it through \
             benches/scale/run.py (see docs/performance.md)"
        );
        std::process::exit(0);
    }
    let value = |flag: &str| argv.iter().position(|a| a == flag).map(|i| &argv[i + 1]);
    let number = |flag: &str, default: u64| {
        value(flag).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{flag} needs a number, not {v}"))
        })
    };
    Args {
        server: value("--server")
            .expect("--server ADDR is required")
            .parse()
            .expect("--server is an IP:port"),
        conns: number("--conns", 1000) as usize,
        first_source: u8::try_from(number("--first-source", 2)).expect("--first-source ≤ 255"),
        sources: u8::try_from(number("--sources", 1).max(1)).expect("--sources ≤ 255"),
        concurrency: number("--concurrency", 256).max(1) as usize,
        pong_delay: Duration::from_millis(number("--pong-delay-ms", 0)),
        max_secs: number("--max-secs", 600),
    }
}

fn say(value: serde_json::Value) {
    println!("{value}");
}

fn main() {
    let args = args();
    let nofile = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let max = Duration::from_secs(args.max_secs);
    let ended =
        runtime.block_on(async move { tokio::time::timeout(max, generate(args, nofile)).await });
    if ended.is_err() {
        eprintln!("loadgen: max time reached");
    }
    // Open connections are dropped with the runtime; the process ends here.
    std::process::exit(0);
}

async fn generate(args: Args, nofile: u64) {
    let recorder = Arc::new(Mutex::new(Recorder::new()));
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.concurrency));
    let mut freezes = Vec::with_capacity(args.conns);
    let mut handshakes = Vec::with_capacity(args.conns);
    for i in 0..args.conns {
        let offset = u8::try_from(i % usize::from(args.sources)).expect("< 256");
        let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, args.first_source + offset));
        let freeze = Arc::new(Freeze::default());
        freezes.push(freeze.clone());
        let permit = gate.clone().acquire_owned().await.expect("semaphore open");
        let (server, recorder, delay) = (args.server, recorder.clone(), args.pong_delay);
        handshakes.push(tokio::spawn(async move {
            let stream = conn::connect(source, server).await;
            drop(permit);
            match stream {
                Ok(stream) => {
                    tokio::spawn(conn::run(i, stream, delay, freeze, recorder));
                    Ok(())
                }
                Err(err) => Err(err.to_string()),
            }
        }));
    }
    let mut failed = 0;
    let mut first_error = None;
    for handshake in handshakes {
        if let Ok(Err(err)) = handshake.await {
            failed += 1;
            first_error.get_or_insert(err);
        }
    }
    say(json!({
        "event": "connected",
        "ok": args.conns - failed,
        "failed": failed,
        "first_error": first_error,
        "secs": started.elapsed().as_secs_f64(),
        "nofile": nofile,
    }));
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("window_start") => recorder.lock().unwrap().window_start(),
            Some("window_end") => recorder.lock().unwrap().window_end(),
            Some("freeze") => {
                let n: usize = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                let now = Instant::now();
                let closed: Vec<usize> = recorder
                    .lock()
                    .unwrap()
                    .closes
                    .iter()
                    .map(|c| c.conn)
                    .collect();
                let open = (0..freezes.len()).filter(|i| !closed.contains(i));
                for i in open.take(n) {
                    freezes[i].freeze(now);
                }
            }
            Some("report") => {
                let r = recorder.lock().unwrap();
                say(json!({
                    "event": "report",
                    "conns": args.conns - failed,
                    "open": args.conns - failed - r.closes.len(),
                    "answered": r.answered,
                    "window": r.window(),
                    "closes": r.closes,
                }));
                continue;
            }
            Some("quit") => return,
            _ => {
                say(json!({ "event": "error", "unknown_command": line }));
                continue;
            }
        }
        say(json!({ "event": "ack", "command": line }));
    }
}
