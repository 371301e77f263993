//! A peer at the far end of a virtual cable: a network namespace joined to the test's own by
//! a veth pair. Pulling the cable sets the far end's link down, so that every packet is
//! dropped silently (no FIN, no RST, no ICMP), as when a host freezes, a cable is pulled or a
//! NAT forgets the connection; plugging it back sets the link up.
//!
//! Needs root and iproute2's `ip` and `tc` (`.ci/run` installs them). Where namespaces cannot
//! be made, [`Cable::lay`] returns `None` and the test passes without running (the reason goes
//! to stderr, shown with `--nocapture`); with `CI=true` it panics instead, so that CI never
//! skips these tests.

use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::process::Command;

use tokio_tungstenite::WebSocketStream;

/// What every cable's names start with, followed by the owning process's id in hex.
const NAMESPACE_PREFIX: &str = "wsh-";
const NEAR_PREFIX: &str = "wshn";

pub struct Cable {
    namespace: String,
    near_link: String,
    far_link: String,
    /// What `lay` made, for `Drop` to remove: the namespace, the veth pair.
    made: (bool, bool),
    /// This end's address, in the test's namespace.
    pub near: Ipv4Addr,
    /// The far end's address, in the namespace.
    pub far: Ipv4Addr,
}

impl Cable {
    /// Lays a cable of its own for test `index` (1–50): names from the process id and the
    /// index, and a /30 subnet from both, so that test binaries running at once do not
    /// collide. Cables left by processes that died without cleaning up are removed first.
    pub fn lay(index: u8) -> Option<Cable> {
        assert!(
            (1..=50).contains(&index),
            "cable index {index} is not in 1–50"
        );
        remove_stale();
        let pid = std::process::id();
        let subnet = ((pid >> 6) & 0xff) as u8;
        let host = ((pid & 63) << 2) as u8;
        let mut cable = Cable {
            namespace: format!("{NAMESPACE_PREFIX}{pid:x}-{index:02x}"),
            near_link: format!("{NEAR_PREFIX}{pid:x}{index:02x}"),
            far_link: format!("wshf{pid:x}{index:02x}"),
            made: (false, false),
            near: Ipv4Addr::new(10, 200 + index, subnet, host + 1),
            far: Ipv4Addr::new(10, 200 + index, subnet, host + 2),
        };
        if let Err(why) = cable.build() {
            drop(cable); // removes what it made, and only that
            skip(&format!(
                "cannot lay a virtual cable (needs root and `ip`): {why}"
            ));
            return None;
        }
        Some(cable)
    }

