"""Benchmark watercooler's start-up on the sample calendar, against the import floor.

Why: most runs of ``watercooler`` are small (a timer firing ``check`` or
``send-due`` over two weeks, a user typing ``--version``), and there start-up,
not parsing, is what a user waits for. ``bench/run.py`` measures big calendars,
where start-up vanishes in the ratio; this measures the small case, and holds it
to goals that are ratios against floors measured in the same run on the same
machine, so they hold on any machine:

* ``watercooler --version`` within ``VERSION_GOAL_S`` (absolute: the command
  needs no calendar library, so there is no floor to compare with);
* ``check`` with a warm cache within ``WARM_GOAL`` times the import floor
  (``python -c "import icalendar, recurring_ical_events"``): with the parse
  cache primed, ``check`` should cost little more than importing its libraries;
* ``check`` with a cold cache within ``COLD_GOAL`` times ``bench/floor.py`` on
  the same calendar: the naive parse-then-expand script, start-up included.

``python -c pass`` is shown beside them, judged against nothing: no command of
this interpreter and venv can start faster, so it tells how much of a figure is
left to win.

Every measurement is a fresh child process timed by ``bench/measure.py``, with a
fresh environment (``NO_COLOR=1``, ``HOME`` and every ``XDG_*`` folder in a
scratch folder, so the user's real config, cache and Apprise files are never
read). Runs are interleaved round by round, each round in a rotated order, so a
burst of load from other work on the machine hits every command about equally
instead of all runs of one; medians are compared, minimums shown beside them.

``--profile`` adds ``python -X importtime`` (top imports by cumulative time) for
``--version`` and the warm ``check``, and a ``cProfile`` of the warm ``check``,
so an engineer can see which import or function start-up time goes to.

Usage::

    python bench/startup.py
    python bench/startup.py --repeat 31 --json /tmp/startup.json --profile
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

from measure import run_measured

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SAMPLE = REPO / "config" / "sample-calendar.ics"
NOW = "2026-03-11T09:00:00+01:00"
ZONE_NAME = "Europe/Berlin"
ME = '["ana@example.com"]'
VERSION_GOAL_S = 0.15
WARM_GOAL = 2.5
COLD_GOAL = 1.2
TOP = 15
IMPORT_FLOOR_CODE = "import icalendar, recurring_ical_events"


@dataclass
class Case:
    """One command to time: what it runs, where, and what it is held to.

    ``scratch`` returns the folder whose XDG dirs a run uses (a fresh one for
    the cold check, the primed one for the warm check); ``floor`` names the case
    whose median it is compared to, ``goal`` the ratio (or, with no floor, the
    seconds) it must stay within.
    """

    key: str
    label: str
    argv: list[str]
    scratch: Callable[[], Path]
    floor: str | None = None
    goal: float | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)


def child_env(scratch: Path) -> dict[str, str]:
    """Given a scratch folder, return a fresh environment for one child.

    Nothing of the caller's environment is passed on but ``PATH`` and
    ``TMPDIR``: ``HOME`` and the XDG folders point into ``scratch``, so no real
    config, cache or state is read or written; the zone and address are set as
    ``bench/run.py`` sets them, so the output does not depend on the machine's
    local zone. They go in the config file a user would write, not in
    ``WATERCOOLER_*`` variables, whose reader costs start-up time of its own.
    """
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "HOME": str(scratch / "home"),
    }
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[var] = str(scratch / var.removeprefix("XDG_").removesuffix("_HOME").lower())
    for folder in ("home", "config", "cache", "data", "state"):
        (scratch / folder).mkdir(parents=True, exist_ok=True)
    config = scratch / "config" / "watercooler" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    me = json.loads(ME) if ME.startswith("[") else [ME]
    config.write_text(f"timezone = {json.dumps(ZONE_NAME)}\nme = {json.dumps(me)}\n")
    return env


def check_argv(watercooler: Path) -> list[str]:
    """Return the ``check`` command line measured, warm and cold alike."""
    return [
        *(str(watercooler), "check", "--source", str(SAMPLE)),
        *("--now", NOW, "--format", "json"),
    ]


def floor_window(check_stdout: str) -> tuple[date, int]:
    """Given ``check``'s JSON, return the first day and day count of the range it showed.

    Why: the floor must cover the same days as ``check``; taking them from
    ``check``'s own output keeps the two in step if the default range changes.
    Raise ValueError if the output holds no days.
    """
    days = json.loads(check_stdout).get("days", [])
    if not days:
        raise ValueError("check printed no days")
    return date.fromisoformat(days[0]["date"]), len(days)


def _run(case: Case, timeout: float) -> dict[str, Any]:
    """Run one case once in its scratch folder and return the measurement."""
    scratch = case.scratch()
    return run_measured(case.argv, env=child_env(scratch), cwd=str(scratch), timeout=timeout)


def _fresh(root: Path, prefix: str) -> Callable[[], Path]:
    """Return a factory of new, empty scratch folders under ``root``."""
    return lambda: Path(tempfile.mkdtemp(prefix=prefix, dir=root))


def _last_line(text: str) -> str:
    """Return the last non-blank line of ``text``, or an empty string."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def summarize(case: Case) -> dict[str, Any]:
    """Given a case's measured runs, return its median, min and peak, or its error."""
    failed = [r for r in case.runs if r["returncode"] != 0 or r["timed_out"]]
    result: dict[str, Any] = {"label": case.label, "argv": case.argv, "runs": len(case.runs)}
    if failed:
        result["error"] = _last_line(failed[0]["stderr"]) or f"exit {failed[0]['returncode']}"
        return result
    walls = [r["wall_s"] for r in case.runs]
    result.update(
        median_s=round(statistics.median(walls), 4),
        min_s=round(min(walls), 4),
        peak_mb=round(statistics.median(r["peak_mb"] for r in case.runs), 1),
        wall_s=walls,
    )
    return result


