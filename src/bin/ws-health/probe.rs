//! `ws-health probe URL`: connect, keep the connection alive, print its round-trip time.

use std::time::Duration;

use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use ws_health::runtime::{Client, ClientEvent};
use ws_health::{Config, Supervisor};

use crate::args::ProbeArgs;
use crate::Failure;

pub(crate) async fn run(args: ProbeArgs) -> Result<(), Failure> {
    let mut config = args.config.load()?;
    // The first ping right after connecting, not one interval later.
    config.ping.initial_delay = Some(Duration::ZERO);
    if args.once {
        // One answer in time decides: no retry, and no jitter to push the ping past it.
        config.client.max_retries = Some(0);
        config.ping.enabled = true;
        config.ping.jitter = Duration::ZERO;
    }
    let supervisor = Supervisor::builder()
        .with_config(&config)
        .build()
        .map_err(Failure::usage)?;
    let builder = Client::builder(args.url.as_str())
        .with_supervisor(supervisor)
        .with_config(&config);
    let mut client = crate::tls::client(builder, args.tls_ca.as_deref())?
        .connect()
        .map_err(Failure::usage)?;
    let json = args.config.json;
    if args.once {
        once(&mut client, &args.url, &config, json).await
    } else {
        watch(&mut client, &config, json).await
    }
}

/// One connection, one pong within the ping timeout.
///
/// The server's messages are read and dropped throughout, here and in [`watch`]: left
/// unread, 64 of them would pause reading, and the pong behind them with it.
async fn once(client: &mut Client, url: &str, config: &Config, json: bool) -> Result<(), Failure> {
    let mut events = client.events();
    let mut last_error = None;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            Some(_) = client.recv() => continue,
        };
        match event {
            Ok(ClientEvent::Connected { .. }) => break,
            Ok(ClientEvent::ConnectFailed { error }) => last_error = Some(error),
            Ok(ClientEvent::Stopped { reason })
            | Ok(ClientEvent::Disconnected {
                disconnect: ws_health::Disconnect { reason, .. },
                ..
            }) => {
                let error = last_error.unwrap_or(reason);
                report(url, json, None, Some(&error));
                return Err(Failure::failed(format!("probe of {url} failed: {error}")));
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => {
                return Err(Failure::failed(format!(
                    "probe of {url} failed: client ended"
                )))
            }
        }
    }
    let timeout = config.ping.timeout;
    let answered = tokio::time::timeout(timeout, async {
        loop {
            match client.stats() {
                Some(stats) if stats.pongs_received > 0 => return Some(stats.latency),
                None => return None,
                Some(_) => {}
            }
            tokio::select! {
                Some(_) = client.recv() => {}
                () = tokio::time::sleep(Duration::from_millis(2)) => {}
            }
        }
    })
    .await;
    client.close();
    let _ = tokio::time::timeout(Duration::from_secs(2), client.stopped()).await;
    match answered {
        Ok(Some(rtt)) => {
            report(url, json, Some(rtt), None);
            Ok(())
        }
        Ok(None) => {
            let error = "the connection closed before the first pong".to_owned();
            report(url, json, None, Some(&error));
            Err(Failure::failed(format!("probe of {url} failed: {error}")))
        }
        Err(_) => {
            let error = format!("no pong within the ping timeout ({timeout:?})");
            report(url, json, None, Some(&error));
            Err(Failure::failed(format!("probe of {url} failed: {error}")))
        }
    }
}

fn report(url: &str, json: bool, rtt: Option<Duration>, error: Option<&str>) {
    if json {
        let line = json!({
            "url": url,
            "ok": error.is_none(),
            "rtt_ms": rtt.map(|r| r.as_secs_f64() * 1000.0),
            "error": error,
        });
        println!("{line}");
    } else if let Some(rtt) = rtt {
        println!("{url} answered a ping in {rtt:?}");
    }
}

/// Keeps the connection, prints a line per ping interval and per event, until Ctrl-C or
/// the client stops for good.
async fn watch(client: &mut Client, config: &Config, json: bool) -> Result<(), Failure> {
    let mut events = client.events();
    let mut tick = tokio::time::interval(config.ping.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate: let the first ping go out first
    loop {
        tokio::select! {
            _ = tick.tick() => print_status(client, json),
            Some(_) = client.recv() => {}
            event = events.recv() => match event {
                Ok(ClientEvent::Stopped { reason }) => {
                    print_event(&ClientEvent::Stopped { reason: reason.clone() }, json);
                    return Err(Failure::failed(format!("stopped: {reason}")));
                }
                Ok(event) => print_event(&event, json),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Err(Failure::failed("the client ended")),
            },
            _ = tokio::signal::ctrl_c() => {
                client.close();
                let _ = tokio::time::timeout(Duration::from_secs(2), client.stopped()).await;
                return Ok(());
            }
        }
    }
}

fn print_status(client: &Client, json: bool) {
    let (health, stats) = match (client.health(), client.stats()) {
        (Some(h), Some(s)) => (h, s),
        _ => {
            if json {
                println!("{}", json!({ "event": "status", "connected": false }));
            } else {
                println!("disconnected");
            }
            return;
        }
    };
    if json {
        let line = json!({
            "event": "status",
            "connected": true,
            "status": health.status(),
            "reason": health.reason(),
            "rtt_ms": stats.latency.as_secs_f64() * 1000.0,
            "smoothed_rtt_ms": stats.smoothed_rtt.as_secs_f64() * 1000.0,
            "pings_sent": stats.pings_sent,
            "pings_missed": stats.pings_missed,
        });
        println!("{line}");
    } else {
        println!(
            "{} rtt {:?} (smoothed {:?}), {} pings, {} missed",
            health.status(),
            stats.latency,
            stats.smoothed_rtt,
            stats.pings_sent,
            stats.pings_missed
        );
    }
}

fn print_event(event: &ClientEvent, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(event) {
            println!("{line}");
        }
        return;
    }
    match event {
        ClientEvent::Connected { peer, .. } => {
            println!(
                "connected to {}",
                peer.map_or("?".into(), |p| p.to_string())
            )
        }
        ClientEvent::HealthChanged { status, reason, .. } => println!("{status}: {reason}"),
        ClientEvent::Disconnected { disconnect, .. } => println!("disconnected: {disconnect}"),
        ClientEvent::ConnectFailed { error } => println!("connect failed: {error}"),
        ClientEvent::Reconnecting { attempt, delay } => {
            println!("reconnecting in {delay:?} (attempt {attempt})")
        }
        ClientEvent::Stopped { reason } => println!("stopped: {reason}"),
        _ => {}
    }
}
