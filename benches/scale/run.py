#!/usr/bin/env python3
"""The scale benchmark's runner: builds the Rust servers and the load generator (release),
installs the Python and Node peers into target/bench-peers/, then for each server:

1. starts it and measures its baseline RSS;
2. opens --conns connections from --loadgens load-generator processes (source addresses
   127.0.0.2.. so that ephemeral ports never run out);
3. after a warm-up, measures over a steady window: the server's RSS (VmRSS) and CPU seconds
   per second (utime+stime), and on the load-generator side every ping's arrival (rate and
   period);
4. optionally freezes --freeze connections (they stop answering pings) and records when and
   how each is closed, and every close of a connection that was not frozen (a false close).

It prints one table of absolute figures and one of ratios against the hand-written loop, and
writes everything to --json. Every step is bounded in time; traffic stays on loopback.

Example (see docs/performance.md for the commands behind the published figures):

    python3 benches/scale/run.py --conns 2000 --interval 1 --window 10
"""

import argparse
import json
import os
import resource
import queue
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PEERS = ROOT / "target" / "bench-peers"
LOGS = PEERS / "logs"  # each child's stderr
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
WEBSOCKETS_VERSION = "15.0.1"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def raise_nofile():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------- building and installing


def build_rust():
    """Builds the bench targets in the bench profile; returns {target name: executable}."""
    cmd = ["cargo", "bench", "--no-run", "--message-format=json-render-diagnostics"]
    for name in ("server_ws_health", "server_handwritten", "server_shared_timer", "server_floor",
                 "server_keeper",
                 "loadgen"):
        cmd += ["--bench", name]
    log("$", " ".join(cmd))
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True, timeout=1800)
    cli = ["cargo", "build", "--release", "--bin", "ws-health", "--message-format=json-render-diagnostics"]
    log("$", " ".join(cli))
    out.stdout += subprocess.run(cli, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True,
                                 timeout=1800).stdout
    exes = {}
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            exes[msg["target"]["name"]] = msg["executable"]
    return exes


def install_python():
    venv = PEERS / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    have = subprocess.run([str(python), "-c", "import websockets; print(websockets.__version__)"],
                          capture_output=True, text=True)
    if have.stdout.strip() != WEBSOCKETS_VERSION:
        log(f"installing websockets=={WEBSOCKETS_VERSION} into {venv}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"websockets=={WEBSOCKETS_VERSION}"],
                       check=True, timeout=600)
    return str(python)


def install_node():
    scratch = PEERS / "node"
    scratch.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "node_server.js"):
        shutil.copy(HERE / "peers" / name, scratch / name)
    if not (scratch / "node_modules" / "ws").exists():
        log(f"installing ws with npm into {scratch}")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=scratch,
                       check=True, timeout=600)
    return str(scratch / "node_server.js")


# ---------------------------------------------------------------- processes