def judge(cases: Sequence[Case], results: dict[str, dict[str, Any]]) -> None:
    """Add each case's floor, ratio and verdict to its result, in place.

    With a floor the ratio of medians is held to the goal; without one, the
    median itself is (seconds). A missing or failed measurement judges nothing.
    The ratio of minimums is kept beside it, unjudged: on a loaded machine the
    fastest runs are the ones least disturbed, so it shows whether a MISS is load.
    """
    for case in cases:
        result = results[case.key]
        result.update(floor=case.floor, goal=case.goal, ratio=None, min_ratio=None, ok=None)
        if case.goal is None or "error" in result:
            continue
        if case.floor is None:
            result["ok"] = result["median_s"] <= case.goal
            continue
        floor = results[case.floor]
        if "error" in floor:
            continue
        result["ratio"] = round(result["median_s"] / floor["median_s"], 3)
        result["min_ratio"] = round(result["min_s"] / floor["min_s"], 3)
        result["ok"] = result["ratio"] <= case.goal


def _cell(value: Any, fmt: str) -> str:
    """Format a number for the table, or ``-`` when it is missing."""
    return "-" if value is None else format(value, fmt)


def print_table(cases: Sequence[Case], results: dict[str, dict[str, Any]]) -> None:
    """Print value, floor, ratio and goal with PASS/MISS, one line per case.

    ``floor s`` is the floor's median; ``ratio`` is of medians (the one judged),
    ``(min)`` of minimums.
    """
    head = (
        f"{'measure':<24} {'median s':>8} {'min s':>7} {'peak MB':>7}  {'compared to':<13} "
        f"{'floor s':>7} {'ratio':>6} {'(min)':>6}  {'goal':<9} {'':<4}"
    )
    print(head)
    print("-" * len(head))
    for case in cases:
        r = results[case.key]
        floor = results[case.floor] if case.floor else {}
        if case.goal is None:
            goal = ""
        elif case.floor is None:
            goal = f"≤ {case.goal:.2f} s"
        else:
            goal = f"≤ {case.goal:.2f}×"
        verdict = "" if r["ok"] is None and case.goal is None else _verdict(r["ok"])
        compared = results[case.floor]["label"] if case.floor else ("absolute" if goal else "")
        print(
            f"{case.label:<24} {_cell(r.get('median_s'), '.3f'):>8} "
            f"{_cell(r.get('min_s'), '.3f'):>7} {_cell(r.get('peak_mb'), '.0f'):>7}  "
            f"{compared:<13} {_cell(floor.get('median_s'), '.3f') if floor else '':>7} "
            f"{_cell(r['ratio'], '.2f') if case.floor else '':>6} "
            f"{_cell(r['min_ratio'], '.2f') if case.floor else '':>6}  {goal:<9} {verdict:<4}"
        )
    for case in cases:
        if "error" in results[case.key]:
            print(f"{case.label} failed: {results[case.key]['error']}")


