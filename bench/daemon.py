"""Benchmark ``watercooler run`` (the daemon) against Radicale holding 20,000 events.

Goals (issue 11), each printed with "met" or "missed":

* start to ``READY=1`` within 1 s, with the server answering and with it blackholed
  (``tests/faultserver.py``'s ``Fault.hang()``);
* a no-change poll costs the daemon at most 50 ms of CPU;
* idle, at the default ``poll_interval`` of 300 s, at most 1 CPU-second per hour;
* a tick after one changed event costs at most a tenth of a ``watercooler send-due``
  process on the same state;
* resident memory at most 120 MB after the full sync and after 1,000 cycles, and flat;
* a rule-file write reloads (its ``READY=1``) within 1 s;
* and, without a goal, how many bytes a day the database grows by history.

How:

* Radicale runs in its own process with the 20,000-event calendar of ``bench_caldav.py``
  (same storage folder, so its item cache survives between runs). The daemon runs as a
  real subprocess with a notify socket of this script's own (``tests/daemon_helpers.py``);
  READY is the datagram's arrival, timed from the spawn.
* CPU is the daemon process's own ``utime + stime`` (``/proc/PID/stat``, clock ticks of
  10 ms), read when the daemon's record in the state database (``daemon_status.polls``,
  written at the end of every step) says a step ended. A step's cost is the CPU between
  two step ends minus the idle rate times the wall time between them; the idle rate is
  measured over a window without a poll on a daemon at ``poll_interval = 300``.
* Idle CPU per hour = the idle rate times 3600, plus 12 times the no-change poll's cost.
* ``send-due`` runs after the daemon stopped, with one more event changed on the server,
  so it sees what the daemon's tick saw; its CPU is the child's rusage.
* The 1,000 cycles run in ``daemon_cycles.py``, its own process importing only watercooler,
  so its memory is the daemon's: the daemon's engine and loop on a ``SimulatedTimer``,
  against the same Radicale behind a ``FaultServer`` run by this script. A real full sync,
  then every no-change sync REPORT answered by the proxy with Radicale's own recorded
  no-change answer (1,000 real polls of 20,000 events would keep Radicale busy for over 20
  minutes), and every 100th cycle an event changed on Radicale and the poll proxied to it.
  The clock jumps from wake-up to wake-up (``poll_interval`` 1800 s, so 1,000 cycles span
  about three weeks), and the database's growth is taken from its used pages
  (``page_count - freelist_count``) at the first evaluation of each simulated day.

Usage::

    python bench/daemon.py --json /tmp/daemon-bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

_BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(_BENCH.parent / "tests"))  # the fault server, notify socket, receiver

from bench_caldav import (  # noqa: E402
    DEFAULT_WORKDIR,
    PASSWORD,
    USER,
    RawClient,
    bench_server,
    edit_event,
    parse_listing,
)
from daemon_helpers import DaemonProcess, NotifyListener  # noqa: E402
from delivery_helpers import social_rule  # noqa: E402
from faultserver import XML_TYPE, Fault, FaultServer, Reply  # noqa: E402
from measure import run_measured  # noqa: E402
from receiver import Receiver  # noqa: E402
from run import ME, ZONE_NAME, dataset  # noqa: E402

SIZE = 20000
READY_GOAL = 1.0
POLL_CPU_GOAL = 0.050
IDLE_GOAL = 1.0
"""CPU-seconds per hour at the default poll interval."""
TICK_GOAL = 0.10
RSS_GOAL_MB = 120.0
RSS_FLAT_MB = 10.0
""""Flat": the last sample at most this far above the first one after the sync."""
RELOAD_GOAL = 1.0
TICK = os.sysconf("SC_CLK_TCK")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Reading a process from outside


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int | str = "self") -> float:
    """VmRSS of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def record(database: Path) -> dict[str, Any]:
    """The daemon's record in its state database (empty before the first step's end)."""
    if not database.exists():
        return {}
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return {}
    try:
        rows = db.execute("SELECT name, value FROM daemon_status").fetchall()
    except sqlite3.Error:
        return {}
    finally:
        db.close()
    return {name: json.loads(value) for name, value in rows}