    fn build(&mut self) -> Result<(), String> {
        let (ns, near, far) = (&self.namespace, &self.near_link, &self.far_link);
        ip(&["netns", "add", ns])?;
        self.made.0 = true;
        ip(&[
            "link", "add", near, "type", "veth", "peer", "name", far, "netns", ns,
        ])?;
        self.made.1 = true;
        ip(&["addr", "add", &format!("{}/30", self.near), "dev", near])?;
        ip(&["link", "set", near, "up"])?;
        ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &format!("{}/30", self.far),
            "dev",
            far,
        ])?;
        ip(&["-n", ns, "link", "set", far, "up"])?;
        ip(&["-n", ns, "link", "set", "lo", "up"])
    }

    /// A listener at the far end, on a port of its own.
    pub fn listen_at_far_end(&self) -> tokio::net::TcpListener {
        let listener = self
            .at_far_end(|| std::net::TcpListener::bind((self.far, 0)))
            .expect("bind at the far end");
        listener.set_nonblocking(true).unwrap();
        tokio::net::TcpListener::from_std(listener).unwrap()
    }

    /// A listener at the far end on `port`, as a server restarted on its own port binds it
    /// again (std sets `SO_REUSEADDR`, so the old connections' `TIME_WAIT` does not stop it).
    pub fn listen_at_far_end_on(&self, port: u16) -> std::io::Result<tokio::net::TcpListener> {
        let listener = self.at_far_end(|| std::net::TcpListener::bind((self.far, port)))?;
        listener.set_nonblocking(true)?;
        tokio::net::TcpListener::from_std(listener)
    }

    /// A tokio-tungstenite client at the far end, connected to `addr`, which answers pings as
    /// it is read.
    pub async fn websocket_from_far_end(
        &self,
        addr: SocketAddr,
    ) -> WebSocketStream<tokio::net::TcpStream> {
        let tcp = self
            .at_far_end(|| std::net::TcpStream::connect(addr))
            .expect("connect from the far end");
        tcp.set_nonblocking(true).unwrap();
        let tcp = tokio::net::TcpStream::from_std(tcp).unwrap();
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp)
            .await
            .expect("the far end's handshake");
        ws
    }

    /// The far end's network namespace, for `ip netns exec`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Runs `f` on a thread inside the far namespace: sockets it makes stay there.
    pub fn at_far_end<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = format!("/var/run/netns/{}", self.namespace);
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let ns = std::fs::File::open(&path).expect("open the namespace");
                    // SAFETY: setns on this thread only, with a namespace file we hold open.
                    let entered = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
                    assert_eq!(entered, 0, "setns: {}", std::io::Error::last_os_error());
                    f()
                })
                .join()
                .expect("the thread in the far namespace")
        })
    }

    /// Pulls the cable: from now on every packet to or from the far end is dropped.
    pub fn pull(&self) {
        ip(&["-n", &self.namespace, "link", "set", &self.far_link, "down"]).expect("pull");
    }

    /// The cable, narrowed from this end to the far one to `kbit` kilobits per second (a
    /// token bucket: what does not fit waits in a queue of 100 ms, beyond that TCP backs
    /// off). `None`, as from [`lay`](Self::lay), where `tc` or the kernel's token bucket is
    /// missing.
    pub fn narrowed(self, kbit: u32) -> Option<Cable> {
        let rate = format!("{kbit}kbit");
        let args = [
            "qdisc",
            "replace",
            "dev",
            &self.near_link,
            "root",
            "tbf",
            "rate",
            &rate,
            "burst",
            "16kbit",
            "latency",
            "100ms",
        ];
        match tc(&args) {
            Ok(()) => Some(self),
            Err(why) => {
                skip(&format!("cannot narrow a virtual cable: {why}"));
                None
            }
        }
    }

    /// Plugs the cable back in.
    pub fn plug(&self) {
        ip(&["-n", &self.namespace, "link", "set", &self.far_link, "up"]).expect("plug");
    }
}

impl Drop for Cable {
    /// Deletes this end of the veth pair first, which deletes both at once: sockets left
    /// retrying through a pulled cable would otherwise keep the namespace, and the pair with
    /// its route, alive for minutes after the namespace is deleted.
    fn drop(&mut self) {
        if self.made.1 {
            let _ = ip(&["link", "del", &self.near_link]);
        }
        if self.made.0 {
            let _ = ip(&["netns", "del", &self.namespace]);
        }
    }
}

/// A test that cannot have its cable passes without running, except in CI, where it fails.
fn skip(message: &str) -> bool {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    eprintln!("skipped: {message}");
    false
}

/// Removes the namespaces and links of processes that are gone (a test run killed before
/// its `Drop` ran).
fn remove_stale() {
    let dead = |pid_hex: &str| {
        let pid = u32::from_str_radix(pid_hex, 16);
        pid.is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
    };
    let listed = |args: &[&str]| {
        Command::new("ip")
            .args(args)
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .unwrap_or_default()
    };
    for line in listed(&["-o", "link", "show"]).lines() {
        // "7: wshn1a2b01@if6: <...>": the name, its pid, and the two hex digits of the index.
        let name = line.split(": ").nth(1).and_then(|n| n.split('@').next());
        let Some(name) = name.filter(|n| n.starts_with(NEAR_PREFIX)) else {
            continue;
        };
        let tag = &name[NEAR_PREFIX.len()..];
        if tag.len() > 2 && dead(&tag[..tag.len() - 2]) {
            let _ = ip(&["link", "del", name]);
        }
    }
    for line in listed(&["netns", "list"]).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let pid = name
            .strip_prefix(NAMESPACE_PREFIX)
            .and_then(|t| t.split('-').next());
        if pid.is_some_and(dead) {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    run("ip", args)
}

fn tc(args: &[&str]) -> Result<(), String> {
    run("tc", args)
}

fn run(tool: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .map_err(|e| format!("`{tool}`: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{tool} {}`: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}
