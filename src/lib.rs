//! ws-health keeps WebSocket connections honest: it finds dead, slow and unhealthy peers
//! quickly, never blames a healthy one, and acts on what it finds by policy.
//!
//! # Overview
//!
//! The layers, each a module, in the order a result flows through them. `check` and `policy`
//! import neither each other nor the layers that use them; the supervisor imports both, and
//! the runtime the supervisor:
//!
//! | layer | module | what it decides |
//! |---|---|---|
//! | checks | [`check`] | what to probe: [`HealthCheck`], whose default is ping/pong |
//! | supervisor | [`supervisor`] | when to probe, per connection; it drives the socket |
//! | policy | [`policy`] | what to do about results: a pure state machine |
//! | runtime | [`runtime`] | a supervised server, a reconnecting client, the hub |
//!
//! Under the supervisor lies the wire: any `Stream` + `Sink` of messages; the runtime's is a
//! [`LeanStream`] ([`lean`]), which releases tungstenite's buffers while its connection is idle.
//! [`config`] (figment-friendly serde types), [`Stats`], `tracing` and [`metrics`] cut across them;
//! [`Health`] and [`Status`] (`health.rs`), [`frame`] (RFC 6455's limits) and [`Error`]
//! (`error.rs`) sit at the bottom. The command-line tool is in `src/bin/ws-health/`. The library
//! emits `tracing` spans (`ws_health.connection{id}`, one per connection; `ws_health.server`,
//! `ws_health.client`, `ws_health.refused`, and `check{name}` at trace) and events (transitions and
//! actions at info/warn, per-ping detail at trace) and never installs a subscriber. How the layers
//! work together, and why the boundaries are where they are: `docs/architecture.md`.
//!
//! # Quick start
//!
//! Python `websockets`' keepalive, in Rust: ping every 20 s, close with 1011 "keepalive ping
//! timeout" when no pong comes within 20 s.
//!
//! ```no_run
//! # async fn run(ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) {
//! let mut conn = ws_health::Supervisor::new().supervise(ws);
//! while let Some(message) = conn.recv().await {
//!     conn.send(message).await.ok();
//! }
//! println!("latency {:?}, {}", conn.latency(), conn.closed().await);
//! # }
//! ```
//!
//! # Writing a check
//!
//! Implement [`HealthCheck::check`] for a business rule. The [`CheckContext`] lets it ping,
//! send an application message and await the matching answer (without taking any other
//! message from the application), read stats and reach per-connection state.
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use ws_health::{async_trait, check::CheckContext, Health, HealthCheck};
//!
//! /// Unhealthy once the application revokes the connection's session (per-connection
//! /// state given to `Supervisor::supervise_with_state`).
//! struct SessionValid;
//!
//! #[async_trait]
//! impl HealthCheck for SessionValid {
//!     async fn check(&self, ctx: &CheckContext) -> Health {
//!         match ctx.state::<AtomicBool>() {
//!             Some(valid) if valid.load(Ordering::Relaxed) => Health::healthy("session valid"),
//!             _ => Health::unhealthy("session revoked"),
//!         }
//!     }
//! }
//! ```
//!
//! [`CheckContext::detached`] runs a check in a unit test, on no connection: its stats and
//! state are what the test gives, and its pings and requests fail as on a closed connection.
//!
//! # Composing
//!
//! A supervisor runs the ping check and any number of named checks, each on its own
//! interval and timeout; none delays another. The connection is as healthy as its worst
//! critical check, and at best Degraded while a non-critical one fails (see [`policy`] for
//! the table); each check can name its own actions.
//!
//! ```
//! # use ws_health::{async_trait, check::CheckContext, Health, HealthCheck};
//! # struct SessionValid;
//! # #[async_trait] impl HealthCheck for SessionValid {
//! #     async fn check(&self, _: &CheckContext) -> Health { Health::healthy("") } }
//! use ws_health::Supervisor;
//!
//! let config = ws_health::Config::default();
//! let supervisor = Supervisor::builder()
//!     .with_config(&config)
//!     .with_check("session", SessionValid, config.check("session"))
//!     .build()?;
//! # drop(supervisor);
//! # Ok::<_, ws_health::Error>(())
//! ```
//!
//! # Policies
//!
//! Actions run when the connection's status changes: log at a level, close with a code
//! (bounded close handshake, then TCP is dropped), reconnect (clients), or a
//! [`policy::CustomAction`] registered by name. A check's own actions
//! ([`CheckSettings::on_unhealthy`] and the like) run instead when its own status changes,
//! even where the connection's stays. See [`policy::Policy`].
//!
//! # Configuration
//!
//! [`Config`] holds every timing and policy. [`Config::figment`] reads, in order, the
//! defaults, the built-in profiles, `ws-health.toml` and `WS_HEALTH_*` environment
//! variables (`WS_HEALTH_PING__INTERVAL=5s`), with the profile named by
//! `WS_HEALTH_PROFILE`; a mistake is an error naming the key, the value and its source.
//! [`ConfigLoader`] reloads it into a running [`Supervisor`] without dropping a
//! connection. See [`config`] and `docs/configuration.md`.
//!
//! ```
//! # figment::Jail::expect_with(|jail| {
//! # jail.create_file("ws-health.toml", "[ping]\ninterval = \"5s\"")?;
//! # let run = || -> Result<(), ws_health::Error> {
//! let config = ws_health::Config::from(ws_health::Config::figment())?;
//! let supervisor = ws_health::Supervisor::builder().with_config(&config).build()?;
//! # assert_eq!(config.ping.interval.as_secs(), 5);
//! # drop(supervisor);
//! # Ok(()) };
//! # run().map_err(|e| e.to_string())?;
//! # Ok(())
//! # });
//! ```
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `cli` | yes | the `ws-health` binary (`serve`, `probe`, `config`) |
//! | `rustls` | no | `wss://` for the client and TLS for the server, with rustls |
//! | `metrics` | no | counters, gauges and an RTT histogram through the `metrics` facade |

