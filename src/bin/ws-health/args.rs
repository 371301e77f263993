//! The command line, and how it becomes a configuration.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};
use ws_health::config::ConfigLoader;
use ws_health::Config;

use crate::Failure;

/// The exit codes, at the end of every `--help` (docs/runtime.md says the same).
const EXIT_CODES: &str = "Exit codes:
  0  success
  1  the probe failed, or the server could not run (its address taken, ...)
  2  bad arguments or configuration (the message names the key and its source)";

/// Keeps WebSocket connections honest: a supervised echo server and a keepalive probe.
#[derive(Debug, Parser)]
#[command(name = "ws-health", version, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// More log output on stderr (-v, -vv); RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Threads to run on (default: one per core). serve: the connections are spread over N
    /// single-threaded runtimes (server.workers); probe: the async runtime's workers. 1 runs
    /// everything on one thread, tokio's current-thread runtime (docs/tuning.md).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub(crate) threads: Option<u16>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a supervised echo server; logs every connection's status changes and actions.
    #[command(after_help = EXIT_CODES)]
    Serve(ServeArgs),
    /// Connect to a WebSocket URL, keep the connection alive and print its round-trip time.
    #[command(after_help = EXIT_CODES)]
    Probe(ProbeArgs),
    /// Check the configuration and print it as it takes effect (defaults, profile, file,
    /// environment, flags merged), as TOML; exit 2 naming what is wrong.
    #[command(after_help = EXIT_CODES)]
    Config(ConfigArgs),
}

/// Where the configuration comes from, and the flags that override it.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// A TOML configuration file (default: $WS_HEALTH_CONFIG, else ws-health.toml if present).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The configuration profile (e.g. mobile, datacenter, development).
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Time between pings, e.g. 5s or 500ms (overrides ping.interval).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) ping_interval: Option<Duration>,
    /// How long to wait for a pong (overrides ping.timeout).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) ping_timeout: Option<Duration>,
    /// Print JSON on stdout: serve and probe a line per event, config the configuration.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on, host:port (overrides server.bind; port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    pub(crate) bind: Option<String>,
    /// Serve wss:// with this PEM certificate chain (with --tls-key; feature `rustls`).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) config: ConfigArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ProbeArgs {
    /// The endpoint, ws://host:port/path or wss://...
    #[arg(value_name = "URL")]
    pub(crate) url: String,
    /// Connect once and wait for one pong: exit 0 if it came within the ping timeout.
    #[arg(long)]
    pub(crate) once: bool,
    /// Trust the PEM certificates in this file for wss://, besides the webpki roots (a
    /// private CA, a self-signed server; feature `rustls`).
    #[arg(long, value_name = "FILE")]
    pub(crate) tls_ca: Option<PathBuf>,
    /// Give up after N failed retries in a row (N + 1 attempts at the start, N after a lost
    /// connection), exit 1 (overrides client.max_retries; default: retry for ever).
    #[arg(long, value_name = "N")]
    pub(crate) max_retries: Option<u32>,
    #[command(flatten)]
    pub(crate) config: ConfigArgs,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime_serde::re::humantime::parse_duration(text)
        .map_err(|e| format!("{e} (write a duration such as 5s, 500ms or 1m)"))
}

impl ConfigArgs {
    /// The configuration: file, profile and environment through the library's loader, then
    /// the flags (`bind` is `serve`'s `--bind`), as one more source, so that errors and
    /// warnings about the values they set name them. Every error is a usage error (exit 2).
    pub(crate) fn load(&self, bind: Option<&str>) -> Result<Config, Failure> {
        let mut loader = ConfigLoader::new();
        if let Some(file) = &self.config {
            loader = loader.with_file_named_by(file, "--config");
        }
        if let Some(profile) = &self.profile {
            loader = loader.with_profile_named_by(profile, "--profile");
        }
        loader
            .load_with(Flags { args: self, bind })
            .map_err(Failure::usage)
    }
}

/// The flags that set configuration keys, as a figment source that wins over every profile.
struct Flags<'a> {
    args: &'a ConfigArgs,
    bind: Option<&'a str>,
}

impl Provider for Flags<'_> {
    fn metadata(&self) -> Metadata {
        Metadata::named("command-line flags").interpolater(|_: &Profile, keys: &[&str]| {
            match keys {
                ["server", "bind"] => "--bind".to_owned(),
                keys => format!("--{}", keys.join("-")), // --ping-interval, --ping-timeout
            }
        })
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        let text = |d: Option<Duration>| {
            d.map(|d| Value::from(humantime_serde::re::humantime::format_duration(d).to_string()))
        };
        let tables = [
            ("ping", "interval", text(self.args.ping_interval)),
            ("ping", "timeout", text(self.args.ping_timeout)),
            ("server", "bind", self.bind.map(Value::from)),
        ];
        let mut keys = Dict::new();
        for (table, key, value) in tables {
            let Some(value) = value else { continue };
            if let Value::Dict(_, table) = keys
                .entry(table.to_owned())
                .or_insert_with(|| Value::from(Dict::new()))
            {
                table.insert(key.to_owned(), value);
            }
        }
        Ok(Map::from([(Profile::Global, keys)]))
    }
}
