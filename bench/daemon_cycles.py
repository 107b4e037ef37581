"""The daemon's engine and loop for N cycles on a simulated clock, for ``bench/daemon.py``.

Run by ``bench/daemon.py`` as its own process, importing nothing but watercooler and the
standard library, so the resident memory it reports is the daemon's. The server side —
the fault server replaying Radicale's no-change answer, the event edits — lives in the
parent; this process asks for it on stdout (``replay``: the poll after a change is done,
answer no-change from now on; ``change``: edit an event and let the next poll through) and
waits for ``ok`` on stdin. The last line of stdout is the result as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sqlite3
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from watercooler.redaction import Redactor
from watercooler.service.config import load_config
from watercooler.service.engine import Engine, StepResult
from watercooler.service.loop import Control, SimulatedTimer, run_loop
from watercooler.store import Store

CHANGE_EVERY = 100
"""Every this many cycles one event changes on the server."""


def rss_mb() -> float:
    """This process's VmRSS in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def used_bytes(database: Path) -> int:
    """Bytes of the database's pages in use (page_count - freelist_count)."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        size = db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()
    return int((pages - free) * size)


def ask(request: str) -> None:
    """Ask the parent for server-side work and wait until it is done."""
    print(request, flush=True)
    if sys.stdin.readline().strip() != "ok":
        raise RuntimeError(f"the parent did not do {request!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cycles; print samples of memory and the database's size per day."""
    parser = argparse.ArgumentParser(prog="daemon_cycles.py")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--start", required=True, help="the simulated clock's start")
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--profile", type=Path, help="profile the first changed tick here")
    args = parser.parse_args(argv)
    config = load_config(args.config, Redactor())
    state_dir = config.settings.resolved_state_dir()
    database = state_dir / "watercooler.sqlite"
    store = Store.in_state_dir(state_dir)
    timer = SimulatedTimer(datetime.fromisoformat(args.start))
    engine = Engine(config=config, store=store, clock=timer.now, started=timer.now())
    control = Control()
    samples: list[dict[str, Any]] = []
    days: list[tuple[str, int]] = []
    state = {"cycle": 0, "pending": True, "changes": 0, "evaluations": 0, "failed_polls": 0}
    wall, cpu = time.perf_counter(), time.process_time()
    marks = {1, args.cycles // 4, args.cycles // 2, 3 * args.cycles // 4, args.cycles}

    def on_step(engine: Engine, result: StepResult, now: datetime) -> None:
        cycle = state["cycle"] = state["cycle"] + 1
        state["evaluations"] += result.evaluated
        day = now.astimezone(config.settings.zone).date().isoformat()
        if result.evaluated and (not days or days[-1][0] != day):
            days.append((day, used_bytes(database)))
        synced = result.polled and not any(polled.failing for polled in engine.polled)
        if result.polled and not synced:
            state["failed_polls"] += 1
        if synced and state["pending"]:
            ask("replay")  # the full sync, or the poll that saw the change, is done
            state["pending"] = False
        if cycle % CHANGE_EVERY == 0 and cycle < args.cycles:
            ask("change")
            state["pending"] = True
            state["changes"] += 1
        if cycle in marks:
            samples.append(
                {"cycle": cycle, "rss_mb": rss_mb(), "now": now.isoformat(),
                 "objects": store.db.execute("SELECT count(*) FROM objects").fetchone()[0],
                 "polls": engine.record.polls, "wall_s": round(time.perf_counter() - wall, 1),
                 "cpu_s": round(time.process_time() - cpu, 1)}
            )  # fmt: skip
            print(f"  cycle {cycle}: {samples[-1]}", file=sys.stderr, flush=True)
        if cycle >= args.cycles:
            control.stop = True

    if args.profile is not None:
        _profile_changed_tick(engine, state, args.profile)
    run_loop(engine, timer, control, on_step=on_step)
    if not samples or samples[0]["objects"] == 0:
        raise SystemExit("the calendar was never synced: the cycles measured nothing")
    store.close()
    print(json.dumps({"samples": samples, "days": days, **state}), flush=True)
    return 0


def _profile_changed_tick(engine: Engine, state: dict[str, Any], folder: Path) -> None:
    """Run the first step after the first change (and the one after it) under cProfile."""
    original = Engine.step
    seen = {"changed": 0}

    def step(self: Engine, now: datetime) -> StepResult:
        if not state["changes"] or seen["changed"] >= 2:
            return original(self, now)
        profiler = cProfile.Profile()
        result = profiler.runcall(original, self, now)
        if result.polled:
            name = "changed-tick" if seen["changed"] == 0 else "no-change-step"
            profiler.dump_stats(str(folder / f"{name}.prof"))
            seen["changed"] += 1
        return result

    Engine.step = step  # type: ignore[method-assign]
    del engine


if __name__ == "__main__":
    sys.exit(main())
