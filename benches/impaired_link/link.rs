//! The delay lines between the two ends of the cable, and the iptables rules that feed them.

use super::cable;

/// The delay lines between the two ends, one at each end: iptables hands every packet that
/// arrives from the other end to its namespace's line. Delaying arrivals rather than departures
/// keeps the sender's kernel from seeing its packets still queued (it would cork its next small
/// writes behind them, as it does behind a netem qdisc on its own interface), as a long
/// path does. Dropped: the rules are deleted and the lines ended.
pub(crate) struct Link {
    /// Each rule's command, and the argument before which `-I` or `-D` goes.
    rules: Vec<(Vec<String>, usize)>,
    lines: Vec<std::process::Child>,
    pub(crate) loss: f64,
}

impl Link {
    pub(crate) fn new(
        cable: &cable::Cable,
        delay: f64,
        jitter: f64,
        loss: f64,
        reorder: bool,
    ) -> Link {
        let queue = (std::process::id() % 60000).to_string();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/impaired_link/delay_line.py"
        );
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let mut link = Link {
            rules: Vec::new(),
            lines: Vec::new(),
            loss,
        };
        let in_far_end = ["ip", "netns", "exec", cable.namespace()];
        for (exec, from) in [(&in_far_end[..0], cable.far), (&in_far_end[..], cable.near)] {
            let (delay, jitter, loss) = (delay.to_string(), jitter.to_string(), loss.to_string());
            let command: Vec<&str> = exec.iter().copied().chain([python.as_str()]).collect();
            let mut line = std::process::Command::new(command[0])
                .args(&command[1..])
                .args([script, &queue, &delay, &jitter, &loss])
                .arg(if reorder { "reorder" } else { "fifo" })
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("start a delay line");
            let mut ready = String::new();
            let mut out = std::io::BufReader::new(line.stdout.take().unwrap());
            std::io::BufRead::read_line(&mut out, &mut ready).unwrap();
            link.lines.push(line);
            assert_eq!(ready.trim(), "ready", "a delay line did not start");
            let from = format!("{from}/32");
            let rule = ["INPUT", "-s", &from, "-j", "NFQUEUE", "--queue-num", &queue];
            let rule: Vec<String> = exec
                .iter()
                .chain(&["iptables"])
                .chain(&rule)
                .map(|s| s.to_string())
                .collect();
            link.rules.push((rule, exec.len() + 1));
            let (rule, at) = link.rules.last().unwrap();
            assert!(iptables(rule, *at, "-I"), "{rule:?}");
        }
        link
    }

    /// Drops `percent` of the packets each way from now on (100: a blackhole).
    pub(crate) fn set_loss(&mut self, percent: f64) {
        use std::io::Write;
        for line in &mut self.lines {
            let stdin = line.stdin.as_mut().unwrap();
            writeln!(stdin, "loss {percent}").unwrap();
            stdin.flush().unwrap();
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        for (rule, at) in &self.rules {
            iptables(rule, *at, "-D");
        }
        for line in &mut self.lines {
            let _ = line.kill();
            let _ = line.wait();
        }
    }
}

/// Runs `rule` with `op` (`-I`, `-D`) inserted before its argument `at`.
fn iptables(rule: &[String], at: usize, op: &str) -> bool {
    std::process::Command::new(&rule[0])
        .args(&rule[1..at])
        .arg(op)
        .args(&rule[at..])
        .status()
        .is_ok_and(|s| s.success())
}
