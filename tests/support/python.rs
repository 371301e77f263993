//! Python `websockets` as a peer: a venv made on first use under the tests' target
//! directory (pip from PyPI), and `python_peer.py` run in it as a child process whose JSON
//! lines the test reads.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

/// The version the scale benchmark measures too.
const WEBSOCKETS: &str = "websockets==15.0.1";
/// The venv's directory under the tests' target directory.
const VENV: &str = "python-websockets-15.0.1";

/// The venv's python, with `websockets` installed; `Err` says why there is none. Made
/// once: by whichever test process gets there first, in a directory of its own moved into
/// place when complete, so that test binaries running at once never see half a venv.
fn python() -> Result<PathBuf, String> {
    static PYTHON: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    PYTHON.get_or_init(make_venv).clone()
}

fn make_venv() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(VENV);
    let python = root.join("bin").join("python");
    if usable(&python) {
        return Ok(python);
    }
    remove_abandoned(&root);
    // The name `remove_abandoned` looks for (`with_extension` would replace the ".1").
    let building = root.with_file_name(format!("{VENV}.building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let mut venv = Command::new("python3");
    venv.args(["-m", "venv"]).arg(&building);
    run("python3 -m venv", venv)?;
    let mut pip = Command::new(building.join("bin").join("python"));
    pip.args(["-m", "pip", "install", "-q", WEBSOCKETS]);
    run("pip install", pip)?;
    // One that does not work (made by another python3 since) gives way; one another process
    // has just made is as good as ours.
    if !usable(&python) {
        let _ = std::fs::remove_dir_all(&root);
    }
    if std::fs::rename(&building, &root).is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    match usable(&python) {
        true => Ok(python),
        false => Err(format!("{} cannot import {WEBSOCKETS}", python.display())),
    }
}

/// Removes the venvs that test processes killed while building them left behind: those
/// whose process is gone (Linux, where `/proc` tells).
fn remove_abandoned(root: &Path) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let (Some(dir), Some(name)) = (root.parent(), root.file_name()) else {
        return;
    };
    let prefix = format!("{}.building-", name.to_string_lossy());
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_string_lossy()
            .strip_prefix(&prefix)
            .map(str::to_owned)
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `python` runs and imports the version of `websockets` the tests want.
fn usable(python: &Path) -> bool {
    let check = "import websockets, sys; sys.exit(websockets.__version__ != '15.0.1')";
    Command::new(python)
        .args(["-c", check])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn run(step: &str, command: Command) -> Result<(), String> {
    let output = super::process::output_within(command, Duration::from_secs(300));
    match output.status.success() {
        true => Ok(()),
        false => Err(format!(
            "{step} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

/// `python_peer.py` running: its events, in order. Killed when dropped.
pub struct Peer {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Peer {
    /// Starts `python_peer.py` with `args`; `None` where Python `websockets` cannot be had
    /// (no python3 with venv, no PyPI): the test then passes without running, except with
    /// `CI=true`, where it fails.
    pub fn start(args: &[&str]) -> Option<Peer> {
        let python = match python() {
            Ok(python) => python,
            Err(why) => {
                let why = format!("no Python {WEBSOCKETS} for the interop tests: {why}");
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
                eprintln!("skipped: {why}");
                return None;
            }
        };
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/python_peer.py");
        let mut command = tokio::process::Command::new(python);
        command
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        // SAFETY: prctl(2) only, between fork and exec: the peer dies with the test process
        // (killed at a CI timeout while the peer is frozen, it would stay stopped for good).
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command.spawn().expect("python_peer.py did not start");
        let stdout = child.stdout.take().unwrap();
        Some(Peer {
            child,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// The next event, which must be `event`.
    pub async fn next(&mut self, event: &str) -> Value {
        let line = super::within(event, self.lines.next_line()).await;
        let line = line
            .unwrap()
            .unwrap_or_else(|| panic!("the peer ended before {event}"));
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["event"], event, "{line}");
        value
    }

    /// Freezes the process (`SIGSTOP`): a peer whose every byte waits, unread and
    /// unanswered, while its kernel still acknowledges TCP.
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Thaws a frozen process (`SIGCONT`).
    pub fn thaw(&self) {
        self.signal(libc::SIGCONT);
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = self.child.id().expect("the peer is running");
        // SAFETY: kill(2) on our own child, which `kill_on_drop` reaps only when dropped.
        let sent = unsafe { libc::kill(pid as libc::pid_t, signal) };
        assert_eq!(sent, 0, "kill({pid}, {signal})");
    }
}
