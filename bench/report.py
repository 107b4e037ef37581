"""Benchmark the progress report over 104 weeks of history from a 20,000-event calendar.

Goal (issue 12), printed with "met" or "missed": the report over 104 weeks of history
(``stored_history`` reading the store, then ``build_report(weeks=104)``) takes at most
0.5 s. Without a goal: the first run's backfill of 104 weeks, and the history's size in
the database per year.

How:

* ``bench/history_calendar.py`` writes a vdir of 20,000 ``.ics`` files spanning 107 weeks
  from 2024-12-16 in Europe/Berlin (lunches, socials with varied replies, all-hands of
  60-150, weekly series, vacations, 420 colleagues), cached under the work folder.
* The history is built as the product builds it: one ``watercooler send-due --now NOW``
  process (``NOW`` is Friday 2026-12-18 18:00, the end of the 104 weeks) on a fresh state
  folder, with ``backfill_weeks = 104``, no notify URL and ``notify.desktop = false``;
  its first run backfills the 104 weeks. Its wall time, CPU and peak memory are printed.
* The report is timed in ``--repeat`` fresh processes (this script with ``--measure-once``),
  each reading the store once with ``time.perf_counter`` around ``stored_history`` and
  ``build_report`` (the first read, as a ``watercooler report`` process does it) and then
  once more (warm); best and median are printed. If the tree has a ``watercooler report``
  command (``watercooler report --help`` succeeds), ``report --weeks 104 --format json``
  is timed as a whole process too.
* The size is SQLite's ``dbstat`` (whole pages) of ``lunch_days``, ``social_seen`` and
  ``contacts`` with their indexes, divided by the years the lunch days cover.
* ``--profile`` prints cProfile's top functions of one report in a fresh process.
* ``--dense`` writes a stress case instead: a weekly team lunch series for nearly every
  weekday (150 of them), so the history holds about six times the contacts.

Usage::

    .venv/bin/python bench/report.py
    .venv/bin/python bench/report.py --repeat 5 --profile --json /tmp/report-bench.json
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from history_calendar import VERSION, generate_history
from measure import run_measured

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "watercooler-bench"
ZONE_NAME = "Europe/Berlin"
NOW = datetime(2026, 12, 18, 18, 0, tzinfo=ZoneInfo(ZONE_NAME))
WEEKS = 104
GOAL_S = 0.5
HISTORY_TABLES = ("lunch_days", "social_seen", "contacts")


def dataset(workdir: Path, events: int, seed: int, dense: bool = False) -> Path:
    """The cached vdir for ``(events, seed)``, generated (into a ``.partial`` folder renamed
    at the end, so an interrupted run leaves nothing that looks cached) when missing."""
    name = f"history-{events}-seed{seed}{'-dense' if dense else ''}-v{VERSION}"
    target = workdir / name
    if target.is_dir():
        return target
    partial = workdir / f"{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    _log(f"generating {events} events into {target} ...")
    summary = generate_history(events, partial, seed, dense)
    partial.rename(target)
    _log(
        f"  {summary.files} files, {summary.series} series, {summary.lunches} lunch events, "
        f"{summary.socials} socials, {summary.all_hands} all-hands, {summary.bytes / 1e6:.1f} MB"
    )
    return target


def write_config(folder: Path, vdir: Path) -> Path:
    """A config reading the vdir, with its own state folder, backfilling 104 weeks and
    sending nothing; return its path."""
    folder.mkdir(parents=True)
    config = folder / "config.toml"
    config.write_text(
        f'timezone = "{ZONE_NAME}"\nme = ["ana@example.com"]\n'
        f'state_dir = "{folder / "state"}"\nbackfill_weeks = {WEEKS}\n'
        f'[notify]\nurls = []\ndesktop = false\n[[sources]]\nurl = "{vdir}"\n',
        encoding="utf-8",
    )
    return config


def child_env(root: Path) -> dict[str, str]:
    """This tree's package, fresh XDG folders (so the default rules), no notify socket."""
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    env["PYTHONPATH"] = str(REPO / "daemon")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = root / "xdg" / var.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    return env


def watercooler(*args: str) -> list[str]:
    return [sys.executable, "-m", "watercooler", *args]