def polls_done(database: Path, started: str = "") -> int:
    """How many steps with a poll the daemon has finished (0 before any). A daemon's
    record counts from its start: with ``started``, an earlier daemon's record reads 0."""
    found = record(database)
    if started and found.get("started") == started:
        return 0
    return int(found.get("polls", 0))


def wait_polls(
    database: Path, count: int, timeout: float, daemon: DaemonProcess, earlier: str = ""
) -> float:
    """Wait until ``count`` polls are recorded; return the monotonic time it was seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if polls_done(database, earlier) >= count:
            return time.monotonic()
        if daemon.process.poll() is not None:
            raise RuntimeError(f"the daemon exited:\n{daemon.log[-3000:]}")
        time.sleep(0.02)
    raise RuntimeError(f"no {count} polls within {timeout} s:\n{daemon.log[-3000:]}")


# --------------------------------------------------------------------------
# The daemon's files


@dataclass
class Setup:
    """What every daemon of one run shares."""

    args: argparse.Namespace
    root: Path
    url: str
    password_file: Path
    receiver_port: int
    env: dict[str, str] = field(default_factory=dict)


def write_config(
    setup: Setup, name: str, *, url: str | None = None, interval: int = 5
) -> tuple[Path, Path]:
    """A config (and its folder with state and rules); return it and the database path."""
    folder = setup.root / name
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(
        f'timezone = "{ZONE_NAME}"\nme = {ME}\nstate_dir = "{folder / "state"}"\n'
        f'rules_dir = "{folder / "rules"}"\npoll_interval = {interval}\n'
        f'[notify]\nurls = ["json://127.0.0.1:{setup.receiver_port}/"]\ndesktop = false\n'
        f'[[sources]]\nurl = "{url or setup.url}"\nusername = "{USER}"\n'
        f'password_file = "{setup.password_file}"\ntimeout = 60\n',
        encoding="utf-8",
    )
    return config, folder / "state" / "watercooler.sqlite"


def daemon_env(root: Path) -> dict[str, str]:
    """PYTHONPATH on this tree, fresh XDG folders (the default rules only)."""
    env = {"PYTHONPATH": str(_BENCH.parent / "daemon")}
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = root / "xdg" / var.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    return env


def start(setup: Setup, config: Path, name: str) -> tuple[NotifyListener, DaemonProcess]:
    """Start a daemon talking to a fresh notify socket."""
    socket_path = setup.root / f"{name}.sock"
    socket_path.unlink(missing_ok=True)
    listener = NotifyListener(socket_path)
    daemon = DaemonProcess(config, setup.root, listener=listener, env=setup.env)
    return listener, daemon


def stop(listener: NotifyListener, daemon: DaemonProcess) -> float:
    """SIGTERM; return the seconds to exit."""
    try:
        _, seconds = daemon.stop(20)
    finally:
        daemon.close()
        listener.close()
    return round(seconds, 3)


# --------------------------------------------------------------------------
# The measurements on real daemons


def step_costs(
    pid: int, database: Path, daemon: DaemonProcess, count: int, timeout: float
) -> list[tuple[float, float]]:
    """(CPU, wall) between consecutive step ends, ``count`` of them."""
    costs = []
    seen = polls_done(database)
    cpu, at = cpu_seconds(pid), time.monotonic()
    for _ in range(count):
        seen += 1
        when = wait_polls(database, seen, timeout, daemon)
        now_cpu = cpu_seconds(pid)
        costs.append((now_cpu - cpu, when - at))
        cpu, at = now_cpu, when
    return costs


def change_event(raw: RawClient, setup: Setup, number: int) -> None:
    """Edit the calendar's first event on the server (a PUT)."""
    vdir: Path = setup.args.vdir
    target = sorted(vdir.glob("*.ics"))[0]
    edited = edit_event(target.read_bytes(), number)
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    status, answer = raw.request("PUT", setup.url + target.name, edited, headers)
    if status not in (201, 204):
        raise RuntimeError(f"PUT answered {status}: {answer[:200]!r}")


