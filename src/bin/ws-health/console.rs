//! What both commands share with the shell: a stdout its reader may close, and the signals
//! that stop them.

use std::fmt::Display;
use std::future::Future;
use std::io::{self, Write};
use std::pin::Pin;

/// Writes one line on stdout; an error once the reader has gone (`| head -1`): a closed
/// pipe must end the printing, not panic as `println!` does.
pub(crate) fn print(line: impl Display) -> io::Result<()> {
    writeln!(io::stdout().lock(), "{line}")
}

/// Writes one line on stderr, and nothing if it cannot: its reader may have gone with
/// stdout's (`2>&1 | head -1`), where `eprintln!` would panic.
pub(crate) fn note(line: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Ctrl-C, or SIGTERM on Unix. The handlers are installed when this is called, not when it
/// is first awaited: a script that signals as soon as it has read the address must never
/// meet the default, fatal one.
pub(crate) fn shutdown_signal() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            return Box::pin(async move {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            });
        }
    }
    Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
