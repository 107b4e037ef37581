"""Benchmark watercooler's CalDAV source against a real Radicale holding N events.

Why: issue 3 holds the CalDAV source to ratios, not absolute times, so they mean the
same on any machine. A poll must cost about what the server's own answer costs: a
no-change poll within 1.5x a bare sync-collection REPORT, a poll after one event
changed within 3x it, the same ratio at 5,000 and 20,000 events. ``check`` over a
synced calendar must take under a tenth of parsing the calendar cold, and a process
that synced 20,000 events must stay under 150 MB resident. This script measures all
of it in one run and prints PASS/MISS for each goal.

How, and why so:

* Radicale runs in its own process (``python -m radicale --config FILE``), so its
  CPU time and memory never mix with the client's. Its default built-in server
  answers HTTP/1.0 and closes after each request: every client, the floor included,
  pays one loopback connect per request.
* The calendar is filled by writing the generated ``.ics`` files (``generate.py``)
  straight into Radicale's filesystem storage: N PUTs would take minutes. The
  storage is kept under the work folder between runs (files put back as generated
  at the start of each run), so Radicale's item cache survives and only the very
  first run pays for Radicale parsing every item.
* Requests are counted in Radicale's own access log (what the server received, and
  how long it took to answer), and the bytes watercooler sent by wrapping the caldav
  client's ``request`` in this process.
* The floor is the same sync-collection REPORT, byte for byte, sent with
  ``http.client`` and basic auth, its answer read and not parsed.
* The full sync and ``check`` run in fresh children (``measure.py``). Their memory is
  read inside them from /proc: ``VmRSS`` after the sync (the goal) and ``VmHWM``, the
  peak. ``measure.py``'s ``peak_mb`` (``ru_maxrss`` from ``wait4``) cannot be used here:
  it never reads below the parent's resident size at spawn, and this parent is large.
* ``check`` is timed twice: the first run after the sync (it parses every object once
  and stores their digests) and, for the goal, the runs after it, as every later
  ``check`` of an unchanged calendar is.

Usage::

    python bench/bench_caldav.py --sizes 5000,20000 --json /tmp/caldav-bench.json
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import filecmp
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from caldav.davclient import DAVClient
from lxml import etree

from generate import GENERATOR_VERSION
from measure import run_measured
from run import ME, ZONE_NAME, _summarize_check, dataset, floor_argv, now_for, window_start
from watercooler.settings import SourceSettings
from watercooler.sources.caldav import CalDAVSource
from watercooler.store import Store

_BENCH = Path(__file__).resolve().parent
LOOPBACK = "127.0.0.1"
USER = "bench"
PASSWORD = "bench-password"  # noqa: S105 - a throwaway loopback server's test user
DAYS = 14
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "watercooler-bench"

POLL_GOAL = 1.5
"""A no-change poll may cost at most this many raw sync REPORTs."""
CHANGE_GOAL = 3.0
"""A poll after one event changed may cost at most this many raw sync REPORTs."""
SIZE_DRIFT_GOAL = 1.10
"""The no-change poll ratio at the largest size may exceed the smallest's by at most 10%."""
CHECK_GOAL = 0.10
"""``check`` over a synced calendar: at most this share of the cold parse time."""
RSS_GOAL_MB = 150.0
"""Resident memory of a process right after syncing the large calendar."""
GOAL_SIZE = 20000
"""The size the check and memory goals are set for; other sizes show them, unjudged."""

# The body watercooler's Dav.sync sends, rebuilt here so the floor sends the same bytes;
# the run checks that they are the same.
NAMESPACES = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/"'
DAV_NS = "{DAV:}"

T = TypeVar("T")


def sync_body(token: str | None) -> bytes:
    """Given a sync token (None: from the start), return the sync-collection REPORT body."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><d:sync-collection {NAMESPACES}>'
        f"<d:sync-token>{escape(token or '')}</d:sync-token><d:sync-level>1</d:sync-level>"
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    ).encode()


def _log(message: str) -> None:
    """Print progress on stderr, so stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Radicale in its own process


@dataclass(frozen=True)
class ServedRequest:
    """One request as Radicale's log reports its answer."""

    method: str
    path: str
    seconds: float
    status: int
    response_bytes: int


_RESPONSE_LINE = re.compile(
    r"\] (?P<method>[A-Z]+) response status for '(?P<path>[^']*)'.*? in "
    r"(?P<seconds>[0-9.]+) seconds(?:\s+(?:\S+\s+)?(?P<bytes>\d+) bytes)?.*: (?P<status>\d{3})"
)


