//! `ConfigLoader::reload` re-reads the file and applies it to live connections: the new
//! ping interval is used on the wire from the next tick, and the connection is never
//! dropped. A reload with a bad file keeps the old configuration and says why.

mod support;

use std::time::Duration;

use support::config::jail;
use support::{raw_peer, supervised_server, RawPeer};
use tokio::time::Instant;
use ws_health::{ConfigLoader, Supervisor};

const OLD: Duration = Duration::from_millis(100);
const NEW: Duration = Duration::from_millis(800);
/// A stall of the runtime or of loopback delivery allowed on a loaded 2-core machine (pings
/// keep to their grid, so one late ping shortens the next gap by as much); far below
/// NEW - OLD.
const SLACK: Duration = Duration::from_millis(300);

fn file(interval: Duration) -> String {
    // A long pong timeout so that a slow machine never turns this into a keepalive test.
    format!(
        "[ping]\ninterval = \"{}\"\ntimeout = \"2s\"\n\
         [policy]\nclose_timeout = \"100ms\"\n",
        humantime_serde::re::humantime::format_duration(interval)
    )
}

/// Answers the next ping; returns when it was read. Panics on anything but a ping.
async fn next_ping(peer: &mut RawPeer) -> Instant {
    let frame = peer.read_frame().await.expect("the connection was dropped");
    assert_eq!(frame.opcode, raw_peer::PING, "unexpected {frame:?}");
    peer.pong(&frame.payload).await;
    Instant::now()
}

/// The time three pings span, from the first's reading to the third's: 2 × NEW at the new
/// interval, 2 × OLD at the old. A stall in reading one ping shortens the gap after it by as
/// much as it lengthens the gap before; over two gaps, only a stall at the first read counts,
/// and NEW (a stall of up to NEW) still tells the intervals apart.
async fn two_gaps(peer: &mut RawPeer) -> Duration {
    let first = next_ping(peer).await;
    next_ping(peer).await;
    next_ping(peer).await - first
}

#[test]
fn reload_applies_to_a_live_connection_without_dropping_it() {
    jail(|jail| {
        jail.create_file("ws-health.toml", &file(OLD)).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let loader = ConfigLoader::new();
            let config = loader.load().unwrap();
            let supervisor = Supervisor::builder().with_config(&config).build().unwrap();
            let (addr, mut conns) = supervised_server(supervisor.clone()).await;
            let mut peer = RawPeer::connect(addr).await;
            let mut conn = conns.recv().await.unwrap();

            // Before: pings every OLD.
            let mut seen = vec![next_ping(&mut peer).await];
            for _ in 0..3 {
                seen.push(next_ping(&mut peer).await);
            }
            let fastest = seen.windows(2).map(|w| w[1] - w[0]).min().unwrap();
            assert!(
                fastest < NEW - SLACK,
                "old interval not in effect: {fastest:?}"
            );

            // Reload with a longer interval. At most one ping was already scheduled at
            // the old spacing; every later one is NEW apart.
            jail.create_file("ws-health.toml", &file(NEW)).unwrap();
            let applied = loader.reload(&supervisor).unwrap();
            assert_eq!(applied.ping.interval, NEW);
            let span = two_gaps(&mut peer).await;
            assert!(span >= NEW, "new interval not used: {span:?} for two gaps");

            // A bad file is refused, with the reason; the live connection keeps NEW.
            jail.create_file("ws-health.toml", &file(Duration::ZERO))
                .unwrap();
            let err = loader.reload(&supervisor).unwrap_err();
            assert!(err.is_config());
            let msg = err.to_string();
            assert!(msg.contains("`ping.interval` = \"0s\""), "{msg}");
            assert!(msg.contains("ws-health.toml"), "{msg}");
            let span = two_gaps(&mut peer).await;
            assert!(span >= NEW, "old config lost: {span:?} for two gaps");

            // The same connection carried all of it and still carries data.
            peer.text("still here").await;
            let echoed = conn.recv().await.expect("the connection was dropped");
            assert_eq!(echoed.into_text().unwrap().as_str(), "still here");
            assert!(conn.health().is_healthy(), "{}", conn.health());
            assert!(conn.stats().pongs_received >= 9);
        });
    });
}
