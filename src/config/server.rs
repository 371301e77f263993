//! Settings of the runtime's server: the `[server]` table.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::validate::{Validate, Validator};
use crate::Result;

/// How the runtime's server accepts connections: the `[server]` table.
///
/// # Default
/// Bind `127.0.0.1:8765` (loopback: exposing a port is a decision, not a default), 10 s for
/// the TCP, TLS and WebSocket handshakes together (Python `websockets`' `open_timeout`), at
/// most 10,000 connections (the next is refused with HTTP 503; raise `ulimit -n` before
/// raising this), 10 s for a graceful shutdown before the remaining connections are
/// dropped, and the connections run on the runtime that calls `serve` (`workers = 0`).
///
/// ```
/// use std::time::Duration;
/// use ws_health::config::ServerConfig;
///
/// let server = ServerConfig {
///     max_connections: 50_000,
///     handshake_timeout: Duration::from_secs(5),
///     ..ServerConfig::default()
/// };
/// server.validate()?;
/// # Ok::<_, ws_health::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// The address to listen on, `host:port` (the `ws-health serve` default; the library
    /// takes the address as an argument).
    pub bind: String,
    /// How long a new connection may take to complete its handshakes (TCP accepted to
    /// WebSocket open, TLS included). A peer that opens TCP and sends nothing is dropped
    /// then.
    #[serde(with = "humantime_serde")]
    pub handshake_timeout: Duration,
    /// The most connections served at once, handshakes in progress included. Over it, a new
    /// connection is answered with HTTP 503 and closed; existing ones are untouched.
    pub max_connections: usize,
    /// How long a graceful shutdown waits, after closing every connection with 1001 "going
    /// away", before dropping the connections that have not finished closing.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    /// Threads of the server's own that run the connections, each a single-threaded tokio
    /// runtime; a new connection goes to the one with the fewest tasks. `0` runs them on the
    /// runtime that calls `serve`. Several single-threaded runtimes cost less CPU per ping
    /// than one multi-thread runtime, but a connection never moves to an idle thread while
    /// its own is busy (docs/tuning.md). A handler then runs on a current-thread runtime:
    /// `tokio::task::block_in_place` panics there, and what it spawns runs on its worker and
    /// ends with the server. `ws-health serve` takes `0` as one per core and `1` as
    /// everything on its main thread.
    pub workers: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8765".into(),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            shutdown_timeout: Duration::from_secs(10),
            workers: 0,
        }
    }
}

impl ServerConfig {
    /// The most `workers`: more threads than this is a typo, not a tuning.
    pub const MAX_WORKERS: usize = 1024;

    /// Checks every value.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), naming every offending
    /// key (`server.max_connections`).
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::in_code(&["server"]);
        self.report(&mut v);
        v.into_result()
    }
}

/// Checks that `bind` reads as host:port, the syntax only: a name that fails to resolve is a
/// failure of the moment, reported when the server binds.
fn check_bind(bind: &str) -> std::result::Result<(), &'static str> {
    const FORM: &str = "must be an address to listen on, host:port, such as \"127.0.0.1:8765\" \
                        or \"[::1]:8765\" (port 0 picks a free one)";
    let Some((host, port)) = bind.rsplit_once(':') else {
        return Err(FORM);
    };
    let bracketed = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
    let plain =
        !host.is_empty() && !host.contains([':', '[', ']']) && !host.contains(char::is_whitespace);
    if port.parse::<u16>().is_err() || !(bracketed || plain) {
        return Err(FORM);
    }
    Ok(())
}

impl Validate for ServerConfig {
    fn report(&self, v: &mut Validator) {
        if let Err(reason) = check_bind(&self.bind) {
            v.error("bind", format!("{:?}", self.bind), reason);
        }
        v.millisecond_or_more("handshake_timeout", self.handshake_timeout, "");
        v.bounded("shutdown_timeout", self.shutdown_timeout, "");
        v.nonzero("max_connections", self.max_connections as u64);
        if self.workers > Self::MAX_WORKERS {
            v.error(
                "workers",
                self.workers,
                format!(
                    "at most {}: about one per core is the useful range",
                    Self::MAX_WORKERS
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_values_are_refused_by_key() {
        let bad = ServerConfig {
            max_connections: 0,
            ..ServerConfig::default()
        };
        let err = bad.validate().unwrap_err();
        assert!(err.to_string().contains("server.max_connections"), "{err}");
        let bad = ServerConfig {
            handshake_timeout: Duration::ZERO,
            ..ServerConfig::default()
        };
        assert!(bad.validate().is_err());
        let bad = ServerConfig {
            workers: 5000,
            ..ServerConfig::default()
        };
        let err = bad.validate().unwrap_err();
        assert!(err.to_string().contains("server.workers"), "{err}");
        ServerConfig::default().validate().unwrap();
    }

    #[test]
    fn bind_addresses_are_host_and_port() {
        for good in [
            "127.0.0.1:8765",
            "[::1]:0",
            "[::]:0",
            "localhost:80",
            "ip6-localhost:0",
        ] {
            assert!(check_bind(good).is_ok(), "{good}");
        }
        // IPv6 takes brackets; a host and a port are both needed.
        for bad in ["::1", ":8765", "127.0.0.1", "host:99999", "[]:80", "a b:80"] {
            assert!(check_bind(bad).is_err(), "{bad}");
        }
    }
}