CHANGED_LINE = ": 1 changed, 0 deleted"
"""What the daemon logs when a poll brought one changed event."""


def changed_ticks(
    setup: Setup, raw: RawClient, pid: int, database: Path, daemon: DaemonProcess, repeat: int
) -> list[tuple[float, float]]:
    """Change one event; the cost of the step whose poll brought it (from the end of the
    step before it to its own end). The PUT runs in a thread: Radicale may take seconds to
    answer it, and a poll racing it may or may not see the change; the daemon's log says
    which step did."""
    costs = []
    for _ in range(repeat):
        ends = [(polls_done(database), cpu_seconds(pid), time.monotonic(), _changes(daemon))]
        put = threading.Thread(target=change_event, args=(raw, setup, setup.args.edits + 1))
        setup.args.edits += 1
        put.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            polls = polls_done(database)
            if polls != ends[-1][0]:
                ends.append((polls, cpu_seconds(pid), time.monotonic(), _changes(daemon)))
                if ends[-1][3] > ends[0][3]:
                    break
            time.sleep(0.01)
        else:
            raise RuntimeError("no poll brought the changed event within 120 s")
        put.join(60)
        (_, cpu0, at0, _), (_, cpu1, at1, _) = ends[-2], ends[-1]
        costs.append((cpu1 - cpu0, at1 - at0))
        wait_polls(database, polls_done(database) + 1, 60, daemon)
    return costs


def _changes(daemon: DaemonProcess) -> int:
    return daemon.log.count(CHANGED_LINE)


def reloads(
    listener: NotifyListener, rules: Path, daemon: DaemonProcess, repeat: int
) -> list[float]:
    """Write a rule file; the seconds until the reload's READY=1."""
    latencies = []
    for i in range(repeat):
        before = len(listener.with_field("READY", "1"))
        text = "rules:\n" + social_rule(f"bench-reload-{i}", title=f"Reload {i}: {{summary}}")
        written = time.monotonic()
        (rules / "bench.yaml").write_text(text, encoding="utf-8")
        ready = listener.wait_for("READY", "1", count=before + 1, timeout=30)[-1]
        latencies.append(round(ready.at - written, 3))
        if "degraded" in listener.last_status():
            raise RuntimeError(f"the rule file was refused: {listener.last_status()}")
        time.sleep(1.5)
    return latencies


def daemon_polling(setup: Setup, result: dict[str, Any]) -> Path:
    """The daemon at poll_interval 5 on a fresh state; return its config."""
    args = setup.args
    config, database = write_config(setup, "polling")
    listener, daemon = start(setup, config, "polling")
    raw = RawClient(setup.url.rsplit("/", 3)[0] + "/", USER, PASSWORD, 60)
    try:
        ready = listener.wait_for("READY", "1", timeout=60)[0]
        result["ready_s"] = round(ready.at - daemon.started, 3)
        pid = daemon.process.pid
        _log(f"  READY after {result['ready_s']} s; full sync ...")
        wait_polls(database, 1, args.timeout, daemon)
        result["full_sync_s"] = round(time.monotonic() - daemon.started, 2)
        result["rss_after_sync_mb"] = rss_mb(pid)
        result["cpu_full_sync_s"] = round(cpu_seconds(pid), 2)
        _log(f"  synced in {result['full_sync_s']} s, {result['rss_after_sync_mb']} MB")
        wait_polls(database, 2, 60, daemon)
        costs = step_costs(pid, database, daemon, args.polls, 60)
        result["no_change_steps"] = costs
        _log(f"  {args.polls} no-change polls: {costs}")
        ticks = changed_ticks(setup, raw, pid, database, daemon, args.repeat)
        result["changed_steps"] = ticks
        _log(f"  ticks after one change: {ticks}")
        result["reload_s"] = reloads(listener, config.parent / "rules", daemon, args.repeat)
        _log(f"  reloads: {result['reload_s']}")
        wait_polls(database, polls_done(database) + 2, 60, daemon)  # the reloads evaluated
        result["rss_end_mb"] = rss_mb(pid)
        result["polls"] = polls_done(database)
    finally:
        result["stop_s"] = stop(listener, daemon)
        raw.close()
    return config


