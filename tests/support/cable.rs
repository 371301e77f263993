//! A peer at the far end of a virtual cable: a network namespace joined to the test's own by
//! a veth pair. Pulling the cable sets the far end's link down, so that every packet is
//! dropped silently (no FIN, no RST, no ICMP), as when a host freezes, a cable is pulled or a
//! NAT forgets the connection; plugging it back sets the link up.
//!
//! Needs root and iproute2's `ip` and `tc` (`.ci/run` installs them). Where namespaces cannot be made,
//! [`Cable::lay`] returns `None` and the test passes without running (the reason goes to
//! stderr, shown with `--nocapture`); with `CI=true` it panics instead, so that CI never skips
//! these tests.

use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::process::Command;

pub struct Cable {
    namespace: String,
    near_link: String,
    far_link: String,
    /// This end's address, in the test's namespace.
    pub near: Ipv4Addr,
    /// The far end's address, in the namespace.
    pub far: Ipv4Addr,
}

impl Cable {
    /// Lays a cable of its own for test `index` (1–250): names and a /30 subnet made from the
    /// process id and the index, so that test binaries running at once do not collide.
    pub fn lay(index: u8) -> Option<Cable> {
        let pid = std::process::id();
        let tag = format!("{}{index}", pid % 100_000);
        let subnet = (pid % 64) as u8 * 4;
        let cable = Cable {
            namespace: format!("wsh-{tag}"),
            near_link: format!("wshn{tag}"),
            far_link: format!("wshf{tag}"),
            near: Ipv4Addr::new(10, 213, index, subnet + 1),
            far: Ipv4Addr::new(10, 213, index, subnet + 2),
        };
        let near_link = cable.near_link.clone();
        let steps: [&[&str]; 7] = [
            &["netns", "add", &cable.namespace],
            &[
                "link",
                "add",
                &near_link,
                "type",
                "veth",
                "peer",
                "name",
                &cable.far_link,
                "netns",
                &cable.namespace,
            ],
            &[
                "addr",
                "add",
                &format!("{}/30", cable.near),
                "dev",
                &near_link,
            ],
            &["link", "set", &near_link, "up"],
            &[
                "-n",
                &cable.namespace,
                "addr",
                "add",
                &format!("{}/30", cable.far),
                "dev",
                &cable.far_link,
            ],
            &["-n", &cable.namespace, "link", "set", &cable.far_link, "up"],
            &["-n", &cable.namespace, "link", "set", "lo", "up"],
        ];
        let failed = steps.into_iter().find_map(|step| ip(step).err());
        if let Some(why) = failed {
            drop(cable); // removes what was made
            let message = format!("cannot lay a virtual cable (needs root and `ip`): {why}");
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("skipped: {message}");
            return None;
        }
        Some(cable)
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

    /// Narrows the cable from this end to the far one to `kbit` kilobits per second (a token
    /// bucket: what does not fit waits in a queue of 100 ms, beyond that TCP backs off).
    pub fn limit_rate(&self, kbit: u32) {
        tc(&[
            "qdisc",
            "replace",
            "dev",
            &self.near_link,
            "root",
            "tbf",
            "rate",
            &format!("{kbit}kbit"),
            "burst",
            "16kbit",
            "latency",
            "100ms",
        ])
        .expect("limit the rate");
    }

    /// Plugs the cable back in.
    pub fn plug(&self) {
        ip(&["-n", &self.namespace, "link", "set", &self.far_link, "up"]).expect("plug");
    }
}

impl Drop for Cable {
    /// Deleting the namespace deletes the veth pair too.
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.namespace]);
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
