//! `ws-health serve`: a supervised echo server that logs every connection's life.

use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use ws_health::config::ServerConfig;
use ws_health::runtime::{Hub, HubEvent, Server};
use ws_health::Connection;

use crate::args::ServeArgs;
use crate::console::{note, print, shutdown_signal};
use crate::Failure;

pub(crate) async fn run(args: ServeArgs, threads: Option<u16>) -> Result<(), Failure> {
    // `--bind` is `server.bind` from a source of its own: checked with the configuration,
    // which names where a bad address came from (exit 2, not a failure to serve).
    let mut config = args.config.load(args.bind.as_deref())?;
    config.server.workers = workers(threads, config.server.workers);
    let bind = config.server.bind.clone();
    let supervisor = crate::supervisor::build(&config)?;
    let hub = Hub::new();
    let mut events = hub.subscribe();
    // The echo handler never blocks its thread, so it can share the driver's task: one task
    // per connection instead of two (docs/performance.md).
    let builder = Server::builder(supervisor)
        .with_config(&config)
        .with_handler_in_driver_task(true)
        .with_hub(hub);
    let cert_and_key = args.tls_cert.as_deref().zip(args.tls_key.as_deref());
    let server = crate::tls::server(builder, cert_and_key)?
        .serve(&bind, echo)
        .await
        .map_err(Failure::failed)?;
    let stop = shutdown_signal();
    // The first line: tests and scripts read the address from it (port 0 picks one).
    let _ = print(format_args!("listening on {}", server.local_addr()));

    let json = args.config.json;
    // A thread of its own: a stalled stdout (a full pipe, a paused terminal) must not stop the
    // runtime that accepts connections, which with `--threads 1` drives them all too.
    let (printed, all_printed) = tokio::sync::oneshot::channel::<()>();
    std::thread::Builder::new()
        .name("ws-health-printer".into())
        .spawn(move || {
            // Once the reader has gone, the events are still taken (and dropped), so that
            // the shutdown does not wait for them.
            let mut reader_gone = false;
            loop {
                match events.blocking_recv() {
                    Ok(event) if reader_gone => drop(event),
                    Ok(event) => {
                        if print_event(&event, json).is_err() {
                            reader_gone = true;
                            note("ws-health: stdout closed; connection events are not printed");
                        }
                    }
                    Err(RecvError::Lagged(n)) => {
                        note(format_args!(
                            "ws-health: {n} connection events skipped (output too slow)"
                        ));
                    }
                    Err(RecvError::Closed) => break,
                }
            }
            let _ = printed.send(());
        })
        .map_err(|err| Failure::failed(format!("could not start the printer thread: {err}")))?;
    stop.await;
    note("ws-health: shutting down");
    server.shutdown().await;
    // The hub went with the server and its connections: the printer ends once it has printed
    // the last event, the closes of the shutdown included. Waited for with a bound and never
    // joined: a thread stuck on a stalled stdout must not keep the process from exiting.
    if tokio::time::timeout(PRINTER_GRACE, all_printed)
        .await
        .is_err()
    {
        note("ws-health: the last connection events were not all printed");
    }
    Ok(())
}

/// How long the last events may take to print at shutdown.
const PRINTER_GRACE: Duration = Duration::from_secs(2);

/// `--threads`, else `server.workers`, else one per core; a single one is the main thread.
fn workers(threads: Option<u16>, configured: usize) -> usize {
    let count = match (threads, configured) {
        (Some(threads), _) => usize::from(threads),
        (None, 0) => std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(ServerConfig::MAX_WORKERS),
        (None, configured) => configured,
    };
    if count == 1 {
        0
    } else {
        count
    }
}

async fn echo(mut conn: Connection) {
    while let Some(message) = conn.recv().await {
        if conn.send(message).await.is_err() {
            break;
        }
    }
}

fn print_event(event: &HubEvent, json: bool) -> std::io::Result<()> {
    if json {
        return match serde_json::to_string(event) {
            Ok(line) => print(line),
            Err(_) => Ok(()),
        };
    }
    let peer = |p: &Option<std::net::SocketAddr>| p.map_or("-".into(), |p| p.to_string());
    match event {
        HubEvent::Opened { id, peer: p, .. } => print(format_args!("#{id} {} opened", peer(p))),
        HubEvent::StatusChanged {
            id,
            peer: p,
            from,
            to,
            reason,
            ..
        } => print(format_args!("#{id} {} {from} -> {to}: {reason}", peer(p))),
        HubEvent::Closed {
            id,
            peer: p,
            disconnect,
            ..
        } => print(format_args!("#{id} {} {disconnect}", peer(p))),
        _ => Ok(()),
    }
}
