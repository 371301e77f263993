//! `ws-health probe URL`: connect, keep the connection alive, print its round-trip time.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::future::OptionFuture;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use ws_health::runtime::{Client, ClientEvent};
use ws_health::Config;

use crate::args::ProbeArgs;
use crate::console::{note, print, shutdown_signal};
use crate::Failure;

pub(crate) async fn run(args: ProbeArgs) -> Result<(), Failure> {
    let secure = args
        .url
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("wss://"));
    if args.tls_ca.is_some() && !secure {
        return Err(Failure::usage(format!(
            "--tls-ca is for wss:// URLs, and {} is not one",
            args.url
        )));
    }
    let mut config = args.config.load(None)?;
    // The first ping right after connecting, not one interval later.
    config.ping.initial_delay = Some(Duration::ZERO);
    if let Some(retries) = args.max_retries {
        config.client.max_retries = Some(retries);
    }
    if args.once {
        // One answer in time decides: no retry, and no jitter to push the ping past it.
        config.client.max_retries = Some(0);
        config.ping.enabled = true;
        config.ping.jitter = Duration::ZERO;
    }
    let supervisor = crate::supervisor::build(&config)?;
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
        let ended = match event {
            Ok(ClientEvent::Connected { .. }) => break,
            Ok(ClientEvent::ConnectFailed { error }) => {
                last_error = Some(error);
                continue;
            }
            Ok(ClientEvent::Stopped { reason }) => reason.to_string(),
            Ok(ClientEvent::Disconnected { disconnect, .. }) => disconnect.reason,
            Ok(_) | Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => {
                return Err(Failure::failed(format!(
                    "probe of {url} failed: client ended"
                )))
            }
        };
        let error = last_error.unwrap_or(ended);
        report(url, json, None, Some(&error));
        return Err(Failure::failed(format!("probe of {url} failed: {error}")));
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
    let error = match answered {
        Ok(Some(rtt)) => {
            report(url, json, Some(rtt), None);
            // A server that answered the ping answers the close: end it cleanly.
            let _ = tokio::time::timeout(Duration::from_secs(2), client.stopped()).await;
            return Ok(());
        }
        Ok(None) => {
            // How it ended (a final code, a protocol error), once the client has said so.
            let ended = tokio::time::timeout(Duration::from_secs(1), async {
                loop {
                    match events.recv().await {
                        Ok(ClientEvent::Disconnected { disconnect, .. }) => break Some(disconnect),
                        Ok(ClientEvent::Stopped { .. }) | Err(RecvError::Closed) => break None,
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                    }
                }
            });
            match ended.await {
                Ok(Some(disconnect)) => {
                    format!("the connection closed before the first pong: {disconnect}")
                }
                _ => "the connection closed before the first pong".to_owned(),
            }
        }
        // No wait for the close: a peer that answers no ping will not answer it either.
        Err(_) => format!("no pong within the ping timeout ({timeout:?})"),
    };
    report(url, json, None, Some(&error));
    Err(Failure::failed(format!("probe of {url} failed: {error}")))
}

fn report(url: &str, json: bool, rtt: Option<Duration>, error: Option<&str>) {
    // The last line: a reader that has gone needs no more.
    let _ = if json {
        print(json!({
            "url": url,
            "ok": error.is_none(),
            "rtt_ms": rtt.map(millis),
            "error": error,
        }))
    } else if let Some(rtt) = rtt {
        print(format_args!("{url} answered a ping in {rtt:?}"))
    } else {
        Ok(())
    };
}

