//! Configuration: every timing and policy, as plain serde values, loaded with figment.
//!
//! [`Config`] follows figment's recipe for library authors: it is `Default + Serialize +
//! Deserialize`, [`Config::figment`] is the default set of sources, [`Config::from`] extracts
//! it from any figment [`Provider`](figment::Provider), and `Config` is itself a `Provider`,
//! so an application can embed it in its own figment. The complete reference (every key,
//! its type, default and meaning) is `docs/configuration.md`.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Config`], the whole configuration |
//! | `check.rs` (`[ping]`, `[checks.<name>]`), `queues.rs`, `socket.rs`, `server.rs`, `client.rs` | one table each, its defaults and validation next to it |
//! | `load.rs`, `file.rs`, `env.rs`, `profile.rs` | the sources and profiles, and loading |
//! | `loader.rs` | [`ConfigLoader`]: the sources remembered, for a reload |
//! | `validate.rs`, `diagnose.rs`, `written.rs`, `suggest.rs` | checked values, and messages that name key, value and source |
//! | `toml_range.rs` | integers over what a TOML file holds, which only a variable gives |
//!
//! # Sources
//!
//! Later sources override earlier ones, key by key, within a profile; a selected profile
//! overrides the `default` one whatever its source (`docs/configuration.md`, "Profiles"):
//!
//! 1. [`Config::default()`]: Python `websockets`' timings (ping every 20 s, 20 s pong
//!    timeout, close with 1011, 10 s close timeout).
//! 2. [`BuiltinProfiles`]: the named profiles `mobile`, `datacenter` and `development`.
//! 3. The TOML file [`Config::FILE`] in the working directory, or the file named by the
//!    environment variable [`Config::FILE_ENV`] or [`ConfigLoader::with_file`]. A missing
//!    default file is no error; a missing named file is.
//! 4. Environment variables prefixed [`Config::ENV_PREFIX`], nested with `__`:
//!    `WS_HEALTH_PING__INTERVAL=5s` sets `ping.interval`. They override every profile.
//!
//! # Profiles
//!
//! The file's top-level tables that are not configuration keys are figment profiles:
//! `[default]` (the same as top-level keys), `[global]` (overrides every profile) and any
//! named one, e.g. `[staging.ping]`. [`Config::PROFILE_ENV`] selects the profile; the
//! selected profile's values override `[default]`'s, and `[global]`'s override both. Every
//! profile in the file is checked on load, selected or not.
//!
//! # Errors
//!
//! A bad configuration is an [`ErrorKind::Config`](crate::ErrorKind::Config) error whose
//! message names the key (`ping.interval`), the bad value and its source (`TOML file
//! ws-health.toml, key staging.ping.interval` or `environment variable
//! WS_HEALTH_PING__INTERVAL`): unknown keys (with the nearest known key), unparsable, zero
//! or negative durations, durations over a year ([`Config::MAX_DURATION`]), unknown
//! actions, close codes that may not be sent, close reasons over 123 bytes, unknown
//! profiles. Risky but legal values are accepted with a `tracing`
//! warning that says why.
//!
//! # Reload
//!
//! [`ConfigLoader`] remembers where the configuration comes from and re-reads it on demand;
//! [`ConfigLoader::reload`] applies it to a [`Supervisor`](crate::Supervisor)'s live
//! connections at once, idle ones included (a check waiting for its next run is rescheduled
//! on the new interval), and keeps the old configuration when the new one is invalid.

mod check;
mod client;
mod diagnose;
mod env;
mod file;
mod load;
mod loader;
mod profile;
mod proxy;
mod queues;
mod server;
mod socket;
mod suggest;
mod toml_range;
mod validate;
mod written;

pub use check::CheckSettings;
pub use client::{Backoff, ClientConfig, CodeRange};
pub use loader::ConfigLoader;
pub use profile::BuiltinProfiles;
pub use proxy::Proxy;
pub(crate) use proxy::{host_port, without_credentials, ProxyUrl};
pub use queues::Queues;
pub use server::ServerConfig;
pub(crate) use socket::FRAME_HEADER;
pub use socket::{SocketConfig, TcpKeepalive};
pub(crate) use suggest::nearest;
pub(crate) use validate::{Problem, Validate, Validator};
pub(crate) use written::dotted;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::Result;

/// The whole ws-health configuration.
///
/// # Default
/// Python `websockets`' behaviour: ping every 20 s, no pong within 20 s closes with 1011
/// "keepalive ping timeout", close handshake bounded by 10 s.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The built-in ping/pong check: the `[ping]` table.
    pub ping: CheckSettings,
    /// Settings of user checks, by the name they are registered under: `[checks.<name>]`.
    pub checks: BTreeMap<String, CheckSettings>,
    /// What to do when a connection's status changes: the `[policy]` table.
    pub policy: Policy,
    /// Queue sizes between the supervisor and the application: the `[queues]` table.
    pub queues: Queues,
    /// TCP and WebSocket buffer settings used by the runtime: the `[socket]` table.
    pub socket: SocketConfig,
    /// The runtime's server: handshake timeout, connection limit, shutdown.
    pub server: ServerConfig,
    /// The runtime's client: connect timeout, backoff, final close codes, offline queue.
    pub client: ClientConfig,
}

impl Config {
    /// The longest duration a configuration may give, for any key: one year as humantime
    /// counts it (365.25 days), so that `"1y"` is accepted. The longest sensible timing is
    /// a business check run daily or weekly; beyond a year a value is a typo or a "never"
    /// in disguise (`enabled = false` says that), and loading refuses it naming the key.
    /// Code is not limited: there `Duration::MAX` means "never".
    pub const MAX_DURATION: Duration = Duration::from_secs(31_557_600);

    /// The settings of the check registered as `name`: its `[checks.<name>]` table, or the
    /// defaults when it has none.
    ///
    /// ```
    /// let config = ws_health::Config::default();
    /// assert_eq!(config.check("feed"), ws_health::CheckSettings::default());
    /// ```
    pub fn check(&self, name: &str) -> CheckSettings {
        self.checks.get(name).cloned().unwrap_or_default()
    }

    /// Checks every value. Configurations loaded with [`Config::from`] are already checked,
    /// with the source of each value in the message; this is for one built in code. Its
    /// durations are limited as a file's are, to [`Config::MAX_DURATION`].
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config), listing every offending key and value.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        self.report(&mut v);
        match v.errors.as_slice() {
            [] => Ok(()),
            problems => Err(crate::Error::config(format!(
                "invalid configuration:\n  {}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ))),
        }
    }
}
