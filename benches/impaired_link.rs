//! ws-health over a bad network: a supervised echo server at the far end of a virtual cable
//! (`tests/support/cable.rs`: a network namespace and a veth pair) that delays, reorders and
//! loses packets (`delay_line.py`, through iptables' NFQUEUE: netem where the kernel has no
//! `sch_netem`), and reconnecting ws-health clients at the near end, both sides supervised by
//! the same configuration, loaded as an application loads it (`Config::figment()`: defaults,
//! `ws-health.toml`, `WS_HEALTH_PROFILE`, `WS_HEALTH_*`). Needs root, iproute2, iptables and
//! `pip install netfilterqueue` (`PYTHON` names the interpreter that has it); the namespace,
//! the veth pair and the iptables rules are removed at the end.
//!
//! ```text
//! cargo bench --bench impaired_link -- SCENARIO [--conns 200] [--secs 300]
//!     [--delay 150] [--jitter 50] [--loss 2] [--reorder] [--stall 3] [--down 5]
//! ```
//!
//! `--delay` ± `--jitter` (ms, uniform) and `--loss` (%) apply to each direction, so a round
//! trip gets the delay twice: the defaults are a round trip of 300 ms ± 100 ms and 2 % loss
//! each way. Packets keep their order unless `--reorder`. Scenarios:
//!
//! - `healthy`: every peer alive for `--secs`; any close by policy is a false one.
//! - `dead`: after `--secs`, every packet is dropped (loss 100 %) until both sides have found
//!   it; prints how long each took.
//! - `stall`: after `--secs`, the link drops everything for `--stall` seconds, then comes back
//!   as it was; the run goes on for `--secs` more.
//! - `restart`: after `--secs`, the server shuts down (1001), stays down `--down` seconds, and
//!   serves again on its port; prints when each client is back.
//! - `tcp`: the control, no ws-health: plain TCP connections echo 6 bytes every
//!   `ping.interval`; prints their round trips.
//!
//! It prints the link's own round trip (a plain TCP echo), then one summary: closes on each
//! side by who and why, pings sent and missed, and the round trips sampled from
//! `Sender::stats().latency` each time a pong came. Run alone (as `cargo bench` does) it
//! prints its usage and exits.

#[allow(dead_code)]
#[path = "../tests/support/cable.rs"]
mod cable;
#[path = "impaired_link/control.rs"]
mod control; // plain TCP over the same cable
#[path = "impaired_link/link.rs"]
mod link; // the delay lines and their iptables rules

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::{Config, Connection, Disconnect, Sender, Status, Supervisor};

use control::{link_rtt, plain_tcp};
use link::Link;

#[derive(Default)]
struct Tally {
    /// Closes seen by each side, by "initiator code reason".
    closes: BTreeMap<String, usize>,
    /// Seconds from the cut to Unhealthy, and to the end, of each connection (`dead`).
    found: Vec<f64>,
    ended: Vec<f64>,
    sent: u64,
    missed: u64,
}

type Shared = Arc<Mutex<Tally>>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(scenario) = args.first().filter(|a| !a.starts_with('-')).cloned() else {
        println!("usage: impaired_link healthy|dead|stall|restart|tcp [--conns N] [--secs S] [--delay MS] [--jitter MS] [--loss PCT] [--reorder] [--stall S] [--down S]");
        return;
    };
    let flag = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let conns: usize = flag("--conns", "200").parse().expect("--conns");
    let secs: f64 = flag("--secs", "300").parse().expect("--secs");
    let delay: f64 = flag("--delay", "150").parse().expect("--delay");
    let jitter: f64 = flag("--jitter", "50").parse().expect("--jitter");
    let loss: f64 = flag("--loss", "2").parse().expect("--loss");
    let reorder = args.iter().any(|a| a == "--reorder");
    let netem = format!(
        "delay {delay}ms ± {jitter}ms, loss {loss} %, {}",
        if reorder { "reordered" } else { "in order" }
    );
    let stall: f64 = flag("--stall", "3").parse().expect("--stall");
    let down: f64 = flag("--down", "5").parse().expect("--down");
    let config = Config::from(Config::figment()).expect("the configuration");
    println!(
        "{scenario}: {conns} connections, each way {netem}; ping {:?}/{:?} jitter {:?} N={}, close {:?}",
        config.ping.interval,
        config.ping.timeout,
        config.ping.jitter,
        config.ping.failure_threshold,
        config.policy.close_timeout
    );

    let Some(cable) = cable::Cable::lay(40) else {
        return;
    };
    let link = Link::new(&cable, delay, jitter, loss, reorder);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let link = Mutex::new(link);
    if scenario == "tcp" {
        let interval = config.ping.interval;
        runtime.block_on(plain_tcp(&cable, conns, secs, interval));
        return;
    }
    runtime.block_on(run(
        &cable, &link, &scenario, conns, secs, stall, down, config,
    ));
}