def daemon_idle(setup: Setup, config: Path, result: dict[str, Any]) -> None:
    """The synced state at poll_interval 300: READY, then CPU over a window with no poll."""
    text = config.read_text(encoding="utf-8").replace("poll_interval = 5", "poll_interval = 300")
    config.write_text(text, encoding="utf-8")
    database = config.parent / "state" / "watercooler.sqlite"
    earlier = str(record(database).get("started", ""))
    listener, daemon = start(setup, config, "idle")
    try:
        ready = listener.wait_for("READY", "1", timeout=60)[0]
        result["ready_synced_s"] = round(ready.at - daemon.started, 3)
        wait_polls(database, 1, setup.args.timeout, daemon, earlier)
        result["first_step_s"] = round(time.monotonic() - daemon.started, 2)
        pid = daemon.process.pid
        time.sleep(2)
        cpu, at = cpu_seconds(pid), time.monotonic()
        time.sleep(setup.args.idle_window)
        if polls_done(database) != 1:
            raise RuntimeError("the idle daemon polled during the window")
        result["idle_cpu_s"] = round(cpu_seconds(pid) - cpu, 3)
        result["idle_window_s"] = round(time.monotonic() - at, 1)
        result["rss_idle_mb"] = rss_mb(pid)
    finally:
        stop(listener, daemon)


def send_due_cpu(setup: Setup, config: Path, result: dict[str, Any]) -> None:
    """One more event changed, then ``watercooler send-due`` on the same state."""
    raw = RawClient(setup.url.rsplit("/", 3)[0] + "/", USER, PASSWORD, 60)
    try:
        change_event(raw, setup, setup.args.edits + 1)
    finally:
        raw.close()
    setup.args.edits += 1
    command = Path(sys.executable).with_name("watercooler")
    env = {**os.environ, **setup.env}
    env.pop("NOTIFY_SOCKET", None)
    argv = [str(command), "send-due", "--config", str(config)]
    run = run_measured(argv, env=env, timeout=setup.args.timeout)
    if run["returncode"] not in (0, 1):
        raise RuntimeError(f"send-due failed: {run['stderr'][-2000:]}")
    result["send_due"] = {k: run[k] for k in ("wall_s", "user_s", "sys_s", "returncode")}


def daemon_blackholed(setup: Setup, result: dict[str, Any]) -> None:
    """READY, and the stop, while every request to the server hangs."""
    with FaultServer(upstream=setup.url.rsplit("/", 3)[0] + "/") as fault:
        fault.inject(Fault.hang())
        path = "/".join(setup.url.rsplit("/", 3)[1:])
        config, _ = write_config(setup, "blackholed", url=fault.url + path)
        listener, daemon = start(setup, config, "blackholed")
        try:
            ready = listener.wait_for("READY", "1", timeout=60)[0]
            result["ready_blackholed_s"] = round(ready.at - daemon.started, 3)
            deadline = time.monotonic() + 20
            while fault.count() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            result["blackholed_requests"] = fault.count()
            time.sleep(1)
        finally:
            result["stop_blackholed_s"] = stop(listener, daemon)
            fault.clear()


# --------------------------------------------------------------------------
# 1,000 cycles in-process on a simulated clock (its own process)