def free_port() -> int:
    """Return a loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class RadicaleProcess:
    """Radicale (htpasswd auth, plain passwords, filesystem storage) as a child process.

    ``root`` holds the storage, the users file, the config and the log. Calendars are
    filled with :meth:`fill` before :meth:`start`; requests are read back from the log.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = root / "radicale.log"

    @property
    def collections(self) -> Path:
        """The folder holding the user's calendars."""
        return self.root / "collections" / "collection-root" / USER

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://{LOOPBACK}:{self.port}/"

    def calendar_url(self, name: str) -> str:
        """The URL of one calendar collection."""
        return f"{self.base_url}{USER}/{name}/"

    def fill(self, name: str, vdir: Path) -> int:
        """Make calendar ``name`` hold exactly the ``.ics`` files of ``vdir``; return how many.

        Files are hard-linked (Radicale replaces a file on PUT, never writes into it) or
        copied; files that differ from ``vdir`` (an earlier run's edits) are put back, extra
        ones removed. ``.Radicale.props`` marks the folder a VEVENT calendar, as MKCALENDAR
        would have written it.
        """
        folder = self.collections / name
        folder.mkdir(parents=True, exist_ok=True)
        props = {"C:supported-calendar-component-set": "VEVENT", "D:displayname": name}
        (folder / ".Radicale.props").write_text(
            json.dumps({**props, "tag": "VCALENDAR"}, sort_keys=True), encoding="utf-8"
        )
        wanted = {path.name: path for path in vdir.glob("*.ics")}
        for present in folder.glob("*.ics"):
            source = wanted.get(present.name)
            if source is None or not filecmp.cmp(source, present, shallow=False):
                present.unlink()
        for file_name, source in wanted.items():
            target = folder / file_name
            if target.exists():
                continue
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        return len(wanted)

    def start(self) -> None:
        """Start Radicale on a free loopback port and wait until it answers."""
        (self.root / "users").write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        for _ in range(3):  # the free port can be taken between probing and binding
            self.port = free_port()
            config = self.root / "config"
            config.write_text(self._config(), encoding="utf-8")
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "radicale", "--config", str(config)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.root,
                )
            if self._wait_for_port():
                return
            self.stop()
        raise RuntimeError(f"Radicale did not start; see {self.log_path}")

    def stop(self) -> None:
        """Stop Radicale (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def _config(self) -> str:
        return (
            f"[server]\nhosts = {LOOPBACK}:{self.port}\n"
            "[auth]\ntype = htpasswd\n"
            f"htpasswd_filename = {self.root / 'users'}\nhtpasswd_encryption = plain\n"
            "[rights]\ntype = owner_only\n"
            f"[storage]\nfilesystem_folder = {self.root / 'collections'}\n"
            "[logging]\nlevel = info\nmask_passwords = True\n"
        )

    def _wait_for_port(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def mark(self) -> int:
        """A position in the log; :meth:`since` returns what was answered after it."""
        return self.log_path.stat().st_size

    def since(self, mark: int) -> list[ServedRequest]:
        """The requests Radicale answered since ``mark``, from its log."""
        with self.log_path.open("rb") as log:
            log.seek(mark)
            text = log.read().decode("utf-8", "replace")
        served = []
        for match in _RESPONSE_LINE.finditer(text):
            served.append(
                ServedRequest(
                    method=match["method"],
                    path=match["path"],
                    seconds=float(match["seconds"]),
                    status=int(match["status"]),
                    response_bytes=int(match["bytes"] or 0),
                )
            )
        return served

    def __enter__(self) -> RadicaleProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def summarize_served(served: Sequence[ServedRequest]) -> dict[str, Any]:
    """Given the requests of one operation, return counts by method and the server's time."""
    return {
        "requests": len(served),
        "methods": dict(Counter(request.method for request in served)),
        "statuses": sorted({request.status for request in served}),
        "server_s": round(sum(request.seconds for request in served), 4),
        "response_bytes": sum(request.response_bytes for request in served),
    }


# --------------------------------------------------------------------------
# The floor: a bare HTTP client