#[allow(clippy::too_many_arguments)]
async fn run(
    cable: &cable::Cable,
    link: &Mutex<Link>,
    scenario: &str,
    conns: usize,
    secs: f64,
    stall: f64,
    down: f64,
    config: Config,
) {
    let tally: Shared = Arc::default();
    let live: Arc<Mutex<Vec<(Sender, u64)>>> = Arc::default();
    let cut: Arc<Mutex<Option<Instant>>> = Arc::default();
    let supervisor = Supervisor::builder().with_config(&config).build().unwrap();
    let listener = cable.listen_at_far_end_on(0).expect("bind at the far end");
    let server = listen(listener, &supervisor, &config, &tally, &live, &cut);
    let port = server.local_addr().port();
    let url = format!("ws://{}", server.local_addr());

    // The clients, spread over the first second as a fleet would connect.
    let started = Instant::now();
    let back: Arc<Mutex<Vec<f64>>> = Arc::default();
    let restarted: Arc<Mutex<Option<Instant>>> = Arc::default();
    let mut clients = Vec::new();
    for i in 0..conns {
        let client = Client::builder(url.as_str())
            .with_config(&config)
            .with_jitter_seed(i as u64)
            .connect()
            .expect("client");
        let client = Arc::new(client);
        watch_client(&client, &tally, &live, &cut, &back, &restarted);
        clients.push(client);
        tokio::time::sleep(Duration::from_secs(1) / conns as u32).await;
    }
    sample(&live);
    println!("the link (TCP, one byte echoed): {}", link_rtt(cable).await);

    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let mut server = Some(server);
    match scenario {
        "dead" => {
            *cut.lock().unwrap() = Some(Instant::now());
            link.lock().unwrap().set_loss(100.0);
            let bound = config.ping.interval * config.ping.failure_threshold
                + config.ping.jitter
                + config.ping.timeout
                + config.policy.close_timeout
                + Duration::from_secs(5);
            let deadline = Instant::now() + bound.max(Duration::from_secs(30)) * 2;
            while tally.lock().unwrap().ended.len() < 2 * conns && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        "stall" => {
            let loss = link.lock().unwrap().loss;
            link.lock().unwrap().set_loss(100.0);
            tokio::time::sleep(Duration::from_secs_f64(stall)).await;
            link.lock().unwrap().set_loss(loss);
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        }
        "restart" => {
            server.take().unwrap().shutdown().await;
            tokio::time::sleep(Duration::from_secs_f64(down)).await;
            let listener = cable
                .listen_at_far_end_on(port)
                .expect("bind the port again");
            *restarted.lock().unwrap() = Some(Instant::now());
            server = Some(listen(listener, &supervisor, &config, &tally, &live, &cut));
            let deadline = Instant::now() + Duration::from_secs(120);
            while back.lock().unwrap().len() < conns && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        _ => {}
    }
    let hours = conns as f64 * started.elapsed().as_secs_f64() / 3600.0;
    // Connections still open count here; ended ones were counted as they ended.
    for (sender, _) in live.lock().unwrap().iter() {
        if sender.disconnect().is_none() {
            let stats = sender.stats();
            let mut t = tally.lock().unwrap();
            t.sent += stats.pings_sent;
            t.missed += stats.pings_missed;
        }
    }
    for client in &clients {
        client.close();
    }
    let t = tally.lock().unwrap();
    println!(
        "{:.1} connection-hours; pings sent {} missed {} (both sides)",
        hours, t.sent, t.missed
    );
    for (what, n) in &t.closes {
        println!("  {n:5} × {what}");
    }
    let rtts = RTTS.lock().unwrap();
    println!("  round trip (ms, sampled): {}", quantiles(&rtts));
    println!("  {}", over_seconds(&rtts));
    if scenario == "dead" {
        println!("  found after the cut (s): {}", quantiles(&t.found));
        println!("  ended after the cut (s): {}", quantiles(&t.ended));
    }
    if scenario == "restart" {
        let back = back.lock().unwrap();
        println!(
            "  {} of {conns} back; after the server's return (s): {}",
            back.len(),
            quantiles(&back)
        );
    }
    drop((t, rtts));
    drop(server);
}

fn listen(
    listener: tokio::net::TcpListener,
    supervisor: &Supervisor,
    config: &Config,
    tally: &Shared,
    live: &Arc<Mutex<Vec<(Sender, u64)>>>,
    cut: &Arc<Mutex<Option<Instant>>>,
) -> Server {
    let (tally, live, cut) = (tally.clone(), live.clone(), cut.clone());
    Server::builder(supervisor.clone())
        .with_config(config)
        .listen(listener, move |mut conn: Connection| {
            let sender = conn.sender();
            follow("server", sender, &tally, &live, &cut);
            async move { while conn.recv().await.is_some() {} }
        })
        .expect("serve")
}

/// Records one connection's round trips, how it ends and, after a cut, when it was found.
fn follow(
    side: &'static str,
    sender: Sender,
    tally: &Shared,
    live: &Arc<Mutex<Vec<(Sender, u64)>>>,
    cut: &Arc<Mutex<Option<Instant>>>,
) {
    live.lock().unwrap().push((sender.clone(), 0));
    let (tally, cut) = (tally.clone(), cut.clone());
    tokio::spawn(async move {
        let mut health = sender.watch_health();
        let mut ended = tokio::spawn({
            let sender = sender.clone();
            async move { sender.closed().await }
        });
        let found = async {
            loop {
                if health.borrow_and_update().status() == Status::Unhealthy {
                    return Instant::now();
                }
                if health.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::pin!(found);
        let mut found_at = None;
        let end: Disconnect = tokio::select! {
            at = &mut found => {
                found_at = Some(at);
                ended.await.unwrap()
            }
            end = &mut ended => end.unwrap(),
        };
        let now = Instant::now();
        let stats = sender.stats();
        let mut t = tally.lock().unwrap();
        t.sent += stats.pings_sent;
        t.missed += stats.pings_missed;
        let what = format!("{side}: {:?} {} {:?}", end.initiator, end.code, end.reason);
        *t.closes.entry(what).or_default() += 1;
        if let Some(cut) = *cut.lock().unwrap() {
            if let Some(at) = found_at.filter(|at| *at >= cut) {
                t.found.push((at - cut).as_secs_f64());
            }
            if now >= cut {
                t.ended.push((now - cut).as_secs_f64());
            }
        }
    });
}

fn watch_client(
    client: &Arc<Client>,
    tally: &Shared,
    live: &Arc<Mutex<Vec<(Sender, u64)>>>,
    cut: &Arc<Mutex<Option<Instant>>>,
    back: &Arc<Mutex<Vec<f64>>>,
    restarted: &Arc<Mutex<Option<Instant>>>,
) {
    let mut events = client.events();
    let (tally, live, cut, back, restarted) = (
        tally.clone(),
        live.clone(),
        cut.clone(),
        back.clone(),
        restarted.clone(),
    );
    let client = Arc::downgrade(client);
    tokio::spawn(async move {
        let mut counted = false;
        while let Ok(event) = events.recv().await {
            match event {
                ClientEvent::Connected { .. } => {
                    if let Some(sender) = client.upgrade().and_then(|c| c.sender()) {
                        follow("client", sender, &tally, &live, &cut);
                    }
                    if let Some(at) = *restarted.lock().unwrap() {
                        if !counted {
                            counted = true;
                            back.lock().unwrap().push(at.elapsed().as_secs_f64());
                        }
                    }
                }
                ClientEvent::Stopped { .. } => break,
                _ => {}
            }
        }
    });
}

/// Every 200 ms, one round trip from each connection whose pongs moved since the last look.
fn sample(live: &Arc<Mutex<Vec<(Sender, u64)>>>) {
    let live = live.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut live = live.lock().unwrap();
            live.retain(|(sender, _)| sender.disconnect().is_none());
            let mut rtts = Vec::new();
            for (sender, seen) in live.iter_mut() {
                let stats = sender.stats();
                if stats.pongs_received > *seen {
                    *seen = stats.pongs_received;
                    rtts.push(stats.latency.as_secs_f64() * 1000.0);
                }
            }
            drop(live);
            RTTS.lock().unwrap().extend(rtts);
        }
    });
}

static RTTS: Mutex<Vec<f64>> = Mutex::new(Vec::new());

/// How many round trips (in ms) took over 1, 2, 5, 10 and 20 s.
fn over_seconds(rtts: &[f64]) -> String {
    let over = |ms: f64| rtts.iter().filter(|r| **r > ms).count();
    format!(
        "over 1 s: {}, 2 s: {}, 5 s: {}, 10 s: {}, 20 s: {}",
        over(1e3),
        over(2e3),
        over(5e3),
        over(1e4),
        over(2e4)
    )
}

fn quantiles(values: &[f64]) -> String {
    if values.is_empty() {
        return "none".into();
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "n={} min {:.2} p50 {:.2} p90 {:.2} p99 {:.2} p99.9 {:.2} max {:.2}",
        v.len(),
        v[0],
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        v[v.len() - 1]
    )
}
