//! `ws-health serve`: a supervised echo server that logs every connection's life.

use std::io::Write;

use ws_health::config::ServerConfig;
use ws_health::runtime::{Hub, HubEvent, Server};
use ws_health::{Connection, Supervisor};

use crate::args::ServeArgs;
use crate::Failure;

pub(crate) async fn run(args: ServeArgs, threads: Option<u16>) -> Result<(), Failure> {
    let mut config = args.config.load()?;
    config.server.workers = workers(threads, config.server.workers);
    let bind = args.bind.unwrap_or_else(|| config.server.bind.clone());
    let supervisor = Supervisor::builder()
        .with_config(&config)
        .build()
        .map_err(Failure::usage)?;
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
    // The first line: tests and scripts read the address from it (port 0 picks one).
    println!("listening on {}", server.local_addr());
    let _ = std::io::stdout().flush();

    let json = args.config.json;
    let printer = tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => print_event(&event, json),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("ws-health: {n} connection events skipped (output too slow)");
                }
                Err(_) => break,
            }
        }
    });
    shutdown_signal().await;
    eprintln!("ws-health: shutting down");
    server.shutdown().await;
    printer.abort();
    Ok(())
}

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

fn print_event(event: &HubEvent, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(event) {
            println!("{line}");
        }
        return;
    }
    let peer = |p: &Option<std::net::SocketAddr>| p.map_or("-".into(), |p| p.to_string());
    match event {
        HubEvent::Opened { id, peer: p, .. } => println!("#{id} {} opened", peer(p)),
        HubEvent::StatusChanged {
            id,
            peer: p,
            from,
            to,
            reason,
            ..
        } => println!("#{id} {} {from} -> {to}: {reason}", peer(p)),
        HubEvent::Closed {
            id,
            peer: p,
            disconnect,
            ..
        } => println!("#{id} {} {disconnect}", peer(p)),
        _ => {}
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