#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![doc(test(attr(deny(warnings), allow(dead_code))))]

pub mod check; // HealthCheck, CheckContext; the default ping/pong (ping.rs)
pub mod config; // Config; a file per table (`[server]`: server.rs), loading, validation
mod error; // Error, ErrorKind, Result
pub mod frame; // RFC 6455's limits on close codes, reasons and ping payloads
#[cfg(test)]
mod fuzz; // a seeded generator for the input-fuzzing unit tests
mod health; // Health and Status
mod in_a_row; // warnings that repeat, thinned out to the 1st, 10th, 100th
mod keyed; // maps of live connections that give memory back after a peak
pub mod lean; // LeanStream, the wire: when it sleeps (stream.rs), what it reads asleep
pub mod metrics; // every metric, its labels, and the functions the layers record through
pub mod policy; // thresholds (engine.rs), aggregation (aggregate.rs), actions as data
pub mod runtime; // server/, client/ (reconnect, backoff), hub/, TLS, socket options
mod stats; // Stats: the counters a connection exposes
pub mod supervisor; // the per-connection task (driver/), pongs matched to pings (in_flight.rs)
mod sync; // locks a panic does not poison

pub use async_trait::async_trait;
pub use check::{CheckContext, HealthCheck};
pub use config::{CheckSettings, Config, ConfigLoader};
pub use error::{Error, ErrorKind, Result};
/// The configuration library [`Config::figment`] and [`Config::from`] speak (its
/// `Figment` and providers); use this re-export to match its version.
pub use figment;
pub use health::{Health, Status};
pub use lean::LeanStream;
pub use runtime::{Client, Hub, Server};
pub use stats::Stats;
pub use supervisor::{Connection, Disconnect, Initiator, Sender, Supervisor, TrySendError};
/// The WebSocket library ws-health speaks; use this re-export to match its version
/// (`tungstenite::Bytes` is the type of a ping's payload).
pub use tokio_tungstenite::{self, tungstenite};

/// The README's code, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
