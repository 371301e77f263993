//! Runs the built `ws-health` binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_ws-health");

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
        let mut child = command()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the ws-health binary runs");
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .parse()
            .unwrap();
        Serve { child, addr }
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
    super::process::output_within(command, std::time::Duration::from_secs(30))
}

/// `ws-health` with none of the environment's `WS_HEALTH_*` variables.
pub fn command() -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("WS_HEALTH_") {
            command.env_remove(key);
        }
    }
    command
}
