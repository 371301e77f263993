//! Runs the built `ws-health` binary.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_ws-health");

/// How long a child may take to print its first line, or to exit when told to.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// `ws-health serve` on a free loopback port, killed on drop.
pub struct Serve {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Serve {
    pub fn start(extra: &[&str]) -> Serve {
        Serve::start_with_stderr(extra, Stdio::null())
    }

    /// As [`start`](Serve::start), its stderr going to `stderr` (a file: a pipe nobody
    /// reads would stall it).
    pub fn start_with_stderr(extra: &[&str], stderr: impl Into<Stdio>) -> Serve {
        let child = command()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the ws-health binary runs");
        // Killed on drop from here on, however the first line fails to come.
        let mut serve = Serve {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        let stdout = serve.child.stdout.take().unwrap();
        let (first, stdout) = super::process::line_within(stdout, PATIENCE, |_| true);
        serve.child.stdout = Some(stdout);
        serve.addr = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .parse()
            .unwrap();
        serve
    }

    /// Waits for the server to exit (after a signal); fails after `limit`, killing it.
    pub fn wait_within(&mut self, limit: Duration) -> ExitStatus {
        super::process::wait_within(&mut self.child, "ws-health serve", limit)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `ws-health` with `args` to completion; kills it and fails after 30 s (a `serve` that
/// should have refused its arguments would otherwise serve forever).
pub fn run(args: &[&str]) -> Output {
    let mut command = command();
    command.args(args);
    super::process::output_within(command, PATIENCE)
}

/// `ws-health`, as [`command_for`] runs it.
pub fn command() -> Command {
    command_for(BIN)
}

/// `program` with none of the environment's `WS_HEALTH_*` variables nor `RUST_LOG`; on
/// Linux, killed when the thread that spawns it ends (a test killed at a CI timeout leaves no
/// server behind).
pub fn command_for(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("WS_HEALTH_") {
            command.env_remove(key);
        }
    }
    // The log filter is the command's own (`-v`): tests read its stderr.
    command.env_remove("RUST_LOG");
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl(2) only, between fork and exec, as `python.rs` does.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    command
}
