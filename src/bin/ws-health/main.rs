//! `ws-health`: a supervised echo server and a keepalive probe, on the ws-health runtime.
//!
//! Exit codes: 0 success, 1 the probe failed (or the server could not run), 2 bad
//! arguments or configuration.

mod args;
mod console;
mod probe;
mod serve;
mod show_config;
mod supervisor;
mod tls;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse(); // exits with 2 and clap's message on bad arguments
    init_logging(cli.verbose, matches!(cli.command, Command::Probe(_)));
    match cli.command {
        Command::Config(args) => exit(show_config::run(&args, cli.threads)),
        // serve spreads its connections over runtimes of its own (server.workers): its main
        // thread only accepts and prints.
        Command::Serve(args) => block_on(current_thread(), serve::run(args, cli.threads)),
        Command::Probe(args) => {
            let builder = match cli.threads {
                Some(1) => current_thread(),
                Some(threads) => {
                    let mut builder = tokio::runtime::Builder::new_multi_thread();
                    builder.worker_threads(usize::from(threads));
                    builder
                }
                None => tokio::runtime::Builder::new_multi_thread(),
            };
            block_on(builder, probe::run(args))
        }
    }
}

fn current_thread() -> tokio::runtime::Builder {
    tokio::runtime::Builder::new_current_thread()
}

/// Runs a command on the runtime `builder` makes, and says how it ended before the runtime
/// is dropped: the drop waits for blocking tasks (a name lookup that hangs).
fn block_on(
    mut builder: tokio::runtime::Builder,
    command: impl std::future::Future<Output = Result<(), Failure>>,
) -> ExitCode {
    match builder.enable_all().build() {
        Ok(runtime) => exit(runtime.block_on(command)),
        Err(err) => fail(1, format!("could not start the async runtime: {err}")),
    }
}

fn exit(outcome: Result<(), Failure>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, message }) => fail(code, message),
    }
}

/// Why the command failed, and its exit code.
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// Bad arguments or configuration: exit 2.
    pub(crate) fn usage(message: impl std::fmt::Display) -> Failure {
        Failure {
            code: 2,
            message: message.to_string(),
        }
    }

    /// The command ran and failed: exit 1.
    pub(crate) fn failed(message: impl std::fmt::Display) -> Failure {
        Failure {
            code: 1,
            message: message.to_string(),
        }
    }
}

fn fail(code: u8, message: String) -> ExitCode {
    console::note(format_args!("ws-health: error: {message}"));
    ExitCode::from(code)
}

/// Logs to stderr; `RUST_LOG` overrides the level set by `-v`. A log line stderr cannot
/// take is dropped: its reader may have gone (`2>&1 | head -1`), and tracing-subscriber's
/// note about it would panic there (`eprint!`). `probe` prints its client's events on
/// stdout: without `-v`, the log lines of its client and of its connection's supervisor,
/// which say the same (a status change, how the connection ended), are left out.
fn init_logging(verbose: u8, probe: bool) {
    let level = match (verbose, probe) {
        // Not `ws_health::supervisor`: this binary's own module of that name logs the
        // custom actions it stands in for.
        (0, true) => {
            "warn,ws_health=info,ws_health::runtime::client=error,\
             ws_health::supervisor::driver=error"
        }
        (0, false) => "warn,ws_health=info",
        (1, _) => "info,ws_health=debug",
        _ => "debug,ws_health=trace",
    };
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .log_internal_errors(false);
    tracing_subscriber::registry()
        .with(filter(std::env::var("RUST_LOG").ok().as_deref(), level))
        .with(lines)
        .init();
}

/// The filter of `RUST_LOG`'s directives, or of `default` where it is unset or does not parse
/// (as `EnvFilter` reads it: `Targets` alone would take `warn, ws_health=debug` as naming a
/// target " ws_health"): targets and levels alone make a `Targets`, which does nothing as a span
/// is entered or left; span and field directives (`[span{field=value}]`) an `EnvFilter`, which
/// takes a lock and looks the span up at each entry and exit, twice a ping for every
/// connection's span (about 2 % of `serve`'s CPU per ping at 19,000 connections;
/// docs/performance.md).
fn filter(directives: Option<&str>, default: &str) -> Box<dyn Layer<Registry> + Send + Sync> {
    let directives = directives
        .filter(|d| !d.trim().is_empty() && EnvFilter::try_new(d).is_ok())
        .unwrap_or(default);
    match directives.parse::<Targets>() {
        Ok(targets) if !directives.contains(['[', '{']) => Box::new(targets),
        _ => Box::new(EnvFilter::new(directives)),
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::filter::LevelFilter;

    use super::filter;

    fn most(directives: Option<&str>) -> Option<LevelFilter> {
        filter(directives, "warn,ws_health=info").max_level_hint()
    }

    #[test]
    fn rust_log_sets_the_levels_and_falls_back_to_the_default() {
        assert_eq!(most(None), Some(LevelFilter::INFO));
        assert_eq!(most(Some(" ")), Some(LevelFilter::INFO));
        assert_eq!(most(Some("warn")), Some(LevelFilter::WARN));
        assert_eq!(most(Some("warn,ws_health=debug")), Some(LevelFilter::DEBUG));
        // Does not parse: the default, as before.
        assert_eq!(most(Some("ws_health=loud")), Some(LevelFilter::INFO));
        // A span directive needs EnvFilter, and gets it.
        let span = Some("warn,[ws_health.connection{id=7}]=trace");
        assert_eq!(most(span), Some(LevelFilter::TRACE));
        assert_eq!(most(Some("[unclosed=trace")), Some(LevelFilter::INFO));
    }

    /// Whether the library's info events pass `directives`.
    fn library_info_shown(directives: &str) -> bool {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber =
            tracing_subscriber::registry().with(filter(Some(directives), "warn,ws_health=info"));
        tracing::subscriber::with_default(
            subscriber,
            || tracing::enabled!(target: "ws_health::runtime", tracing::Level::INFO),
        )
    }

    /// `RUST_LOG` means what `EnvFilter` reads in it: a string it refuses leaves the default,
    /// where `Targets` would have read a target " ws_health" that matches nothing.
    #[test]
    fn rust_log_is_read_as_env_filter_reads_it() {
        assert!(library_info_shown("warn,ws_health=debug"));
        assert!(!library_info_shown("warn,ws_health=warn"));
        assert!(
            library_info_shown("warn, ws_health=warn"),
            "refused: the default"
        );
    }
}