class CannedSync:
    """Radicale's own answer to a no-change sync REPORT, replayed by the fault server."""

    def __init__(self, fault: FaultServer, raw: RawClient, url: str) -> None:
        self.fault, self.raw, self.url = fault, raw, url
        status, body = raw.sync(url, None)
        if status != 207:
            raise RuntimeError(f"sync REPORT answered {status}")
        self.token, _ = parse_listing(body)

    def replay(self) -> None:
        """Answer every REPORT with the no-change answer for the current token."""
        status, body = self.raw.sync(self.url, self.token)
        reply = Reply(status, [XML_TYPE], body)
        self.fault.inject(Fault("reply", reply).only("REPORT"))

    def changed(self) -> None:
        """The calendar changed: proxy (the next poll sees it), and follow the token."""
        self.fault.clear()
        _, body = self.raw.sync(self.url, self.token)
        self.token, _ = parse_listing(body)


def daemon_cycles(setup: Setup, result: dict[str, Any]) -> None:
    """Run ``daemon_cycles.py`` against a fault server in front of the same Radicale, and
    do the server side of what it asks for."""
    base = setup.url.rsplit("/", 3)[0] + "/"
    path = "/" + "/".join(setup.url.rsplit("/", 3)[1:])
    raw = RawClient(base, USER, PASSWORD, 60)
    with FaultServer(upstream=base, timeout=600) as fault:  # a full listing takes long
        url = f"{fault.url.rstrip('/')}{path}"
        config, _ = write_config(setup, "cycles", url=url, interval=setup.args.cycle_interval)
        zone = ZoneInfo(ZONE_NAME)
        start_at = datetime.combine(setup.args.cycles_from, datetime.min.time(), zone)
        start_at += timedelta(hours=9)
        argv = [sys.executable, str(_BENCH / "daemon_cycles.py"), "--config", str(config)]
        argv += ["--start", start_at.isoformat(), "--cycles", str(setup.args.cycles)]
        if setup.args.profile is not None:
            setup.args.profile.mkdir(parents=True, exist_ok=True)
            argv += ["--profile", str(setup.args.profile)]
        env = {**os.environ, **setup.env}
        canned = CannedSync(fault, raw, setup.url)
        child = subprocess.Popen(
            argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdin is not None
        assert child.stdout is not None
        last = ""
        for line in child.stdout:
            last = line.strip()
            if last == "replay":
                canned.replay()
            elif last == "change":
                change_event(raw, setup, setup.args.edits + 1)
                setup.args.edits += 1
                canned.changed()
            else:
                continue
            child.stdin.write("ok\n")
            child.stdin.flush()
        if child.wait(60) != 0:
            raise RuntimeError(f"the cycles child failed ({child.returncode})")
    raw.close()
    result["cycles"] = json.loads(last)


# --------------------------------------------------------------------------
# Goals and the table


def _verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def judge(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measure, value, goal, verdict) rows."""
    rows = []

    def row(measure: str, value: str, goal: str, ok: bool | None) -> None:
        rows.append((measure, value, goal, "" if ok is None else _verdict(ok)))

    row("import floor: apprise (one URL), caldav, icalendar, niquests, pydantic, yaml",
        f"{r['import_floor_s']:.3f} s", "", None)  # fmt: skip
    row(
        "start to READY=1 (fresh state)",
        f"{r['ready_s']:.3f} s",
        "≤ 1 s",
        r["ready_s"] <= READY_GOAL,
    )
    row("start to READY=1 (synced state)", f"{r['ready_synced_s']:.3f} s", "≤ 1 s",
        r["ready_synced_s"] <= READY_GOAL)  # fmt: skip
    row("start to READY=1 (server blackholed)", f"{r['ready_blackholed_s']:.3f} s", "≤ 1 s",
        r["ready_blackholed_s"] <= READY_GOAL)  # fmt: skip
    row("stop while a request hangs (SIGTERM to exit)", f"{r['stop_blackholed_s']:.2f} s", "≤ 10 s",
        r["stop_blackholed_s"] <= 10)  # fmt: skip
    idle_rate = r["idle_cpu_s"] / r["idle_window_s"]
    poll = statistics.median(cpu - idle_rate * wall for cpu, wall in r["no_change_steps"])
    r["poll_cpu_s"] = poll
    row("CPU of a no-change poll (median, minus idle)", f"{poll * 1000:.0f} ms", "≤ 50 ms",
        poll <= POLL_CPU_GOAL)  # fmt: skip
    per_hour = idle_rate * 3600 + 12 * poll
    r["idle_per_hour_s"] = per_hour
    row(f"idle CPU per hour at 300 s ({r['idle_cpu_s']:.2f} s in {r['idle_window_s']:.0f} s"
        " × 3600, + 12 polls)", f"{per_hour:.2f} s", "≤ 1 s", per_hour <= IDLE_GOAL)  # fmt: skip
    tick = statistics.median(cpu - idle_rate * wall for cpu, wall in r["changed_steps"])
    send = r["send_due"]["user_s"] + r["send_due"]["sys_s"]
    r["tick_cpu_s"] = tick
    row("CPU of a tick after one changed event (median)", f"{tick:.3f} s", "", None)
    row("CPU of send-due on the same state", f"{send:.2f} s", "", None)
    row("tick / send-due", f"{tick / send:.3f}", "≤ 0.1", tick <= TICK_GOAL * send)
    row("resident memory after the full sync (daemon)", f"{r['rss_after_sync_mb']:.0f} MB",
        "≤ 120 MB", r["rss_after_sync_mb"] <= RSS_GOAL_MB)  # fmt: skip
    row(f"resident memory after {r['polls']} polls (daemon)", f"{r['rss_end_mb']:.0f} MB",
        "≤ 120 MB", r["rss_end_mb"] <= RSS_GOAL_MB)  # fmt: skip
    if "cycles" in r:
        _judge_cycles(r, row)
    median_reload = statistics.median(r["reload_s"])
    row("rule-file write to the reload's READY=1 (median)", f"{median_reload:.3f} s", "≤ 1 s",
        median_reload <= RELOAD_GOAL)  # fmt: skip
    return rows


def _judge_cycles(r: dict[str, Any], row: Callable[[str, str, str, bool | None], None]) -> None:
    samples = r["cycles"]["samples"]
    first, last = samples[0], samples[-1]
    trail = " → ".join(f"{s['rss_mb']:.0f}" for s in samples)
    flat = last["rss_mb"] - first["rss_mb"] <= RSS_FLAT_MB
    row(f"resident memory, cycles {' / '.join(str(s['cycle']) for s in samples)} (simulated)",
        f"{trail} MB", "≤ 120 MB, flat", last["rss_mb"] <= RSS_GOAL_MB and flat)  # fmt: skip
    days = r["cycles"]["days"]
    if len(days) >= 3:
        (d0, b0), (d1, b1) = days[1], days[-1]
        span = (date.fromisoformat(d1) - date.fromisoformat(d0)).days
        growth = (b1 - b0) / max(1, span)
        r["db_growth_per_day"] = growth
        row(f"database growth by history ({d0} to {d1})", f"{growth / 1024:.1f} KiB/day", "",
            None)  # fmt: skip


def print_table(rows: Sequence[tuple[str, str, str, str]]) -> None:
    """A Markdown table."""
    print("| measure | value | goal | |")
    print("|---|---:|---|---|")
    for measure, value, goal, verdict in rows:
        print(f"| {measure} | {value} | {goal} | {verdict} |")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Benchmark watercooler run on Radicale.")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=SIZE, help="events (the goals are for 20,000)")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--fresh-server", action="store_true")
    parser.add_argument("--polls", type=int, default=6, help="no-change polls measured")
    parser.add_argument("--repeat", type=int, default=3, help="changed ticks and reloads")
    parser.add_argument("--idle-window", type=float, default=90.0, help="seconds")
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--cycle-interval", type=int, default=1800, help="poll_interval, s")
    parser.add_argument("--cycles-from", type=date.fromisoformat, default=date(2026, 5, 4))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per step")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cycles-only", action="store_true", help="only the 1,000 cycles")
    parser.add_argument("--profile", type=Path, help="cProfile the cycles' first changed tick")
    args = parser.parse_args(argv)
    args.sizes = [args.size]
    args.edits = 0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything against one Radicale; print the table."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(arguments)
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.vdir = dataset(args.workdir, args.size, args.seed, args.start)
    root = args.workdir / ("daemon-cycles" if args.cycles_only else "daemon-runs")
    if root.exists():
        subprocess.run(["rm", "-rf", str(root)], check=True)
    root.mkdir(parents=True)
    password_file = root / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    result: dict[str, Any] = {"uptime_before": _uptime()}
    compile_package()
    result["import_floor_s"] = import_floor(args.repeat)
    receiver = Receiver().start()
    with bench_server(args, {args.size: args.vdir}) as server:
        url = server.calendar_url(f"cal-{args.size}")
        setup = Setup(args, root, url, password_file, receiver.port, daemon_env(root))
        _warm(server.base_url, url, args.size)
        if not args.cycles_only:
            daemon_runs(setup, result)
        if args.cycles:
            _log(f"{args.cycles} cycles in-process on a simulated clock ...")
            daemon_cycles(setup, result)
        result["messages_received"] = len(receiver.messages)
    receiver.stop()
    result["uptime_after"] = _uptime()
    if args.cycles_only:
        rows: list[tuple[str, str, str, str]] = []
        _judge_cycles(
            result,
            lambda *cells: rows.append(
                (*cells[:3], _verdict(cells[3]) if cells[3] is not None else "")
            ),
        )  # type: ignore[misc]
    else:
        rows = judge(result)
    print_table(rows)
    print(f"\nload: before {result['uptime_before']}; after {result['uptime_after']}")
    if args.json:
        meta = {"python": sys.version.split()[0], "platform": platform.platform(),
                "cpus": os.cpu_count(), "command": " ".join(sys.argv)}  # fmt: skip
        document = {"meta": meta, "rows": rows, "results": result}
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


IMPORT_FLOOR = (
    "import apprise, caldav, icalendar, niquests, pydantic, yaml; "
    "apprise.Apprise().add('json://127.0.0.1:9/')"
)
"""What any daemon with these libraries loads before it can say READY (Apprise loads its
plugins on the first URL it is given)."""


def compile_package() -> None:
    """Write this tree's bytecode, as an installed package has it: with
    PYTHONDONTWRITEBYTECODE set, every start would compile watercooler from source."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    daemon = _BENCH.parent / "daemon" / "watercooler"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(daemon)], env=env, check=True)


def import_floor(repeat: int) -> float:
    """The median wall time of a fresh process importing the daemon's libraries."""
    runs = [run_measured([sys.executable, "-c", IMPORT_FLOOR]) for _ in range(repeat)]
    return round(statistics.median(run["wall_s"] for run in runs), 3)


def daemon_runs(setup: Setup, result: dict[str, Any]) -> None:
    """Everything but the cycles: real daemons against Radicale."""
    _log("daemon at poll_interval 5, fresh state ...")
    config = daemon_polling(setup, result)
    _log("send-due on the same state ...")
    send_due_cpu(setup, config, result)
    _log("daemon at poll_interval 300, synced state ...")
    daemon_idle(setup, config, result)
    _log("daemon with the server blackholed ...")
    daemon_blackholed(setup, result)


def _warm(base: str, url: str, size: int) -> None:
    """List the calendar once (the first time, Radicale builds its item cache)."""
    raw = RawClient(base, USER, PASSWORD, 1800)
    try:
        t0 = time.perf_counter()
        _, body = raw.sync(url, None)
        _, listed = parse_listing(body)
        _log(f"Radicale lists {len(listed)} events ({time.perf_counter() - t0:.1f} s)")
        if len(listed) != size:
            raise RuntimeError(f"Radicale lists {len(listed)} events, expected {size}")
    finally:
        raw.close()


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    threading.current_thread().name = "bench"
    sys.exit(main())