def backfill(config: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run the first ``send-due`` (it backfills the history); return its measurement."""
    argv = watercooler("send-due", "--config", str(config), "--now", NOW.isoformat())
    run = run_measured(argv, env=env, timeout=timeout)
    if run["returncode"] != 0 or run["timed_out"]:
        sys.exit(f"send-due failed ({run['returncode']}):\n{run['stderr'][-3000:]}")
    return run


def row_counts(database: Path) -> dict[str, Any]:
    """How many rows each history table holds, the lunch days' span and outcomes."""
    with sqlite3.connect(database) as db:
        counts: dict[str, Any] = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in HISTORY_TABLES
        }
        first, last = db.execute("SELECT min(day), max(day) FROM lunch_days").fetchone()
        counts["first_day"], counts["last_day"] = first, last
        counts["to_now"] = db.execute(
            "SELECT count(*) FROM lunch_days WHERE day <= ?", (NOW.date().isoformat(),)
        ).fetchone()[0]
        counts["outcomes"] = dict(
            db.execute("SELECT outcome, count(*) FROM lunch_days GROUP BY outcome ORDER BY 2 DESC")
        )
        counts["social_statuses"] = dict(
            db.execute("SELECT status, count(*) FROM social_seen GROUP BY status ORDER BY 2 DESC")
        )
        counts["people"] = db.execute("SELECT count(DISTINCT address) FROM contacts").fetchone()[0]
    return counts


def history_sizes(database: Path) -> dict[str, int]:
    """Bytes on disk (whole pages, ``dbstat``) of each history table with its indexes."""
    sizes = {}
    with sqlite3.connect(database) as db:
        for table in HISTORY_TABLES:
            row = db.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name = ?1 "
                "OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?1 AND name != ?1)",
                (table,),
            ).fetchone()
            sizes[table] = int(row[0] or 0)
    return sizes


def measure_once(config: Path, profile_out: Path | None) -> dict[str, Any]:
    """In this (fresh) process: the report's cost, first and warm, as JSON-able data; with
    ``profile_out``, cProfile's statistics of the first one are written there."""
    started = time.perf_counter()
    from watercooler.progress.report import build_report, dismissed_entries, stored_history
    from watercooler.settings import load_settings
    from watercooler.store import Store

    settings = load_settings(config)
    imported = time.perf_counter() - started
    times = []
    with Store.in_state_dir(settings.resolved_state_dir()) as store:
        profiler = cProfile.Profile() if profile_out is not None else None
        for _ in range(2):
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            history = stored_history(store, settings, NOW)
            report = build_report(
                history, settings, NOW, weeks=WEEKS, dismissed=dismissed_entries(store)
            )
            times.append(time.perf_counter() - t0)
            if profiler is not None and profile_out is not None:
                profiler.disable()
                profiler.dump_stats(profile_out)
                profiler = None
    return {
        "import_s": imported,
        "first_s": times[0],
        "warm_s": times[1],
        "weeks": len(report.weeks),
        "days": len(history.days),
        "socials": len(history.socials),
        "contacts": len(history.contacts),
        "streak": report.streak,
        "best_streak": report.best_streak,
        "summary": report.summary,
    }


def time_reports(config: Path, env: dict[str, str], repeat: int) -> list[dict[str, Any]]:
    """``repeat`` fresh processes, each timing the report in-process; their results, with
    each process's wall time (start-up and imports included) as ``process_s``."""
    runs = []
    for _ in range(repeat):
        argv = [sys.executable, str(Path(__file__).resolve()), "--measure-once", str(config)]
        run = run_measured(argv, env=env, timeout=300)
        if run["returncode"] != 0:
            sys.exit(f"the report failed:\n{run['stderr'][-3000:]}")
        runs.append({**json.loads(run["stdout"]), "process_s": run["wall_s"]})
    return runs


def report_command(config: Path, env: dict[str, str], repeat: int) -> list[dict[str, Any]] | None:
    """``watercooler report --weeks 104 --format json`` timed as a process, ``repeat``
    times; None when this tree has no ``report`` command."""
    probe = run_measured(watercooler("report", "--help"), env=env, timeout=60)
    if probe["returncode"] != 0:
        return None
    argv = watercooler(
        "report",
        "--config",
        str(config),
        "--now",
        NOW.isoformat(),
        "--weeks",
        str(WEEKS),
        "--format",
        "json",
    )
    runs = []
    for _ in range(repeat):
        run = run_measured(argv, env=env, timeout=300)
        if run["returncode"] != 0:
            sys.exit(f"watercooler report failed:\n{run['stderr'][-3000:]}")
        runs.append({"wall_s": run["wall_s"], "bytes": len(run["stdout"])})
    return runs


def print_profile(config: Path, env: dict[str, str], folder: Path) -> None:
    """cProfile of one report in a fresh process: the top functions, cumulative and own."""
    out = folder / "report.prof"
    argv = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--measure-once",
        str(config),
        "--profile-out",
        str(out),
    ]
    run = run_measured(argv, env=env, timeout=300)
    if run["returncode"] != 0:
        sys.exit(f"the profiled report failed:\n{run['stderr'][-3000:]}")
    stats = pstats.Stats(str(out))
    stats.strip_dirs().sort_stats("cumulative").print_stats(18)
    stats.sort_stats("tottime").print_stats(12)


def verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else "missed"


def print_results(result: dict[str, Any]) -> None:
    """The figures, as README's table shows them."""
    fill = result["backfill"]
    if fill is not None:
        print(
            f"backfill: first send-due over {WEEKS} weeks: {fill['wall_s']:.1f} s wall, "
            f"{fill['user_s'] + fill['sys_s']:.1f} s CPU, peak {fill['peak_mb']:.0f} MB"
        )
    rows = result["rows"]
    print(
        f"history: {rows['lunch_days']} lunch days ({rows['first_day']} to {rows['last_day']};"
        f" {rows['to_now']} of them up to {NOW.date()}; {WEEKS} weeks are {WEEKS * 7} days),"
        f" {rows['social_seen']} social occurrences, {rows['contacts']} contacts"
        f" ({rows['people']} distinct people)"
    )
    print(f"  lunch outcomes: {rows['outcomes']}")
    print(f"  social statuses: {rows['social_statuses']}")
    runs = result["reports"]
    first = [r["first_s"] for r in runs]
    warm = [r["warm_s"] for r in runs]
    process = [r["process_s"] for r in runs]
    best, median = min(first), statistics.median(first)
    print(
        f"report ({runs[0]['weeks']} weeks shown; {len(runs)} fresh processes): "
        f"stored_history + build_report best {best:.3f} s, median {median:.3f} s "
        f"(goal <= {GOAL_S} s: {verdict(median, GOAL_S)}); warm best {min(warm):.3f} s, "
        f"median {statistics.median(warm):.3f} s; whole process median "
        f"{statistics.median(process):.3f} s, imports {runs[0]['import_s']:.3f} s"
    )
    print(f"  {runs[0]['summary']}")
    command = result["report_command"]
    if command is None:
        print("watercooler report: report command not in this tree")
    else:
        walls = [r["wall_s"] for r in command]
        print(
            f"watercooler report --weeks {WEEKS} --format json: best {min(walls):.3f} s, "
            f"median {statistics.median(walls):.3f} s ({command[0]['bytes']} bytes)"
        )
    sizes = result["sizes"]
    years = result["years"]
    total = sum(sizes.values())
    print(
        f"history size: {total / 1024:.0f} KiB over {years:.2f} years = "
        f"{total / 1024 / years:.0f} KiB per year"
    )
    for table, size in sizes.items():
        print(
            f"  {table} (with its indexes): {size / 1024:.0f} KiB, "
            f"{size / 1024 / years:.0f} KiB per year"
        )


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or reuse) the calendar, backfill a fresh state, time, measure the size."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "events": args.events,
        "seed": args.seed,
        "dense": args.dense,
        "python": platform.python_version(),
        "now": NOW.isoformat(),
        "backfill": None,
    }
    folder = args.reuse or Path(tempfile.mkdtemp(prefix="report-", dir=args.workdir))
    config = folder / "run" / "config.toml"
    env = child_env(folder)
    try:
        if args.reuse is None:
            write_config(config.parent, dataset(args.workdir, args.events, args.seed, args.dense))
            _log(f"backfilling {WEEKS} weeks with one send-due ...")
            fill = backfill(config, env, args.timeout)
            result["backfill"] = {k: fill[k] for k in ("wall_s", "user_s", "sys_s", "peak_mb")}
        database = folder / "run" / "state" / "watercooler.sqlite"
        rows = result["rows"] = row_counts(database)
        days = (
            datetime.fromisoformat(rows["last_day"]) - datetime.fromisoformat(rows["first_day"])
        ).days + 1
        result["years"] = days / 365.25
        result["sizes"] = history_sizes(database)
        _log(f"timing the report {args.repeat} times ...")
        result["reports"] = time_reports(config, env, args.repeat)
        result["report_command"] = report_command(config, env, args.repeat)
        print_results(result)
        if args.profile:
            print_profile(config, env, folder)
    finally:
        if args.keep or args.reuse is not None:
            _log(f"kept {folder} (--reuse it to time again without the backfill)")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dense", action="store_true", help="a team lunch series nearly every day (stress)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="fresh report processes")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--timeout", type=float, default=1800, help="for the backfill")
    parser.add_argument("--profile", action="store_true", help="print cProfile of a report")
    parser.add_argument("--keep", action="store_true", help="keep the state folder")
    parser.add_argument(
        "--reuse", type=Path, help="a folder kept by --keep: time its history, no backfill"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--measure-once", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_once is not None:
        print(json.dumps(measure_once(args.measure_once, args.profile_out)))
        return 0
    result = run(args)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
