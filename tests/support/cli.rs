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
        let mut child = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env_remove("WS_HEALTH_CONFIG")
            .env_remove("WS_HEALTH_PROFILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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

/// Runs `ws-health` with `args` to completion.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("WS_HEALTH_CONFIG")
        .env_remove("WS_HEALTH_PROFILE")
        .stdin(Stdio::null())
        .output()
        .expect("the ws-health binary runs")
}