class RawClient:
    """``http.client`` with basic auth: the least any client can send and read.

    One ``HTTPConnection`` is kept; Radicale's built-in server closes it after each
    answer and ``http.client`` reconnects on the next request, as any client must.
    """

    def __init__(self, base_url: str, user: str, password: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(
            parts.hostname or LOOPBACK, parts.port, timeout=timeout
        )
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.auth = f"Basic {token}"

    def request(
        self, method: str, url: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request and read the whole answer; return status and body."""
        sent = {"Authorization": self.auth, **(headers or {})}
        self.connection.request(method, urlsplit(url).path, body or None, sent)
        response = self.connection.getresponse()
        return response.status, response.read()

    def sync(self, url: str, token: str | None) -> tuple[int, bytes]:
        """The sync-collection REPORT watercooler sends, on ``url`` from ``token``."""
        headers = {"Depth": "1", "Content-Type": 'application/xml; charset="utf-8"'}
        return self.request("REPORT", url, sync_body(token), headers)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def parse_listing(body: bytes) -> tuple[str, dict[str, str]]:
    """Given a sync-collection answer, return its token and href → etag (not timed)."""
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, huge_tree=True))
    token = (root.findtext(f"{DAV_NS}sync-token") or "").strip()
    etags: dict[str, str] = {}
    for response in root.iter(f"{DAV_NS}response"):
        href = (response.findtext(f"{DAV_NS}href") or "").strip()
        etag = response.findtext(f".//{DAV_NS}getetag")
        if href and etag:
            etags[href] = etag.strip()
    return token, etags


# --------------------------------------------------------------------------
# Watercooler, in this process


class RequestRecorder:
    """Records every request the caldav client sends (method, body), while active.

    It wraps ``DAVClient.request`` on the class, so sources created inside the
    ``with`` block are recorded too; the cost is one Python call per request.
    """

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def __enter__(self) -> RequestRecorder:
        original = DAVClient.request
        recorder = self

        def request(
            client: DAVClient,
            url: str,
            method: str = "GET",
            body: str | bytes = "",
            headers: Mapping[str, str] | None = None,
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            data = body.encode() if isinstance(body, str) else bytes(body or b"")
            recorder.sent.append((method, data))
            return original(client, url, method, body, headers, *args, **kwargs)  # type: ignore[arg-type]

        self._original = original
        DAVClient.request = request  # type: ignore[assignment,method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        DAVClient.request = self._original  # type: ignore[method-assign]

    def summary(self) -> dict[str, Any]:
        """Requests by method and request body bytes."""
        return {
            "sent": dict(Counter(method for method, _ in self.sent)),
            "request_bytes": sum(len(body) for _, body in self.sent),
        }


def source_settings(url: str, password_file: Path) -> SourceSettings:
    """The ``[[sources]]`` entry for one calendar of the bench server."""
    return SourceSettings(url=url, username=USER, password_file=password_file)


def utc_now() -> datetime:
    """The clock handed to the source."""
    return datetime.now(tz=UTC)


@dataclass
class Timed:
    """One timed run: wall and client CPU seconds, what was sent and what was served."""

    wall_s: float
    cpu_s: float
    sent: dict[str, Any] = field(default_factory=dict)
    served: dict[str, Any] = field(default_factory=dict)
    reports: list[bytes] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "wall_s": round(self.wall_s, 4),
            "cpu_s": round(self.cpu_s, 4),
            "sent": self.sent,
            "served": self.served,
        }


def poll(
    url: str, store: Store, password_file: Path, server: RadicaleProcess, profile: Path | None
) -> Timed:
    """One watercooler poll: a fresh ``CalDAVSource(...).sync()`` against ``store``.

    A fresh source per poll, as each ``check`` process builds one: its client set-up
    is part of the cost. With ``profile``, the poll runs under cProfile, stats written there.
    """
    settings = source_settings(url, password_file)
    mark = server.mark()
    profiler = cProfile.Profile() if profile is not None else None
    with RequestRecorder() as recorder:
        c0, t0 = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        CalDAVSource(settings, store, utc_now).sync()
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profiler is not None and profile is not None:
        profiler.dump_stats(str(profile))
    reports = [body for method, body in recorder.sent if method == "REPORT"]
    return Timed(wall, cpu, recorder.summary(), summarize_served(server.since(mark)), reports)


def edit_event(data: bytes, number: int) -> bytes:
    """Given an event's bytes, return them with a changed SUMMARY and SEQUENCE."""
    text = data.decode("utf-8")
    text = text.replace("SUMMARY:", f"SUMMARY:[bench edit {number}] ", 1)
    return re.sub(r"SEQUENCE:(\d+)", lambda m: f"SEQUENCE:{int(m[1]) + 1}", text, count=1).encode()


# --------------------------------------------------------------------------
# Child processes: a fresh full sync, and check


def sync_child(argv: Sequence[str]) -> int:
    """Run one full sync into an empty store and print JSON: time, RSS, objects.

    Runs as its own process (``bench_caldav.py sync-child ...``) so the resident memory it
    reports belongs to the sync alone.
    """
    parser = argparse.ArgumentParser(prog="bench_caldav.py sync-child")
    parser.add_argument("--url", required=True)
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True, help="state dir (store inside)")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    store = Store.in_state_dir(args.state)
    settings = source_settings(args.url, args.password_file)
    profiler = cProfile.Profile() if args.profile else None
    with RequestRecorder() as recorder:
        t0 = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        states = CalDAVSource(settings, store, utc_now).sync()
        if profiler is not None:
            profiler.disable()
        elapsed = time.perf_counter() - t0
    status = proc_status()
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
    objects = sum(len(store.etags(state.id)) for state in states)
    store.close()
    result = {
        "sync_s": round(elapsed, 4),
        "rss_after_mb": status.get("VmRSS"),
        "hwm_mb": status.get("VmHWM"),
        "objects": objects,
        "collections": len(states),
        **recorder.summary(),
    }
    print(json.dumps(result))
    return 0


def proc_status() -> dict[str, float]:
    """This process's VmRSS and VmHWM in MiB (empty where /proc is missing)."""
    found: dict[str, float] = {}
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def child_env(scratch: Path, state_home: Path) -> dict[str, str]:
    """The environment of ``check``: fresh XDG folders, except the state with the store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")}
    env.update(WATERCOOLER_TIMEZONE=ZONE_NAME, WATERCOOLER_ME=ME)
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        folder = scratch / var.removeprefix("XDG_").removesuffix("_HOME").lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    env["XDG_STATE_HOME"] = str(state_home)
    daemon = _BENCH.parent / "daemon"
    if (daemon / "watercooler").is_dir():
        env["PYTHONPATH"] = os.pathsep.join([str(daemon), *filter(None, [env.get("PYTHONPATH")])])
    return env


def check_config(path: Path, url: str, password_file: Path) -> Path:
    """Write a config whose one source is the bench calendar; return its path."""
    path.write_text(
        f'[[sources]]\nurl = "{url}"\nusername = "{USER}"\npassword_file = "{password_file}"\n',
        encoding="utf-8",
    )
    return path


# ``ru_maxrss`` of a child (what ``measure.py`` reports as ``peak_mb``) is never below the
# parent's resident size when it spawned the child: exec carries the old address space's
# high-water mark over (try it: a 12 MB ``python -c pass`` reads 412 MB after its parent
# touched 400 MB). This benchmark's own process is large, so ``check`` runs under this
# wrapper, which writes the child's own ``VmHWM`` and ``VmRSS`` (KiB) to $BENCH_MEMORY_FILE
# at exit, and profiles it when $BENCH_PROFILE names a file.
MEMORY_WRAPPER = """\
import atexit, json, os, runpy, sys
def report():
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    with open(os.environ["BENCH_MEMORY_FILE"], "w") as out:
        json.dump({key: int(status[key].split()[0]) for key in ("VmHWM", "VmRSS")}, out)
atexit.register(report)
if os.environ.get("BENCH_PROFILE"):
    import cProfile
    profiler = cProfile.Profile()
    atexit.register(lambda: (profiler.disable(), profiler.dump_stats(os.environ["BENCH_PROFILE"])))
    profiler.enable()
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def check_argv(config: Path, day: date) -> list[str]:
    """``watercooler check`` over the configured source, the 14-day window from ``day``.

    It runs as ``python -m watercooler`` would, inside :data:`MEMORY_WRAPPER`.
    """
    return [
        *(sys.executable, "-c", MEMORY_WRAPPER, "watercooler", "--config", str(config), "check"),
        *("--now", now_for(day), "--days-back", "0", "--days-ahead", str(DAYS - 1)),
        *("--format", "json"),
    ]


def run_check(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    server: RadicaleProcess,
    timeout: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Run ``check`` once in a measured child; return its figures and what it requested.

    ``peak_mb`` is the child's own VmHWM (see :data:`MEMORY_WRAPPER`); ``ru_maxrss_mb``
    what ``wait4`` said, kept for the record.
    """
    memory_file = cwd / "check-memory.json"
    memory_file.unlink(missing_ok=True)
    env = {**env, "BENCH_MEMORY_FILE": str(memory_file)}
    if profile is not None:
        env["BENCH_PROFILE"] = str(profile)
    mark = server.mark()
    run = run_measured(argv, env=env, cwd=str(cwd), timeout=timeout)
    result = {k: run[k] for k in ("wall_s", "user_s", "sys_s", "returncode")}
    result["ru_maxrss_mb"] = run["peak_mb"]
    if memory_file.exists():
        memory = json.loads(memory_file.read_text(encoding="utf-8"))
        result["peak_mb"] = round(memory["VmHWM"] / 1024, 1)
        result["rss_exit_mb"] = round(memory["VmRSS"] / 1024, 1)
    result["served"] = summarize_served(server.since(mark))
    if run["returncode"] != 0 or run["timed_out"]:
        lines = [line for line in run["stderr"].splitlines() if line.strip()]
        result["error"] = lines[-1] if lines else f"exit {run['returncode']}"
    elif "peak_mb" not in result:
        result["error"] = "the memory wrapper wrote nothing"
    else:
        result.update(_summarize_check(run["stdout"], DAYS))
    return result


# --------------------------------------------------------------------------
# One size


def median_of(runs: Sequence[T], key: Callable[[T], float]) -> float:
    """The median of ``key`` over ``runs``."""
    return float(statistics.median(key(run) for run in runs))


@dataclass
class Context:
    """What every measurement of one run shares."""

    args: argparse.Namespace
    server: RadicaleProcess
    password_file: Path
    runs: Path


def measure_size(ctx: Context, size: int, vdir: Path) -> dict[str, Any]:
    """Measure everything for one calendar size; return the figures as a dict."""
    args = ctx.args
    server = ctx.server
    name = f"cal-{size}"
    url = server.calendar_url(name)
    scratch = ctx.runs / name
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    state_home = scratch / "state"
    profile_dir: Path | None = args.profile
    raw = RawClient(server.base_url, USER, PASSWORD, timeout=args.timeout)
    result: dict[str, Any] = {"size": size, "url": url}

    # Radicale serves them: a sync from the start lists every event (and warms its cache).
    _log(f"[{size}] listing the calendar (first time: Radicale builds its item cache) ...")
    t0 = time.perf_counter()
    status, body = raw.sync(url, None)
    if status != 207:
        raise RuntimeError(f"{url}: sync REPORT answered {status}: {body[:200]!r}")
    token, listed = parse_listing(body)
    result["listed"] = len(listed)
    result["listing_s"] = round(time.perf_counter() - t0, 3)
    if len(listed) != size:
        raise RuntimeError(f"{url}: Radicale lists {len(listed)} events, expected {size}")
    _log(f"  Radicale lists {len(listed)} events ({result['listing_s']} s)")

    # A first full sync, in a fresh measured process: time and memory.
    _log(f"[{size}] first full sync in a fresh process ...")
    full = full_sync(ctx, url, state_home / "watercooler", scratch)
    result["full_sync"] = full
    if full["objects"] != size:
        raise RuntimeError(f"full sync stored {full['objects']} objects, expected {size}")
    _log(f"  {full['sync_s']} s, {full['rss_after_mb']} MB resident after, {full['served']}")
    if profile_dir is not None:  # an extra, unmeasured run under the profiler
        profiled = scratch / "profiled-state"
        full_sync(ctx, url, profiled, scratch, profile_dir / f"full-sync-{size}.prof")
        shutil.rmtree(profiled, ignore_errors=True)

    store = Store.in_state_dir(state_home / "watercooler")
    try:
        # No-change polls, each right after a floor REPORT, so both see the same server.
        _log(f"[{size}] {args.repeat} no-change polls and raw REPORTs, interleaved ...")
        floors: list[Timed] = []
        polls: list[Timed] = []
        bodies: list[bytes] = []
        extra = 1 if profile_dir is not None else 0
        # The first pair warms up and a last, profiled one (--profile) is not recorded either.
        for i in range(args.repeat + 1 + extra):
            mark = server.mark()
            c0, t0 = time.process_time(), time.perf_counter()
            status, answer = raw.sync(url, token)
            floor = Timed(time.perf_counter() - t0, time.process_time() - c0)
            floor.sent = {"sent": {"REPORT": 1}, "request_bytes": len(sync_body(token))}
            floor.served = summarize_served(server.since(mark))
            if status != 207:
                raise RuntimeError(f"raw REPORT answered {status}")
            profile = None
            if profile_dir is not None and i > args.repeat:
                profile = profile_dir / f"poll-{size}.prof"
            timed = poll(url, store, ctx.password_file, server, profile)
            bodies += timed.reports
            if 0 < i <= args.repeat:
                floors.append(floor)
                polls.append(timed)
        result["floor"] = {
            "wall_s": round(median_of(floors, lambda r: r.wall_s), 4),
            "server_s": round(median_of(floors, lambda r: r.served["server_s"]), 4),
            "request_bytes": len(sync_body(token)),
            "response_bytes": floors[-1].served["response_bytes"],
            "runs": [run.as_dict() for run in floors],
        }
        result["poll"] = {
            "wall_s": round(median_of(polls, lambda r: r.wall_s), 4),
            "cpu_s": round(median_of(polls, lambda r: r.cpu_s), 4),
            "server_s": round(median_of(polls, lambda r: r.served["server_s"]), 4),
            "requests": max(run.served["requests"] for run in polls),
            "one_report_each": all(run.served["methods"] == {"REPORT": 1} for run in polls),
            "same_body_as_floor": all(body == sync_body(token) for body in bodies),
            "runs": [run.as_dict() for run in polls],
        }
        _log(f"  floor {result['floor']['wall_s']} s, poll {result['poll']['wall_s']} s")

        # One event changed on the server before each poll.
        _log(f"[{size}] {args.repeat} polls after one event changed ...")
        target = sorted(vdir.glob("*.ics"))[0]
        href = f"/{USER}/{name}/{target.name}"
        original = target.read_bytes()
        changes: list[Timed] = []
        seen = True
        for i in range(args.repeat + extra):
            edited = edit_event(original, i + 1)
            headers = {"Content-Type": "text/calendar; charset=utf-8"}
            status, answer = raw.request("PUT", url + target.name, edited, headers)
            if status not in (201, 204):
                raise RuntimeError(f"PUT answered {status}: {answer[:200]!r}")
            profile = None
            if profile_dir is not None and i >= args.repeat:
                profile = profile_dir / f"change-{size}.prof"
            timed = poll(url, store, ctx.password_file, server, profile)
            if i < args.repeat:
                changes.append(timed)
            cached = {h: data for h, _, data in _objects(store, url)}
            seen = seen and f"[bench edit {i + 1}]".encode() in cached.get(href, b"")
        result["change"] = {
            "wall_s": round(median_of(changes, lambda r: r.wall_s), 4),
            "cpu_s": round(median_of(changes, lambda r: r.cpu_s), 4),
            "server_s": round(median_of(changes, lambda r: r.served["server_s"]), 4),
            "methods": changes[-1].served["methods"],
            "change_seen": seen,
            "runs": [run.as_dict() for run in changes],
        }
        _log(f"  change poll {result['change']['wall_s']} s, {result['change']['methods']}")
    finally:
        store.close()
        raw.close()

    # Cold parse: the floor script's parse time over the same objects.
    day = window_start(args.start, DAYS)
    _log(f"[{size}] cold parse (bench/floor.py) ...")
    floor_run = run_measured(floor_argv(vdir, day, DAYS), timeout=args.timeout)
    if floor_run["returncode"] != 0:
        raise RuntimeError(f"floor.py failed: {floor_run['stderr'][-2000:]}")
    parsed = json.loads(floor_run["stdout"].strip().splitlines()[-1])
    result["cold_parse"] = {**parsed, "wall_s": floor_run["wall_s"]}
    _log(f"  parse {parsed['parse_s']} s")

    # check through the synced store: the first run builds the digests, later ones use them.
    _log(f"[{size}] check over the synced calendar ...")
    config = check_config(scratch / "config.toml", url, ctx.password_file)
    env = child_env(scratch, state_home)
    argv = check_argv(config, day)
    first = run_check(argv, env, scratch, server, args.timeout)
    warm = []
    for _ in range(args.repeat):
        warm.append(run_check(argv, env, scratch, server, args.timeout))
    if profile_dir is not None:  # an extra, unmeasured run under the profiler
        profile = profile_dir / f"check-{size}.prof"
        run_check(argv, env, scratch, server, args.timeout, profile)
    failed = [run for run in [first, *warm] if "error" in run]
    if failed:
        raise RuntimeError(f"check failed: {failed[0]['error']}")
    result["check_first"] = first
    result["check"] = {
        "wall_s": round(median_of(warm, lambda r: float(r["wall_s"])), 4),
        "peak_mb": max(float(run["peak_mb"]) for run in warm),
        "methods": warm[-1]["served"]["methods"],
        "runs": warm,
    }
    _log(f"  first {first['wall_s']} s, then {result['check']['wall_s']} s")
    if not args.keep:
        shutil.rmtree(scratch / "state", ignore_errors=True)
    return result


def full_sync(
    ctx: Context, url: str, state: Path, scratch: Path, profile: Path | None = None
) -> dict[str, Any]:
    """Sync ``url`` into a new store in ``state`` in a fresh measured process; return figures.

    ``peak_mb`` is the child's own VmHWM; ``ru_maxrss_mb`` (inflated, see
    :data:`MEMORY_WRAPPER`) is kept for the record.
    """
    argv = [sys.executable, str(Path(__file__).resolve()), "sync-child", "--url", url]
    argv += ["--password-file", str(ctx.password_file), "--state", str(state)]
    if profile is not None:
        argv += ["--profile", str(profile)]
    mark = ctx.server.mark()
    child = run_measured(argv, cwd=str(scratch), timeout=ctx.args.timeout)
    if child["returncode"] != 0:
        raise RuntimeError(f"sync child failed: {child['stderr'][-2000:]}")
    full: dict[str, Any] = json.loads(child["stdout"].strip().splitlines()[-1])
    full.update(wall_s=child["wall_s"], peak_mb=full["hwm_mb"], ru_maxrss_mb=child["peak_mb"])
    full["served"] = summarize_served(ctx.server.since(mark))
    return full


def _objects(store: Store, url: str) -> Iterator[tuple[str, str, bytes]]:
    state = store.collection(url)
    if state is not None:
        yield from store.objects(state.id)


# --------------------------------------------------------------------------
# Goals and the table


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    size: str
    what: str
    value: str
    floor: str = ""
    ratio: float | None = None
    goal: str = ""
    ok: bool | None = None
    note: str = ""


def _ratio(value: float, floor: float) -> float:
    return value / floor if floor > 0 else float("inf")


def judge(results: Sequence[dict[str, Any]]) -> tuple[list[Row], dict[str, bool]]:
    """Given each size's figures, return the table rows and each goal's verdict."""
    rows: list[Row] = []
    verdicts: dict[str, bool] = {}
    for r in results:
        size = str(r["size"])
        floor, pol, change = r["floor"], r["poll"], r["change"]
        full, check, first = r["full_sync"], r["check"], r["check_first"]
        parse = r["cold_parse"]["parse_s"]
        fs = f"{floor['wall_s']:.3f} s"
        rows.append(
            Row(
                size,
                "raw sync REPORT (floor)",
                fs,
                note=f"{floor['request_bytes']} B sent, server {floor['server_s']:.3f} s",
            )
        )
        ratio = _ratio(pol["wall_s"], floor["wall_s"])
        ok = ratio <= POLL_GOAL and pol["one_report_each"]
        verdicts[f"poll_{size}"] = ok
        rows.append(
            Row(
                size,
                "no-change poll",
                f"{pol['wall_s']:.3f} s",
                fs,
                ratio,
                f"≤{POLL_GOAL:g}x, 1 REPORT",
                ok,
                f"{'1 REPORT' if pol['one_report_each'] else 'NOT 1 REPORT'}, "
                f"client CPU {pol['cpu_s'] * 1000:.1f} ms"
                f"{'' if pol['same_body_as_floor'] else ', body differs from floor'}",
            )
        )
        ratio = _ratio(change["wall_s"], floor["wall_s"])
        ok = ratio <= CHANGE_GOAL and change["change_seen"]
        verdicts[f"change_{size}"] = ok
        methods = ", ".join(f"{n} {m}" for m, n in sorted(change["methods"].items()))
        rows.append(
            Row(
                size,
                "poll after 1 event changed",
                f"{change['wall_s']:.3f} s",
                fs,
                ratio,
                f"≤{CHANGE_GOAL:g}x",
                ok,
                f"{methods}{'' if change['change_seen'] else ', CHANGE NOT SEEN'}",
            )
        )
        rows.append(
            Row(
                size,
                "first full sync (fresh process)",
                f"{full['sync_s']:.2f} s",
                note=f"{full['served']['requests']} requests, "
                f"{full['rss_after_mb']:.0f} MB resident after, peak {full['peak_mb']:.0f} MB",
            )
        )
        if r["size"] == GOAL_SIZE:
            ok = full["rss_after_mb"] < RSS_GOAL_MB
            verdicts[f"rss_{size}"] = ok
            rows.append(
                Row(
                    size,
                    "resident after full sync",
                    f"{full['rss_after_mb']:.0f} MB",
                    goal=f"<{RSS_GOAL_MB:g} MB",
                    ok=ok,
                    note=f"peak {full['peak_mb']:.0f} MB",
                )
            )
        rows.append(Row(size, "cold parse (floor.py)", f"{parse:.2f} s"))
        ratio = _ratio(check["wall_s"], parse)
        judged = r["size"] == GOAL_SIZE
        ok = ratio < CHECK_GOAL
        if judged:
            verdicts[f"check_{size}"] = ok
        first_ratio = _ratio(first["wall_s"], parse)
        rows.append(
            Row(
                size,
                "check, first after sync",
                f"{first['wall_s']:.2f} s",
                f"{parse:.2f} s",
                first_ratio,
                note=f"builds digests; peak {first['peak_mb']:.0f} MB",
            )
        )
        methods = ", ".join(f"{n} {m}" for m, n in sorted(check["methods"].items()))
        rows.append(
            Row(
                size,
                "check over synced calendar",
                f"{check['wall_s']:.2f} s",
                f"{parse:.2f} s",
                ratio,
                f"<{CHECK_GOAL:g}x" if judged else f"(goal at {GOAL_SIZE})",
                ok if judged else None,
                f"{methods}; peak {check['peak_mb']:.0f} MB",
            )
        )
    if len(results) > 1:
        small, big = results[0], results[-1]
        ratios = [_ratio(r["poll"]["wall_s"], r["floor"]["wall_s"]) for r in (small, big)]
        drift = ratios[1] / ratios[0] if ratios[0] else float("inf")
        ok = drift <= SIZE_DRIFT_GOAL
        verdicts["size_independent"] = ok
        cpu = [r["poll"]["cpu_s"] * 1000 for r in (small, big)]
        rows.append(
            Row(
                f"{small['size']}→{big['size']}",
                "no-change poll ratio drift",
                f"{ratios[0]:.2f}→{ratios[1]:.2f}",
                ratio=drift,
                goal=f"≤{SIZE_DRIFT_GOAL:.2f}x",
                ok=ok,
                note=f"client CPU {cpu[0]:.1f}→{cpu[1]:.1f} ms",
            )
        )
    return rows, verdicts


def print_table(rows: Sequence[Row]) -> None:
    """Print the rows as an aligned table on stdout."""
    head = ("size", "measure", "value", "floor", "ratio", "goal", "", "notes")
    cells = [
        (
            row.size,
            row.what,
            row.value,
            row.floor,
            "" if row.ratio is None else f"{row.ratio:.2f}",
            row.goal,
            "" if row.ok is None else ("PASS" if row.ok else "MISS"),
            row.note,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [head, *cells]) for i in range(len(head) - 1)]
    for line in [head, *cells]:
        print(
            "  ".join(
                cell.rjust(w) if i in (2, 3, 4) else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=False))
            )
            + "  "
            + line[-1]
        )


# --------------------------------------------------------------------------
# The run


def _int_list(text: str) -> list[int]:
    """Parse ``5000,20000`` into ``[5000, 20000]`` for argparse."""
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(description="Benchmark the CalDAV source on Radicale.")
    parser.add_argument("--sizes", type=_int_list, default=[5000, 20000])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--repeat", type=int, default=5, help="runs per cheap measurement")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per step")
    parser.add_argument(
        "--fresh-server", action="store_true", help="rebuild Radicale's storage and its cache"
    )
    parser.add_argument("--keep", action="store_true", help="keep the synced stores")
    parser.add_argument(
        "--profile", type=Path, help="also profile one extra, unmeasured run of each step here"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    if not args.sizes or args.repeat < 1:
        parser.error("need at least one size and --repeat ≥ 1")
    args.sizes = sorted(set(args.sizes))
    return args


@contextmanager
def bench_server(args: argparse.Namespace, vdirs: Mapping[int, Path]) -> Iterator[RadicaleProcess]:
    """Radicale holding one calendar per size, running for the block."""
    root = args.workdir / f"radicale-seed{args.seed}-{args.start:%Y%m%d}-v{GENERATOR_VERSION}"
    if args.fresh_server:
        shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    server = RadicaleProcess(root)
    for size, vdir in vdirs.items():
        server.fill(f"cal-{size}", vdir)
    with server:
        _log(f"Radicale {server.base_url} (pid {server.proc.pid if server.proc else '?'})")
        yield server


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table, optionally write JSON."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["sync-child"]:
        return sync_child(arguments[1:])
    args = parse_args(arguments)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    runs = args.workdir / "caldav-runs"
    runs.mkdir(exist_ok=True)
    password_file = runs / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    vdirs = {size: dataset(args.workdir, size, args.seed, args.start) for size in args.sizes}
    results = []
    with bench_server(args, vdirs) as server:
        ctx = Context(args, server, password_file, runs)
        for size in args.sizes:
            results.append(measure_size(ctx, size, vdirs[size]))
    rows, verdicts = judge(results)
    print_table(rows)
    if args.json:
        meta = {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "seed": args.seed,
            "start": args.start.isoformat(),
            "repeat": args.repeat,
            "generator_version": GENERATOR_VERSION,
            "goals": {
                "poll_ratio": POLL_GOAL,
                "change_ratio": CHANGE_GOAL,
                "size_drift": SIZE_DRIFT_GOAL,
                "check_ratio": CHECK_GOAL,
                "rss_mb": RSS_GOAL_MB,
            },
        }
        document = {"meta": meta, "verdicts": verdicts, "results": results}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
