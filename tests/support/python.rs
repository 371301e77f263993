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

/// The venv's python, with `websockets` installed. Made once: by whichever test process
/// gets there first, in a directory of its own moved into place when complete, so that
/// test binaries running at once never see half a venv.
fn python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON.get_or_init(make_venv).clone()
}

fn make_venv() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-websockets-15.0.1");
    let python = root.join("bin").join("python");
    if python.exists() {
        return python;
    }
    let building = root.with_extension(format!("building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let steps: [(&str, Vec<&std::ffi::OsStr>); 2] = [
        (
            "python3",
            vec!["-m".as_ref(), "venv".as_ref(), building.as_os_str()],
        ),
        (
            "pip",
            vec![
                "-m".as_ref(),
                "pip".as_ref(),
                "install".as_ref(),
                "-q".as_ref(),
                WEBSOCKETS.as_ref(),
            ],
        ),
    ];
    for (step, args) in steps {
        let program = match step {
            "python3" => PathBuf::from("python3"),
            _ => building.join("bin").join("python"),
        };
        let mut command = Command::new(program);
        command.args(args);
        let output = super::process::output_within(command, Duration::from_secs(300));
        assert!(
            output.status.success(),
            "making a venv with {WEBSOCKETS} for the interop tests ({step}) failed; they need \
             python3 with venv and pip, and PyPI: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Another process may have won: its venv is as good as ours.
    if std::fs::rename(&building, &root).is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    assert!(python.exists(), "no python at {}", python.display());
    python
}

/// `python_peer.py` running: its events, in order. Killed when dropped.
pub struct Peer {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Peer {
    /// Starts `python_peer.py` with `args`.
    pub fn start(args: &[&str]) -> Peer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/python_peer.py");
        let mut child = tokio::process::Command::new(python())
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python_peer.py did not start");
        let stdout = child.stdout.take().unwrap();
        Peer {
            child,
            lines: BufReader::new(stdout).lines(),
        }
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