def _verdict(ok: bool | None) -> str:
    """Return PASS, MISS, or ``-`` when there is nothing to judge."""
    return "-" if ok is None else ("PASS" if ok else "MISS")


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S.*)$")


def parse_importtime(stderr: str) -> list[dict[str, Any]]:
    """Given ``-X importtime`` output, return one record per import, in order.

    Each has ``self_ms``, ``cumulative_ms``, ``depth`` (nesting, from the
    two-space indent) and ``module``; other lines (the header, warnings) are
    skipped.
    """
    records = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, module = match.groups()
            records.append(
                {
                    "module": module,
                    "depth": len(indent) // 2,
                    "self_ms": int(self_us) / 1000,
                    "cumulative_ms": int(cumulative_us) / 1000,
                }
            )
    return records


def profile_imports(label: str, argv: list[str], scratch: Path) -> dict[str, Any]:
    """Run ``argv`` (a Python script and its arguments) under ``-X importtime``; print its top.

    Prints the ``TOP`` imports by cumulative time, indented by nesting, and the
    sum of the top-level ones (all import time) against the run's wall time.
    Both are inflated by importtime's own bookkeeping; compare them with each
    other, not with the table.
    """
    command = [sys.executable, "-X", "importtime", *argv]
    run = run_measured(command, env=child_env(scratch), cwd=str(scratch))
    wall_ms = run["wall_s"] * 1000
    records = parse_importtime(run["stderr"])
    total_ms = sum(r["cumulative_ms"] for r in records if r["depth"] == 0)
    print(f"\n-X importtime, {label}: imports {total_ms:.0f} ms of {wall_ms:.0f} ms wall")
    print(f"{'cumul ms':>8} {'self ms':>8}  module")
    top = sorted(records, key=lambda r: r["cumulative_ms"], reverse=True)[:TOP]
    for r in top:
        indent = "  " * r["depth"]
        print(f"{r['cumulative_ms']:>8.1f} {r['self_ms']:>8.1f}  {indent}{r['module']}")
    return {"label": label, "wall_ms": round(wall_ms, 1), "imports_ms": total_ms, "top": top}


def profile_functions(label: str, argv: list[str], scratch: Path) -> list[str]:
    """Run ``argv`` under ``cProfile``; print and return watercooler's ``TOP`` functions.

    Why: importtime shows what loading costs, not which of the package's steps
    (settings, cache, rules, rendering) waits for it or costs time of its own.
    Only functions in files under a ``watercooler/`` folder are listed, by
    cumulative time (imports they trigger included; ``tottime`` is their own),
    since the interpreter's import machinery would otherwise fill the list.
    """
    out = scratch / "check.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(out), *argv]
    run = run_measured(command, env=child_env(scratch), cwd=str(scratch))
    if run["returncode"] != 0 or not out.exists():
        print(f"\ncProfile, {label}: failed: {_last_line(run['stderr'])}")
        return []
    text = StringIO()
    pstats.Stats(str(out), stream=text).sort_stats("cumulative").print_stats("watercooler/", TOP)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    # Keep the column header and the rows, drop pstats' preamble of file names.
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    print(f"\ncProfile, {label}: top {TOP} watercooler functions by cumulative time")
    for line in lines[start:]:
        print(line)
    return lines[start:]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(description="Time watercooler's start-up against floors.")
    parser.add_argument("--repeat", type=int, default=15, help="measured runs per command")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured rounds first")
    parser.add_argument(
        "--watercooler",
        type=Path,
        default=Path(sys.executable).parent / "watercooler",
        help="the console script (default: next to this Python)",
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds per run")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--profile", action="store_true", help="show what start-up costs")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    if not args.watercooler.exists():
        found = shutil.which("watercooler")
        if found is None:
            parser.error(f"{args.watercooler} does not exist; pass --watercooler")
        args.watercooler = Path(found)
    return args