class Proc:
    """A child speaking lines: commands on stdin, answers on stdout (read by a thread)."""

    def __init__(self, cmd, name):
        self.name = name
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = open(LOGS / f"{name}.log", "w")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1, stderr=self.log, preexec_fn=raise_nofile)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def line(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.name}: no answer within {timeout}s") from None
        if line is None:
            raise RuntimeError(f"{self.name}: exited ({self.p.poll()})")
        return line

    def event(self, timeout):
        while True:
            line = self.line(timeout)
            if line.startswith("{"):
                return json.loads(line)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def stop(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.p.terminate()  # ws-health serve stops on SIGTERM, not on end of input
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_times(pid):
    """(user, system) CPU seconds of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK  # utime, stime


def cpu_secs(pid):
    return sum(cpu_times(pid))


PERF_EVENTS = ["raw_syscalls:sys_enter", "syscalls:sys_enter_sendto", "syscalls:sys_enter_write",
               "syscalls:sys_enter_recvfrom", "syscalls:sys_enter_read", "syscalls:sys_enter_epoll_wait",
               "syscalls:sys_enter_futex", "context-switches"]


def read_perf_stat(path):
    """Event counts from `perf stat -x ,` output: {event: count}."""
    counts = {}
    for line in path.read_text().splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[0].strip().isdigit():
            counts[fields[2]] = int(fields[0])
    return counts


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------- one measurement


def server_command(name, exes, peers, args):
    interval_ms = int(args.interval * 1000)
    timeout_ms = int(args.timeout * 1000)
    common = ["--interval-ms", str(interval_ms), "--timeout-ms", str(timeout_ms),
              "--max-secs", str(args.max_secs)]
    # serve takes configuration after a colon, `+` between keys, values in TOML:
    # serve:ping.slack="0ms"+server.workers=2
    name, _, overrides = name.partition(":")
    if overrides and not name.startswith("serve"):
        raise SystemExit(f"{name}:{overrides}: only serve takes configuration")
    # A Rust server named with the suffix @1t runs on tokio's current-thread runtime.
    name, one_thread = (name[:-3], True) if name.endswith("@1t") else (name, False)
    if one_thread and name not in ("serve", "ws-health", "ws-health-awake", "handwritten", "shared-timer",
                                          "keeper"):
        raise SystemExit(f"{name}@1t: only the tokio servers take @1t")
    rust = (["--box-handshake"] if args.box_handshake else []) + \
        (["--current-thread"] if one_thread else [])
    if name == "serve":
        config = PEERS / f"ws-health-serve-{abs(hash(overrides))}.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        # The defaults, except: room for every connection, the benchmark's timings, the same
        # bounded close handshake as the other servers, and the name's own keys.
        tables = {"server": {"max_connections": "20000"},
                  "ping": {"interval": f'"{interval_ms}ms"', "timeout": f'"{timeout_ms}ms"'},
                  "policy": {"close_timeout": '"1s"'}}
        for pair in filter(None, overrides.split("+")):
            key, _, value = pair.partition("=")
            table, _, key = key.partition(".")
            tables.setdefault(table, {})[key] = value
        config.write_text("".join(
            f"[{table}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())
            for table, keys in tables.items()))
        threads = ["--threads", "1"] if one_thread else []
        return [exes["ws-health"], "serve", "--bind", "127.0.0.1:0", "--config", str(config)] + threads
    if name == "ws-health":
        return [exes["server_ws_health"], "--serve"] + common + rust
    if name == "ws-health-awake":
        return [exes["server_ws_health"], "--serve", "--awake"] + common + rust
    if name == "handwritten":
        return [exes["server_handwritten"], "--serve"] + common + rust
    if name == "shared-timer":
        return [exes["server_shared_timer"], "--serve"] + common + rust
    if name == "floor":
        return [exes["server_floor"], "--serve"] + common
    if name == "keeper":
        return [exes["server_keeper"], "--serve"] + common + rust
    if name == "python":
        return [peers["python"], str(HERE / "peers" / "python_server.py")] + common
    if name == "node":
        return ["node", peers["node"]] + common
    raise SystemExit(f"unknown server {name}")


def measure(name, exes, peers, args):
    log(f"== {name}: {args.conns} connections, interval {args.interval}s, timeout {args.timeout}s")
    result = {"server": name, "load_before": loadavg()}
    server = Proc(server_command(name, exes, peers, args), name)
    gens = []
    try:
        first = server.line(60)
        if first.startswith("LISTENING"):
            port = int(first.split()[1])
        elif first.startswith("listening on "):  # ws-health serve
            port = int(first.rsplit(":", 1)[1])
        else:
            raise RuntimeError(f"{name}: unexpected first line {first!r}")
        time.sleep(1)
        pid = server.p.pid
        result["rss_base_kib"] = rss_kib(pid)

        per = [args.conns // args.loadgens + (1 if i < args.conns % args.loadgens else 0)
               for i in range(args.loadgens)]
        t0 = time.monotonic()
        for i, n in enumerate(per):
            cmd = [exes["loadgen"], "--run", "--server", f"127.0.0.1:{port}", "--conns", str(n),
                   "--first-source", str(2 + i * args.sources), "--sources", str(args.sources),
                   "--pong-delay-ms", str(args.pong_delay_ms), "--max-secs", str(args.max_secs)]
            gens.append(Proc(cmd, f"loadgen{i}"))
        connected = [g.event(args.connect_timeout) for g in gens]
        result["connected"] = sum(c["ok"] for c in connected)
        result["connect_failed"] = sum(c["failed"] for c in connected)
        result["connect_errors"] = [c["first_error"] for c in connected if c["first_error"]]
        result["connect_secs"] = time.monotonic() - t0
        log(f"   connected {result['connected']} (failed {result['connect_failed']}) "
            f"in {result['connect_secs']:.1f}s; warming up {args.warmup}s")
        time.sleep(args.warmup)

        (user0, sys0), gen_cpu0, w0 = cpu_times(pid), sum(cpu_secs(g.p.pid) for g in gens), time.monotonic()
        for g in gens:
            g.send("window_start")
        perf = None
        if args.perf:
            args.perf.mkdir(parents=True, exist_ok=True)
            perf = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(pid), "-o",
                                     str(args.perf / f"{name}.perf.data"), "--", "sleep",
                                     str(args.window)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        stat = None
        if args.syscalls:
            stat_file = LOGS / f"{name}.perf-stat.txt"
            stat = subprocess.Popen(["perf", "stat", "-x", ",", "-o", str(stat_file), "-e",
                                     ",".join(PERF_EVENTS), "-p", str(pid), "--", "sleep",
                                     str(args.window)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        samples = []
        while time.monotonic() - w0 < args.window:
            samples.append(rss_kib(pid))
            time.sleep(min(1.0, max(0.0, args.window - (time.monotonic() - w0))))
        for g in gens:
            g.send("window_end")
        (user1, sys1), gen_cpu1, w1 = cpu_times(pid), sum(cpu_secs(g.p.pid) for g in gens), time.monotonic()
        samples.append(rss_kib(pid))
        if perf:
            perf.wait(timeout=args.window + 30)
        if stat:
            stat.wait(timeout=args.window + 30)
            result["events"] = read_perf_stat(stat_file)
        for g in gens:
            g.event(10), g.event(10)  # the two acks
        result["window_secs"] = w1 - w0
        result["rss_kib"] = sum(samples) / len(samples)
        result["rss_max_kib"] = max(samples)
        result["cpu_per_sec"] = (user1 - user0 + sys1 - sys0) / (w1 - w0)
        result["sys_share"] = (sys1 - sys0) / max(1e-9, user1 - user0 + sys1 - sys0)
        result["loadgen_cpu_per_sec"] = (gen_cpu1 - gen_cpu0) / (w1 - w0)

        if args.freeze:
            split = [args.freeze // args.loadgens + (1 if i < args.freeze % args.loadgens else 0)
                     for i in range(args.loadgens)]
            for g, n in zip(gens, split):
                g.send(f"freeze {n}")
            for g in gens:
                g.event(10)
            wait = args.interval * 2 + args.timeout + 2
            log(f"   froze {args.freeze}; waiting {wait:.1f}s for detection")
            time.sleep(wait)
        reports = []
        for g in gens:
            g.send("report")
            reports.append(g.event(30))
        result["load_after"] = loadavg()
        summarize(result, reports, args)
    finally:
        for g in gens:
            g.stop()
        server.stop()
    return result


def summarize(result, reports, args):
    interval_ms = args.interval * 1000
    hist, pings, periods, period_sum, period_max, secs = {}, 0, 0, 0, 0, 0.0
    closes = []
    for r in reports:
        w = r["window"] or {}
        pings += w.get("pings", 0)
        periods += w.get("periods", 0)
        period_sum += w.get("period_sum_us", 0)
        period_max = max(period_max, w.get("period_max_us", 0))
        secs = max(secs, w.get("secs", 0.0))
        for k, v in w.get("period_hist_ms", {}).items():
            hist[int(k)] = hist.get(int(k), 0) + v
        closes += r["closes"]

    def quantile(q):
        target, seen = q * periods, 0
        for k in sorted(hist):
            seen += hist[k]
            if seen >= target:
                return k
        return None

    late_ms = interval_ms * 1.05
    n = result["connected"]
    result["pings"] = pings
    result["pings_per_sec"] = pings / secs if secs else 0.0
    result["expected_pings_per_sec"] = n / args.interval
    result["period_mean_ms"] = period_sum / periods / 1000 if periods else None
    result["period_p99_ms"] = quantile(0.99)
    result["period_max_ms"] = period_max / 1000
    result["late_pings"] = sum(v for k, v in hist.items() if k >= late_ms)
    result["rss_per_conn_kib"] = (result["rss_kib"] - result["rss_base_kib"]) / n if n else None
    if result["rss_per_conn_kib"] is not None:
        result["rss_100k_gib"] = (result["rss_base_kib"] + result["rss_per_conn_kib"] * 100_000) / 2**20
    pps = result["pings_per_sec"]
    result["cpu_per_ping_us"] = result["cpu_per_sec"] / pps * 1e6 if pps else None
    frozen = [c for c in closes if c["frozen"]]
    result["false_closes"] = [c for c in closes if not c["frozen"]]
    result["frozen_closed"] = len(frozen)
    result["frozen_codes"] = sorted({c["code"] for c in frozen})
    if frozen:
        det = sorted(c["since_freeze_ms"] for c in frozen)
        unans = sorted(c["since_unanswered_ping_ms"] for c in frozen if c["since_unanswered_ping_ms"] is not None)
        result["detect_ms"] = {"min": det[0], "mean": sum(det) / len(det), "max": det[-1]}
        if unans:
            result["after_unanswered_ping_ms"] = {"min": unans[0], "max": unans[-1]}
        lo, hi = args.timeout * 1000, (args.interval + args.timeout) * 1000 + 50
        result["detect_in_bounds"] = sum(1 for d in det if lo <= d <= hi)
    result["still_open"] = sum(r["open"] for r in reports)


# ---------------------------------------------------------------- output


def rounds_table(rounds):
    """Each server's CPU per ping and RSS per connection in every round, and their ratios to
    the hand-written loop's in the same round, with the median of those ratios."""
    rows = ["| server | CPU/ping µs, by round | ÷ hand-written, by round | median | "
            "RSS/conn KiB, by round | ÷ hand-written, median |", "|---|---|---|---|---|---|"]
    for i, name in enumerate(r["server"] for r in rounds[0]):
        cpu, rss, cpu_ratio, rss_ratio = [], [], [], []
        for results in rounds:
            r = results[i]
            base = next((b for b in results if b["server"] == "handwritten"), None)
            cpu.append(r["cpu_per_ping_us"])
            rss.append(r["rss_per_conn_kib"])
            ok = lambda key: base and r[key] and base[key]
            cpu_ratio.append(r["cpu_per_ping_us"] / base["cpu_per_ping_us"] if ok("cpu_per_ping_us") else None)
            rss_ratio.append(r["rss_per_conn_kib"] / base["rss_per_conn_kib"] if ok("rss_per_conn_kib") else None)
        by_round = " / ".join(fmt(v, ".2f") + "×" if v is not None else "—" for v in cpu_ratio)
        cpu_ratio = [v for v in cpu_ratio if v is not None]
        rss_ratio = [v for v in rss_ratio if v is not None]
        rows.append(
            f"| {name} | {' / '.join(fmt(v) for v in cpu)} "
            f"| {by_round} "
            f"| {f'{statistics.median(cpu_ratio):.2f}×' if cpu_ratio else '—'} "
            f"| {' / '.join(fmt(v, '.2f') for v in rss)} "
            f"| {f'{statistics.median(rss_ratio):.2f}×' if rss_ratio else '—'} |")
    return "\n".join(rows)


def fmt(v, spec=".1f"):
    return "—" if v is None else format(v, spec)


def table(results, args):
    rows = ["| server | conns | RSS base MiB | RSS/conn KiB | 100k proj. GiB | CPU s/s | pings/s (expected) "
            "| CPU/ping µs | kernel share | period mean ms | p99 ms | max ms | late | false closes |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(
            f"| {r['server']} | {r['connected']} | {r['rss_base_kib'] / 1024:.1f} "
            f"| {fmt(r['rss_per_conn_kib'], '.2f')} | {fmt(r.get('rss_100k_gib'), '.2f')} "
            f"| {r['cpu_per_sec']:.3f} | {r['pings_per_sec']:.0f} ({r['expected_pings_per_sec']:.0f}) "
            f"| {fmt(r['cpu_per_ping_us'])} | {r['sys_share']:.0%} | {fmt(r['period_mean_ms'], '.1f')} | {fmt(r['period_p99_ms'], 'd')} "
            f"| {r['period_max_ms']:.1f} | {r['late_pings']} | {len(r['false_closes'])} |")
    if args.freeze:
        rows += ["", "| server | frozen | closed | codes | detect min/mean/max ms (from freeze) "
                 "| after unanswered ping min/max ms | in [timeout, interval+timeout]+50ms |",
                 "|---|---|---|---|---|---|---|"]
        for r in results:
            d, u = r.get("detect_ms"), r.get("after_unanswered_ping_ms")
            rows.append(
                f"| {r['server']} | {args.freeze} | {r['frozen_closed']} | {r['frozen_codes']} "
                f"| {fmt(d and d['min'], '.0f')} / {fmt(d and d['mean'], '.0f')} / {fmt(d and d['max'], '.0f')} "
                f"| {fmt(u and u['min'], '.0f')} / {fmt(u and u['max'], '.0f')} "
                f"| {r.get('detect_in_bounds', 0)}/{args.freeze} |")
    if args.syscalls:
        events = PERF_EVENTS
        rows += ["", "| server | " + " | ".join(e.split(":")[-1].replace("sys_enter_", "") + "/ping"
                                                for e in events) + " |",
                 "|---|" + "---|" * len(events)]
        for r in results:
            ev, pings = r.get("events", {}), r["pings"] or 1
            rows.append(f"| {r['server']} | " + " | ".join(
                fmt(ev[e] / pings, ".2f") if e in ev else "—" for e in events) + " |")
    base = next((r for r in results if r["server"] == "handwritten"), None)
    if base:
        rows += ["", "| server | RSS/conn ÷ hand-written | CPU/ping ÷ hand-written |", "|---|---|---|"]
        for r in results:
            def ratio(key):
                a, b = r.get(key), base.get(key)
                return f"{a / b:.2f}×" if a is not None and b else "—"
            rows.append(f"| {r['server']} | {ratio('rss_per_conn_kib')} | {ratio('cpu_per_ping_us')} |")
    rows += ["", "load-generator CPU s/s: " + "; ".join(f"{r['server']} {r['loadgen_cpu_per_sec']:.2f}" for r in results)]
    rows += ["", "load average (1/5/15 min) before → after: "
             + "; ".join(f"{r['server']} {r['load_before']} → {r['load_after']}" for r in results)]
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", default="serve,ws-health,handwritten,python,node",
                    help="comma-separated: serve (the `ws-health serve` command: supervisor, hub, "
                    "server runtime), ws-health (benches/scale/server_ws_health.rs: the supervisor "
                    "alone), handwritten, python, node; and, only when named, ws-health-awake (the same "
                    "with socket.sleep_when_idle off), shared-timer "
                    "(benches/scale/server_shared_timer.rs: the hand-written loop with one timer for "
                    "all connections), floor (benches/scale/server_floor.rs: epoll without a "
                    "runtime or WebSocket library, the kernel's share of a ping) and keeper "
                    "(benches/scale/server_keeper.rs: the floor's design on tokio, one task for "
                    "every connection). "
                    "A Rust server's name with the suffix @1t (e.g. ws-health@1t, serve@1t) runs it on "
                    "tokio's current-thread runtime instead of a worker per core")
    ap.add_argument("--conns", type=int, default=2000)
    ap.add_argument("--interval", type=float, default=1.0, help="ping interval, seconds")
    ap.add_argument("--timeout", type=float, help="pong timeout, seconds (default: the interval)")
    ap.add_argument("--window", type=float, default=10.0, help="steady measurement window, seconds")
    ap.add_argument("--warmup", type=float, help="seconds between connecting and measuring "
                    "(default: two intervals, at least 3 s)")
    ap.add_argument("--freeze", type=int, default=0, help="connections that stop answering pings")
    ap.add_argument("--loadgens", type=int, default=2, help="load-generator processes")
    ap.add_argument("--sources", type=int, default=4, help="loopback source addresses per load generator")
    ap.add_argument("--pong-delay-ms", type=int, default=0)
    ap.add_argument("--box-handshake", action="store_true", help="the two Rust bench servers "
                    "box their handshake future (as ws-health serve does), so that its state "
                    "does not size every connection's task")
    ap.add_argument("--connect-timeout", type=float, default=180)
    ap.add_argument("--max-secs", type=int, default=900, help="every child exits after this")
    ap.add_argument("--perf", type=Path, help="record a CPU profile of each server over the "
                    "window into this folder (perf record -g; read with perf report -i)")
    ap.add_argument("--syscalls", action="store_true", help="count the server's syscalls and "
                    "context switches over the window (perf stat) and report them per ping")
    ap.add_argument("--rounds", type=int, default=1, help="run the servers in turn this many "
                    "times, interleaved, and report each round's ratios and their median: the "
                    "machine's speed drifts between runs, a ratio taken within one round does not")
    ap.add_argument("--json", type=Path, help="write every figure here (results: the first "
                    "round; rounds: every round)")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    args.timeout = args.timeout if args.timeout is not None else args.interval
    args.warmup = args.warmup if args.warmup is not None else max(3.0, 2 * args.interval)
    names = [s.strip() for s in args.servers.split(",") if s.strip()]
    raise_nofile()

    exes = build_rust()
    peers = {}
    if "python" in names:
        peers["python"] = install_python()
    if "node" in names:
        peers["node"] = install_node()
    rounds = []
    for k in range(args.rounds):
        if args.rounds > 1:
            log(f"== round {k + 1} of {args.rounds}")
        rounds.append([measure(name, exes, peers, args) for name in names])
    print(f"\n`{' '.join(['python3', 'benches/scale/run.py'] + sys.argv[1:])}`\n")
    for k, results in enumerate(rounds):
        if args.rounds > 1:
            print(f"\nRound {k + 1}:\n")
        print(table(results, args))
    if args.rounds > 1:
        print("\n" + rounds_table(rounds))
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                         "results": rounds[0], "rounds": rounds}, indent=1))


if __name__ == "__main__":
    main()