/// Milliseconds to the microsecond, without float noise (0.499 and not 0.49927200000000005).
fn millis(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

/// Status lines come no more often than this, whatever the ping interval: a terminal is
/// read by a person, and a 1 ms interval printed a thousand lines a second.
const STATUS_EVERY_AT_MOST: Duration = Duration::from_secs(1);

/// Keeps the connection, prints a line per ping interval (at most one a second) and per
/// event, until Ctrl-C or SIGTERM, the client stops for good, or stdout's reader goes away.
async fn watch(client: &mut Client, config: &Config, json: bool) -> Result<(), Failure> {
    let mut events = client.events();
    let mut stop = shutdown_signal();
    let mut tick = tokio::time::interval(config.ping.interval.max(STATUS_EVERY_AT_MOST));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate: let the first ping go out first.
    tick.tick().await;
    // Each connection's first status line as soon as a ping is answered, not an interval
    // (20 s by default) later.
    let mut first = first_pong(client);
    let outcome = loop {
        let printed = tokio::select! {
            _ = tick.tick() => print_status(client, json),
            // `Some(_)`, not `Some(Ok(_))`: a branch that does not match would poll the
            // finished future again.
            Some(answered) = &mut first => {
                first = None.into();
                match answered {
                    Ok(_) => print_status(client, json),
                    Err(_) => Ok(()), // ended first: its events say so
                }
            }
            Some(_) = client.recv() => Ok(()),
            event = events.recv() => match event {
                Ok(ClientEvent::Stopped { reason }) => {
                    let _ = print_event(&ClientEvent::Stopped { reason: reason.clone() }, json);
                    return Err(Failure::failed(format!("stopped: {reason}")));
                }
                Ok(event) => {
                    if matches!(event, ClientEvent::Connected { .. }) {
                        first = first_pong(client);
                    }
                    print_event(&event, json)
                }
                Err(RecvError::Lagged(n)) => {
                    note(format_args!("ws-health: {n} client events skipped (output too slow)"));
                    Ok(())
                }
                Err(RecvError::Closed) => return Err(Failure::failed("the client ended")),
            },
            () = &mut stop => break Ok(()),
        };
        // A closed stdout (`| head`): the reader has what it wanted.
        if printed.is_err() {
            break Ok(());
        }
    };
    client.close();
    let _ = tokio::time::timeout(Duration::from_secs(2), client.stopped()).await;
    outcome
}

type Pong = Pin<Box<dyn Future<Output = ws_health::Result<Duration>> + Send>>;

/// The round trip of a ping sent now on the client's connection, if it has one.
fn first_pong(client: &Client) -> OptionFuture<Pong> {
    let pong = |sender: ws_health::Sender| Box::pin(async move { sender.ping().await }) as Pong;
    client.sender().map(pong).into()
}

/// The connection's status line; none while there is no connection, which the client's
/// events have told ("disconnected: …", "reconnecting in …", "connect failed: …"): a bare
/// "disconnected" at each tick said it again.
fn print_status(client: &Client, json: bool) -> std::io::Result<()> {
    let (Some(health), Some(stats)) = (client.health(), client.stats()) else {
        return Ok(());
    };
    // No round trip before the first pong: none, not zero.
    let answered = stats.pongs_received > 0;
    if json {
        let rtt = |d: Duration| answered.then(|| millis(d));
        print(json!({
            "event": "status",
            "connected": true,
            "status": health.status(),
            "reason": health.reason(),
            "rtt_ms": rtt(stats.latency),
            "smoothed_rtt_ms": rtt(stats.smoothed_rtt),
            "pings_sent": stats.pings_sent,
            "pings_missed": stats.pings_missed,
        }))
    } else {
        let rtt = match answered {
            true => format!(
                "rtt {:?} (smoothed {:?})",
                stats.latency, stats.smoothed_rtt
            ),
            false => "rtt - (no pong yet)".to_owned(),
        };
        print(format_args!(
            "{} {rtt}, {} pings, {} missed",
            health.status(),
            stats.pings_sent,
            stats.pings_missed
        ))
    }
}

fn print_event(event: &ClientEvent, json: bool) -> std::io::Result<()> {
    if json {
        return match serde_json::to_string(event) {
            Ok(line) => print(line),
            Err(_) => Ok(()),
        };
    }
    match event {
        ClientEvent::Connected { peer, .. } => print(format_args!(
            "connected to {}",
            peer.map_or("?".into(), |p| p.to_string())
        )),
        ClientEvent::HealthChanged { status, reason, .. } => {
            print(format_args!("{status}: {reason}"))
        }
        ClientEvent::Disconnected { disconnect, .. } => {
            print(format_args!("disconnected: {disconnect}"))
        }
        ClientEvent::ConnectFailed { error } => print(format_args!("connect failed: {error}")),
        ClientEvent::Reconnecting { attempt, delay } => print(format_args!(
            "reconnecting in {delay:?} (attempt {attempt})"
        )),
        ClientEvent::Stopped { reason } => print(format_args!("stopped: {reason}")),
        ClientEvent::UnreadDropped { id, unread } => print(format_args!(
            "dropped {unread} unread message(s) of connection {id}"
        )),
        _ => Ok(()),
    }
}
