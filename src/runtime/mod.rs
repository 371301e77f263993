//! The runtime: what a user runs in production, on top of the supervisor.
//!
//! | piece | what it does |
//! |---|---|
//! | [`serve`] / [`Server`] | accepts, handshakes under a timeout (the application's [`Handshake`] hook authenticates, or refuses with a [`Refusal`]), refuses over the limit with HTTP 503, supervises each connection and runs your handler, on worker threads of its own if asked; graceful shutdown with 1001 |
//! | [`Client`] | a reconnecting client for `ws://` and `wss://`: full-jitter backoff, final close codes, handshake headers made afresh per attempt, an on-connect hook (that can await the server's answer with [`Sender::request`](crate::Sender::request)), events, an offline queue |
//! | [`Hub`] | a registry of live connections: counts per status, snapshots, a stream of changes, close-all |
//! | [`configure_socket`] | `TCP_NODELAY`, TCP keepalive, `TCP_USER_TIMEOUT` and `TCP_NOTSENT_LOWAT` from `[socket]` |
//!
//! TLS (`wss://`) needs the `rustls` feature: see `tls`. Behaviour, defaults and the
//! choices behind them are described in `docs/runtime.md`.
//!
//! Everything here runs on any tokio runtime with time and I/O enabled. A process that
//! mostly keeps idle connections alive, with light handlers, spends 15–26 % less CPU per
//! ping on the current-thread runtime than on the multi-thread one; a server that needs
//! more than one core can spread its connections over single-threaded runtimes of its own
//! ([`ServerConfig::workers`](crate::config::ServerConfig::workers); `docs/tuning.md`,
//! "The runtime's threads").

pub mod client; // the reconnecting client: its mod.rs lists a file per part
mod head; // where an HTTP head ends: upgrade requests, a proxy's answers
mod hub; // the registry of live connections
mod server; // the supervised server: its mod.rs lists a file per part
mod socket; // `[socket]`'s TCP options
mod stream; // plain or TLS byte streams under the WebSockets
#[cfg(feature = "rustls")]
pub mod tls; // PEM loading for wss://

pub use client::{Client, ClientBuilder, ClientEvent, ClientHandle, StopCause, StopReason};
pub use hub::{ConnectionSnapshot, Hub, HubEvent, Side, StatusCounts};
pub use server::{
    serve, serve_with_config, Accepted, Handshake, Refusal, Server, ServerBuilder, ServerHandle,
};
pub use socket::configure_socket;
pub(crate) use stream::ClientIo;
pub use stream::ServerStream;

/// Makes each connection's state for its checks from the peer's address
/// (`with_connection_state` of the server and the client).
type StateMaker = std::sync::Arc<
    dyn Fn(std::net::SocketAddr) -> std::sync::Arc<dyn std::any::Any + Send + Sync> + Send + Sync,
>;