def _log(message: str) -> None:
    """Print progress on stderr, so stdout holds only the tables."""
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Prime the warm cache, time every case round by round, print the table."""
    args = parse_args(argv)
    python = sys.executable
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="watercooler-startup-") as tmp:
        root = Path(tmp)
        vdir = root / "sample-vdir"
        vdir.mkdir()
        shutil.copy(SAMPLE, vdir / SAMPLE.name)
        warm = root / "warm"
        check = check_argv(args.watercooler)
        prime = run_measured(check, env=child_env(warm), cwd=str(warm), timeout=args.timeout)
        if prime["returncode"] != 0:
            print(f"priming check failed: {_last_line(prime['stderr'])}", file=sys.stderr)
            return 1
        first, days = floor_window(prime["stdout"])
        plain = root / "plain"
        floor = [str(BENCH_DIR / "floor.py"), str(vdir), "--start", first.isoformat()]
        floor += ["--days", str(days), "--timezone", ZONE_NAME]
        cases = [
            Case("python", "python -c pass", [python, "-c", "pass"], lambda: plain),
            Case("imports", "import floor", [python, "-c", IMPORT_FLOOR_CODE], lambda: plain),
            Case(
                "version",
                "watercooler --version",
                [str(args.watercooler), "--version"],
                lambda: plain,
                goal=VERSION_GOAL_S,
            ),
            Case("warm", "check, warm cache", check, lambda: warm, "imports", WARM_GOAL),
            Case("cold", "check, cold cache", check, _fresh(root, "cold-"), "floor", COLD_GOAL),
            Case("floor", "floor.py", [python, *floor], lambda: plain),
        ]
        rounds = args.warmup + args.repeat
        _log(f"{rounds} rounds of {len(cases)} commands ({args.warmup} unmeasured) ...")
        for i in range(rounds):
            turn = i % len(cases)
            for case in cases[turn:] + cases[:turn]:
                run = _run(case, args.timeout)
                if i >= args.warmup:
                    case.runs.append(run)
        by_key = {case.key: case for case in cases}
        results = {case.key: summarize(case) for case in cases}
        judge(cases, results)
        load_after = os.getloadavg()
        print(
            f"{args.repeat} runs each after {args.warmup} warm-up rounds; "
            f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f} before, "
            f"{load_after[0]:.2f} after"
        )
        print_table(cases, results)
        floor_report = results["floor"].get("error") or _last_line(
            by_key["floor"].runs[-1]["stdout"]
        )
        print(f"floor.py over {first} + {days} days: {floor_report}")
        outputs = {r["stdout"] for key in ("warm", "cold") for r in by_key[key].runs}
        same = outputs == {prime["stdout"]}
        print(f"warm and cold check printed the same JSON every run: {'yes' if same else 'NO'}")
        profile: dict[str, Any] = {}
        if args.profile:
            version = [str(args.watercooler), "--version"]
            profile["version"] = profile_imports("watercooler --version", version, plain)
            profile["warm"] = profile_imports("check, warm cache", check, warm)
            profile["warm_functions"] = profile_functions("check, warm cache", check, warm)
    if args.json:
        meta = {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": load_after,
            "repeat": args.repeat,
            "warmup": args.warmup,
            "floor_window": {"start": first.isoformat(), "days": days},
            "goals": {"version_s": VERSION_GOAL_S, "warm_ratio": WARM_GOAL, "cold": COLD_GOAL},
        }
        report = {"meta": meta, "results": results, "same_output": same, "profile": profile}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
